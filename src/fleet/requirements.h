// Requirements: what a unit's [X-Fleet] section asks of the machine it runs
// on, read with fleet's exact rules (job/job.go, unit/unit.go; reference:
// shared/reference/fleet.md 2.2-2.3), and the API's checks on them.
//
// Reading the section:
// - every key is multi-valued and repeated lines accumulate (an empty
//   assignment does not clear the list, unlike systemd's list settings);
// - a value is split into several only when the whole value starts and ends
//   with '"': `"a=b" "c=d"` is two values (split at spaces outside quotes,
//   quotes dropped); `a=b c=d` stays one;
// - Conflicts values are further split on whitespace;
// - the specifiers %n %N %p %i are replaced in these values (and nowhere
//   else in the unit), one after the other, as fleet's unitPrintf does.
//
// The options (first value wins where only one counts):
//   MachineID            pin; first value only; matches the full machine id
//                        or its first 8 characters. Aliases (used only when
//                        MachineID is absent, in this order):
//                        X-ConditionMachineID, X-ConditionMachineBootID.
//   MachineOf            peers, exact unit names, all needed on the machine.
//                        Alias X-ConditionMachineOf.
//   MachineMetadata      k=v; OR within a key, AND across keys; a value that
//                        is not exactly one '=' with both sides non-empty is
//                        silently ignored. Alias X-ConditionMachineMetadata.
//   Conflicts            globs (glob.h) on unit names; alias X-Conflicts.
//   Replaces             globs; not split on whitespace.
//   Global               true/yes/1/on/t (any case) is true; the last value
//                        wins.
// Any other key is kept in `options` and named in `warnings`
// ("unrecognized requirement in [X-Fleet] section: \"Foo\"", fleet's text);
// a Conflicts or Replaces glob Go would refuse is also warned about (it
// matches nothing).
//
// Pure functions; a Requirements is a plain value.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "unit/unit_file.h"

namespace flotilla::fleet {

// MachineMetadata as fleet groups it: key -> accepted values.
using MetadataRequirement = std::map<std::string, std::set<std::string>>;

struct Requirements {
  // Every [X-Fleet] key as written (aliases not folded) with its values
  // after splitting and specifiers: fleet's Job.requirements().
  std::map<std::string, std::vector<std::string>> options;

  std::optional<std::string> machine_id;
  std::vector<std::string> machine_of;  // X-ConditionMachineOf first, then MachineOf
  MetadataRequirement metadata;
  std::vector<std::string> conflicts;  // X-Conflicts first, then Conflicts
  std::vector<std::string> replaces;
  bool global = false;

  // Unknown keys in file order, then Conflicts/Replaces globs Go refuses.
  std::vector<std::string> warnings;
};

// The [X-Fleet] requirements of `unit` submitted under `unit_name`, whose
// name supplies the specifiers. Never fails: fleet accepts anything here
// and only warns.
Requirements ParseRequirements(const unit::UnitFile& unit, std::string_view unit_name);

// fleet's isTruthyValue.
bool IsTruthy(std::string_view value);

// fleet's unitPrintf: %n, then %N, then %p, then %i replaced everywhere in
// `s` from `unit_name` (for a name without a '.', `s` is returned as is).
std::string UnitPrintf(std::string_view s, std::string_view unit_name);

// The API's ValidateOptions rules; the first problem found, in fleet's
// words (kInvalidArgument), e.g. "MachineID cannot be used with Peers" or
// "unresolvable requirements: peer \"a.service\" matches conflict \"a.*\"".
base::Status ValidateRequirements(const Requirements& r);

// The API's ValidateName (fleet.md 2.1): at most 256 bytes, a '.' not at
// the end, a known unit type after the last '.', only [A-Za-z0-9:_.@\-\\]
// before it, no leading '@', and a name with '@' limited to the types
// path, service, socket, target and timer.
base::Status ValidateUnitName(std::string_view name);

}  // namespace flotilla::fleet

// What the fleet v1 API shows of the registry: its entities derived from a
// Snapshot (registry_format.h), and the checks a submitted unit must pass.
// Pure functions; the Api (api.h) loads the snapshot and sends the answer.
//
// A unit's current state, fleet's derivation (registry/job_state.go)
// adapted to flotilla's registry:
//   - a global unit ([X-Fleet] Global=true) has none (omitted), nor a
//     machineID;
//   - otherwise its machineID is its schedule target, and it is "inactive"
//     with no target, or with a target whose agent has not reported it
//     (no states/<unit>/<target>); else the fleetState that agent reports
//     ("loaded", or "launched" once it started the unit).
//   - reason: why the engine left a loaded/launched unit without a machine
//     (unplaced/<unit>), only while it has none.
// Unit states and machines are shown only for live machines (those whose
// machines/<id>/object exists), as fleet's list-machines does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "fleet/api_json.h"
#include "fleet/registry_format.h"
#include "unit/unit_file.h"

namespace flotilla::fleet {

// Every unit with a job object, by name.
std::vector<ApiUnit> UnitsOf(const Snapshot& s);
std::optional<ApiUnit> UnitOf(const Snapshot& s, const std::string& name);

// The states reported by live machines, by (unit, machine); an empty
// filter matches everything.
std::vector<ApiUnitState> UnitStatesOf(const Snapshot& s, std::string_view machine,
                                       std::string_view unit);

// Live machines by id, with their metadata merged with the dynamic one.
std::vector<ApiMachine> MachinesOf(const Snapshot& s);

// Whether the stored body of `unit` says Global=true.
bool IsGlobalUnit(const Snapshot& s, const std::string& unit);

// The machines a unit runs on, by id: for a global unit the live ones
// that report a state for it, otherwise its schedule target (which may
// have just died: the caller finds out when it asks it).
std::vector<std::string> MachinesRunning(const Snapshot& s, const std::string& unit);

// The unit file an API Unit's options make (file order kept).
unit::UnitFile UnitFileOf(const std::vector<ApiUnitOption>& options);

// fleet's ValidateOptions: the file must read back after serializing (line
// length and the like; the parser's message), and its [X-Fleet]
// requirements must pass ValidateRequirements. fleet reads them here
// without the unit's name, so specifiers are not expanded for this check.
base::Status ValidateUnitOptions(const unit::UnitFile& file);

// fleet's UnitNameInfo.IsTemplate: "x@.service".
bool IsTemplateName(std::string_view name);

}  // namespace flotilla::fleet

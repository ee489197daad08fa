// The cluster as the scheduler sees it: machines (an id and metadata) and
// jobs (a named unit with its requirements, its desired state and, for a
// non-global unit, the machine it is scheduled to). Plain values; the
// engine and agent drivers build them from the registry.
#pragma once

#include <compare>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "fleet/requirements.h"

namespace flotilla::fleet {

// A machine's id: /etc/machine-id, 32 hex digits (any string is accepted).
struct MachineId {
  std::string value;
  // The first 8 characters, what `fleetctl list-machines` shows.
  std::string Short() const { return value.substr(0, 8); }
  // fleet's MatchID: `id` is the full id or the short one.
  bool Matches(std::string_view id) const { return id == value || id == Short(); }
  auto operator<=>(const MachineId&) const = default;
};

struct Machine {
  MachineId id;
  // The config metadata merged with the dynamic metadata set through the
  // API (dynamic wins; a dynamic "" has already removed its key).
  std::map<std::string, std::string> metadata;
};

// A unit's desired state (fleet's target-state, JobState): units move only
// between neighbours, inactive <-> loaded <-> launched.
enum class JobState { kInactive, kLoaded, kLaunched };

const char* JobStateName(JobState s);  // "inactive", "loaded", "launched"
// "invalid value \"x\" for JobState" (fleet's text) for anything else.
base::Result<JobState> ParseJobState(std::string_view s);

struct Job {
  std::string name;  // "web@1.service"
  Requirements requirements;
  JobState desired = JobState::kInactive;
  // Where the job is scheduled (the registry's job/<name>/target). Ignored
  // for a global job: globals are never scheduled, every agent decides.
  std::optional<MachineId> target;

  bool global() const { return requirements.global; }
};

}  // namespace flotilla::fleet

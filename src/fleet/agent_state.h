// AgentState: the units one machine runs, as both the engine (deciding
// where a job may go) and the agent (deciding what to run) see it; and
// AbleToRun, the test of one job against it (fleet's agent/state.go).
//
// Which units a machine runs: its non-global jobs plus the global jobs
// whose MachineMetadata it has, all with a desired state other than
// inactive, taken in name order, each dropped when it conflicts with one
// already taken (first wins; fleet.md 4.4). The engine uses the same view,
// so engine and agent never disagree about a machine.
//
// AbleToRun checks, in fleet's order: MachineID, MachineMetadata, MachineOf
// peers present, Conflicts (symmetric: either unit's glob matching the
// other's name; a unit never conflicts with itself), Replaces (see Verdict).
// Pure functions over borrowed pointers: an AgentState points into the
// machines and jobs it was built from, which must outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/job.h"

namespace flotilla::fleet {

struct AgentState {
  const Machine* machine = nullptr;
  std::vector<const Job*> units;  // sorted by name, names distinct

  const Job* Find(std::string_view name) const;
  size_t load() const { return units.size(); }
};

// The view of machine `m` given the jobs meant for it: its scheduled
// non-global jobs and every global job (the others are filtered here).
AgentState BuildAgentState(const Machine& m, std::vector<const Job*> candidates);

// fleet's machine.HasMetadata: for every required key the machine has the
// key with one of the accepted values.
bool HasMetadata(const Machine& m, const MetadataRequirement& required);

// "role=db", "(role=db or role=web) and region=eu": for reasons.
std::string FormatMetadata(const MetadataRequirement& required);

// fleet's hasConflict: the first unit of `state` (by name, other than
// `name`) that one of `conflicts` matches or whose own Conflicts match
// `name`.
std::optional<std::string> HasConflict(const AgentState& state, std::string_view name,
                                       const std::vector<std::string>& conflicts);

// fleet's hasReplace: the first unit of `state` (by name, other than
// `name`) that `replaces` matches or whose own Replaces match `name`, but
// not both (two units replacing each other are ignored here).
std::optional<std::string> HasReplace(const AgentState& state, std::string_view name,
                                      const std::vector<std::string>& replaces);

enum class Action {
  kSchedule,    // the job may run there
  kUnschedule,  // it may not (reason says why)
  kReschedule,  // it may, and the units in `replaced` must then leave
};

struct Verdict {
  Action action = Action::kSchedule;
  std::string reason;                 // for kUnschedule: "conflicts with a.service"
  std::vector<std::string> replaced;  // for kReschedule, in name order
};

// Whether `job` can run on the machine of `state`. Replaces only concerns
// non-global units (a global cannot be moved): when a unit there replaces
// `job` (one way), `job` may not run there ("replaced by X"); when `job`
// replaces units there, it may, and they are to be moved (fleet answers
// "reschedule" in both cases; see placement.h).
Verdict AbleToRun(const AgentState& state, const Job& job);

// fleet's sortableAgentStates: by load ascending, then machine id ascending.
void SortLeastLoaded(std::vector<const AgentState*>& agents);

}  // namespace flotilla::fleet

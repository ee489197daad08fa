// Place: THE scheduling function. Machines and jobs in, decisions out: a
// pure, deterministic function of its inputs (no clock, no randomness, no
// I/O), so the engine driver only reads the registry, calls Place, and
// writes the decisions back in order (reference: fleet.md 4.3, fleet's
// engine/reconciler.go and scheduler.go).
//
// One call:
//   Pass 1, over the scheduled non-global jobs, by name, until nothing
//   changes: unschedule a job whose desired state is inactive ("desired
//   state inactive"), whose machine is gone ("target machine went away"),
//   or that AbleToRun (agent_state.h) rejects where it is ("conflicts with
//   x.service", "MachineOf peer p.service is not here", "replaced by
//   r.service", "lacks metadata role=db", ...).
//   Pass 2, over the unscheduled non-global jobs with desired state loaded
//   or launched, by name, in rounds until a round places nothing: put each
//   on the first machine, least loaded first (ties: machine id ascending),
//   that AbleToRun does not reject. Every decision updates the in-memory
//   state at once, so later ones see the new load; a MachineOf follower
//   tried before its peer is placed in the next round (so a follower moves
//   with its peer in the same call); a unit this placement replaces is
//   unscheduled at once ("replaced by j.service") and placed again in the
//   same call, on another machine.
//   A job still unplaced gets a reason ("no machine has metadata role=db",
//   "MachineID 1234abcd not in the cluster", "waiting for MachineOf peer
//   db.service", "conflicts with web@1.service on every machine", ...).
//
// A unit on a machine that still exists and can still run it never moves:
// no rebalancing when machines come back or join.
//
// Decisions taken where fleet's code, its docs and this brief differ:
// - Load = the number of units the machine's AgentState holds: its
//   scheduled non-global jobs with desired state loaded/launched, plus the
//   global jobs that machine will run (metadata matches, desired state not
//   inactive, no conflict with a unit before it in name order). fleet
//   counts every global unit whose metadata matches, even inactive ones.
// - Jobs are taken in name order (fleet: Go map order, i.e. random), and
//   pass 2 repeats rounds so MachineOf followers need no extra tick.
// - Conflicts between units already scheduled on one machine are settled
//   as the agent settles them: in name order, the first stays; fleet
//   unschedules both.
// - Replaces: a job may be placed where a unit it replaces runs (fleet),
//   but not where a unit that replaces it runs (fleet allows that too and
//   then moves it again). The replaced unit is moved in the same call to
//   the least-loaded machine that can run it, eligibility checked (fleet:
//   the least-loaded other machine, unchecked, on the next tick). A unit is
//   placed at most once per call, so Replaces chains cannot loop; one moved
//   away after its placement waits for the next call ("moved away in this
//   pass (replaced by x.service); placed again on the next one").
// - Two units whose Replaces match each other (circular): fleet ignores the
//   relation and would run both; here exactly one runs: the one already
//   scheduled, else the first by name ("circular Replaces with x.service,
//   which is scheduled on m1").
// - Replaces never moves a global unit (a global cannot be rescheduled).
// - Duplicate job names or machine ids in the input: the first wins.
//
// Thread-safety: none needed; everything is a value or borrowed for the
// call.
#pragma once

#include <string>
#include <vector>

#include "fleet/job.h"

namespace flotilla::fleet {

struct Decision {
  enum class Kind { kUnschedule, kSchedule };
  Kind kind = Kind::kSchedule;
  std::string job;
  MachineId machine;   // unschedule: where it was; schedule: where it goes
  std::string reason;  // unschedule only
};

struct Unplaced {
  std::string job;
  std::string reason;
};

struct Placement {
  // To apply in this order: the registry's target key of `job` is deleted
  // (CAS on `machine`) or created (create-only).
  std::vector<Decision> decisions;
  // Every non-global job with desired state loaded/launched left without a
  // machine, by name.
  std::vector<Unplaced> unplaced;
};

Placement Place(const std::vector<Machine>& machines, const std::vector<Job>& jobs);
// The same over borrowed values (the engine keeps its jobs between calls).
Placement PlaceBorrowed(std::vector<const Machine*> machines, std::vector<const Job*> jobs);

struct AgentUnit {
  std::string name;
  JobState desired = JobState::kLoaded;  // loaded or launched
};

// What the agent of `machine` should run (fleet.md 4.4): the non-global jobs
// targeted at it plus the global jobs whose MachineMetadata it has, without
// inactive ones, in name order, each dropped when it conflicts with one
// taken before it. Absent units are to be unloaded.
std::vector<AgentUnit> AgentDesiredUnits(const Machine& machine, const std::vector<Job>& jobs);

}  // namespace flotilla::fleet

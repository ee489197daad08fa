// What submit, load, start, stop, unload, destroy and restart share
// (fleetctl.go): making sure units exist in the cluster, setting their
// desired state, and blocking until fleet reports the state reached.
//
// Creating a unit (lazyCreateUnits) tries, in order: the unit already in
// the API (warning when a local file differs, unless --replace says to
// overwrite it), a local file named by the argument, and for an instance
// ("web@01.service") its template "web@.service", first in the API, then
// next to the argument on disk. Each created unit is then waited on until
// the API reports it "inactive" ("Unit web@01.service inactive").
//
// Blocking (getBlockAttempts): --no-block does not wait, --block-attempts=N
// polls up to N times, the default waits forever; polls are kPollInterval
// apart. Global units are never waited on. While a unit waits, flotilla's
// API may say why it is not placed: the reason is shown once it persists
// (waiting forever) or with the timeout error.
//
// Errors come back as Status values in fleetctl's words; the commands
// print them with their own prefixes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cli/fleetctl/schema.h"
#include "cli/fleetctl/session.h"

namespace flotilla::cli::fleetctl {

// lazyCreateUnits for "submit", "load" or "start" (s.command()).
base::Status LazyCreateUnits(Session& s, const std::vector<std::string>& args);

// setTargetStateOfUnits: the units whose desired state this changed.
base::Result<std::vector<Unit>> SetTargetStateOfUnits(Session& s,
                                                      const std::vector<std::string>& args,
                                                      std::string_view state);

// findUnits: the units named by `args` that exist, in argument order.
base::Result<std::vector<Unit>> FindUnits(Session& s, const std::vector<std::string>& args);

// getBlockAttempts: -1 with --no-block, N for --block-attempts=N > 0, else
// 0 (no limit).
int BlockAttempts(const Session& s);

// waitForUnitStates: polls until every unit reports `state` (global units:
// their desired state), printing "Unit X <state> on <machine>" as each
// arrives; with attempts > 0, the first unit still waiting after that many
// polls is a timeout error.
base::Status WaitForUnitStates(Session& s, const std::vector<std::string>& units,
                               std::string_view state, int attempts);

// tryWaitForUnitStates: with attempts -1 prints "Triggered unit X <verb>";
// otherwise waits, printing "Unit X <state> on <machine>" as each arrives.
// A timeout is also reported on stderr ("Error waiting for units: ...").
base::Status TryWaitForUnitStates(Session& s, const std::vector<std::string>& units,
                                  std::string_view verb, std::string_view state, int attempts);

// After start: gives systemd a moment (the block attempts, or 2 s) to
// report the units loaded/active. Fails only if the states cannot be read.
base::Status TryWaitForSystemdActiveState(Session& s, const std::vector<std::string>& units,
                                          int attempts);

}  // namespace flotilla::cli::fleetctl

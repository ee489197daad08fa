// Proc: what Linux's /proc says about processes, where signals cannot
// tell: kill(pid, 0) succeeds for a zombie, and a unit's orphans stay
// zombies until init reaps them (late, or never when flotilla is PID 1 of
// a container). Used to decide whether a unit's processes are gone and to
// find the processes an earlier run left (leftovers.h).
//
// Threading: any; every call reads /proc afresh.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace flotilla::service {

// Fields of /proc/PID/stat ("pid (comm) state ppid pgrp session ...").
struct ProcStat {
  char state = '?';  // R, S, D, T, Z (zombie), X (dead), ...
  pid_t ppid = 0, pgrp = 0, session = 0;
  std::string comm;
};

// nullopt when the process does not exist (or /proc is not mounted).
std::optional<ProcStat> ReadProcStat(pid_t pid, const std::string& proc = "/proc");

// The process exists and is neither a zombie nor dead.
bool ProcessLive(pid_t pid);

// Every numeric entry of `proc`, i.e. every process id, in directory order.
std::vector<pid_t> ListPids(const std::string& proc = "/proc");

}  // namespace flotilla::service

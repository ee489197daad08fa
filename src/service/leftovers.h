// Leftovers: processes that an earlier run of a service manager started and
// never stopped, because that run was killed or crashed. Every process a
// Manager spawns carries `FLOTILLA_MANAGER=<its state directory>` in its
// environment and leads a session of its own (spawn.h), so a new run finds
// them by that mark in /proc/PID/environ and then takes every process of
// those sessions, including children that dropped the mark from their
// environment. Processes that left their session (a daemon's setsid) or
// never had the mark are not found; cgroups would catch those and are not
// used yet.
//
// Stopping them first is how a restarted manager guarantees one copy of a
// unit: it then starts the units afresh instead of adopting processes whose
// pipes and exit statuses went with the old run.
//
// Threading: any; both calls block.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::service {

inline constexpr std::string_view kManagerEnv = "FLOTILLA_MANAGER";

struct Leftover {
  pid_t pid = 0;
  pid_t session = 0;
  std::string unit;  // FLOTILLA_UNIT of its session leader, "" if unknown
  std::string comm;  // the process name, for messages
};

// Every process (but this one and its own session) in a session whose
// leader or any member carries `FLOTILLA_MANAGER=<manager_id>`. `proc` is
// the proc file system's mount point.
std::vector<Leftover> FindLeftovers(std::string_view manager_id, const std::string& proc = "/proc");

// SIGTERM to every leftover and SIGCONT (as systemd does for stopped
// processes); SIGKILL to those still there after `grace`. Returns once all
// are gone or 5 s after the SIGKILL.
void StopLeftovers(const std::vector<Leftover>& leftovers, std::chrono::milliseconds grace);

}  // namespace flotilla::service

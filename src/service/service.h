// Service: one service unit's life on this machine, driven on the event
// loop as systemd drives it (systemd.service(5)): start, stop, restart,
// automatic restart, timeouts and start limits, with systemd's states.
//
//   dead --Start--> start-pre --> start --> start-post --> running
//     ^                 |            |          |            | main exits,
//     |                 +--- a command fails or times out ---+ or Stop()
//     |                              v                       v
//     +---- stop-post <-- stop-sigkill <-- stop-sigterm <-- stop (ExecStop)
//              |
//              +--> dead | failed, then auto-restart (after RestartSec)
//                   when Restart= says so and the stop was not asked for
//
// ACTIVE is derived from SUB as systemd shows it: inactive (dead), failed,
// activating (start-*, auto-restart), active (running, exited), and
// deactivating (stop-*). Type=oneshot runs its ExecStart commands one after
// another and then goes to exited (RemainAfterExit=yes) or through the stop
// steps to dead; Type=forking counts as running while its process group
// lives. Every command runs in its own process group (spawn.h); stopping
// signals the groups (KillMode=control-group, mixed; process: the main
// process only; none: nothing), SIGKILL after TimeoutStopSec.
//
// What happens is told through Events: the manager's messages as systemd
// 252 words them (journal_format.h's UnitEventMessage: "Starting
// x.service - My Service...", "Started ...", "x.service: Main process
// exited, code=exited, status=1/FAILURE", "x.service: Failed with result
// 'exit-code'.") and every output line of every command, for the journal.
//
// Threading: the loop thread only. The Service must outlive nothing it
// started: destroying it SIGKILLs what is left of its processes.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "net/event_loop.h"
#include "service/child.h"
#include "service/service_config.h"

namespace flotilla::service {

enum class SubState {
  kDead,
  kStartPre,
  kStart,
  kStartPost,
  kRunning,
  kExited,
  kStop,
  kStopSigterm,
  kStopSigkill,
  kStopPost,
  kFailed,
  kAutoRestart,
};

enum class ActiveState { kInactive, kActivating, kActive, kDeactivating, kFailed };

// Why the last run ended badly, as systemd's Result= ("success" when not).
enum class ServiceResult {
  kSuccess,
  kResources,
  kTimeout,
  kExitCode,
  kSignal,
  kCoreDump,
  kStartLimitHit
};

const char* ToString(SubState s);
const char* ToString(ActiveState s);
const char* ToString(ServiceResult r);
ActiveState ActiveOf(SubState s);

struct ServiceStatus {
  ActiveState active = ActiveState::kInactive;
  SubState sub = SubState::kDead;
  ServiceResult result = ServiceResult::kSuccess;
  pid_t main_pid = 0;
  std::chrono::system_clock::time_point since;  // of the last ACTIVE change
  unsigned restarts = 0;                        // automatic restarts so far
};

class Service {
 public:
  struct Events {
    // A manager message about this unit.
    std::function<void(std::string_view message)> message;
    // A line a process of the unit wrote.
    std::function<void(pid_t pid, Stream stream, std::string_view line)> output;
    // The status changed (for waiters, the API, dependencies).
    std::function<void(const ServiceStatus&)> changed;
  };

  // `base_env` is the manager's environment for every unit (PATH, ...);
  // the unit's Environment= and EnvironmentFile= come on top at each start.
  Service(net::EventLoop& loop, ServiceConfig config, std::map<std::string, std::string> base_env,
          Events events);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Starts unless already starting or active (then nothing). A start
  // limit hit fails at once.
  void Start();
  // Stops unless already stopping or inactive; cancels a pending restart.
  void Stop();
  void Restart();

  const ServiceStatus& status() const { return status_; }
  const ServiceConfig& config() const { return config_; }

  struct Impl;

 private:
  ServiceConfig config_;
  ServiceStatus status_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace flotilla::service

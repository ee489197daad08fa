// Service: one service unit's life on this machine, driven on the event
// loop as systemd drives it (systemd.service(5)): start, stop, reload,
// restart, automatic restart, timeouts and start limits, with systemd's
// states.
//
//   dead --Start--> start-pre --> start --> start-post --> running <--> reload
//     ^                 |            |          |          |      |
//     |                 +-- a command fails or times out --+      | Stop(), or the
//     |                     or the main process fails             | main ends cleanly
//     |                                         v                 v
//     +---- stop-post <-- stop-sigkill <-- stop-sigterm <------- stop (ExecStop)
//              |
//              +--> dead | failed, then auto-restart (after RestartSec)
//                   when Restart= says so and the stop was not asked for
//
// When the start or a reload is over, or the main process (forking: the
// last process of its group) ends, the unit settles as systemd's
// service_enter_running: after a failure straight to stop-sigterm (no
// ExecStop); running while the main process lives; exited with
// RemainAfterExit=yes; otherwise through ExecStop to dead. A main process
// that ends during start-post or reload is judged once that step is over.
//
// ACTIVE is derived from SUB as systemd shows it: inactive (dead), failed,
// activating (start-*, auto-restart), active (running, exited), reloading
// (reload) and deactivating (stop-*). Restart= follows systemd's table:
// on-success restarts after exit 0 or a clean signal (SIGHUP, SIGINT,
// SIGTERM, SIGPIPE); on-failure after anything else; on-abnormal after a
// signal, core dump, timeout or resources failure; on-abort after a signal
// or core dump (no watchdog here, nor SuccessExitStatus=,
// RestartPreventExitStatus= or PIDFile=).
//
// Type=simple and exec reach start-post only once the main process has
// exec'd (a missing binary fails the start). Type=oneshot runs its
// ExecStart commands one after another and then goes to exited
// (RemainAfterExit=yes) or through the stop steps to dead ("Deactivated
// successfully." then "Finished ..."). Type=forking counts as running while
// its process group has a live (not zombie) process; its main PID is not
// known. Every command runs in its own process group (spawn.h); a process
// that leaves its group (setsid) is not tracked.
//
// Commands see Environment= overridden by EnvironmentFile= (files in
// order; "-" allows a missing one, otherwise the start fails with result
// 'resources'), and control commands see $MAINPID while the main process
// lives. In Exec lines a word that is exactly $VAR becomes the value's
// words, ${VAR} is replaced in place (unit/exec_command.h).
//
// Stopping signals the groups: KillMode=control-group every group;
// process the main process only; mixed the main process, then SIGKILL to
// every group once the main and control processes are gone (or on the
// timeout); none nothing. KillSignal is followed by SIGCONT, and by
// SIGKILL after TimeoutStopSec (result 'timeout').
//
// Reload() (systemctl reload) runs the ExecReload commands in the reload
// state (ACTIVE reloading), only from running or exited, with
// TimeoutStartSec as its timeout; afterwards the unit is back in running
// (or exited), whether the reload worked ("Reloaded ...") or not ("Reload
// failed for ...": the result stays as it was). Start() while reloading
// does nothing; Stop() kills the reload like a start in progress.
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

#include "base/status.h"
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
  kReload,
  kStop,
  kStopSigterm,
  kStopSigkill,
  kStopPost,
  kFailed,
  kAutoRestart,
};

enum class ActiveState { kInactive, kActivating, kActive, kReloading, kDeactivating, kFailed };

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
  // Of the last ACTIVE change; active <-> reloading is none (systemd's
  // ActiveEnterTimestamp).
  std::chrono::system_clock::time_point since;
  unsigned restarts = 0;  // automatic restarts so far
};

class Service {
 public:
  struct Events {
    // A manager message about this unit.
    std::function<void(std::string_view message)> message;
    // A line a process of the unit wrote.
    std::function<void(pid_t pid, std::string_view identifier, Stream stream,
                       std::string_view line)>
        output;
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
  // Runs ExecReload= (see above). Refused, changing nothing: without
  // ExecReload= ("Job type reload is not applicable for unit x.service."),
  // and unless running or exited ("x.service: Unit cannot be reloaded
  // because it is inactive.", also as a message). While reloading: nothing
  // more (the reload in progress serves).
  base::Status Reload();

  const ServiceStatus& status() const { return status_; }
  const ServiceConfig& config() const { return config_; }

  struct Impl;

 private:
  ServiceConfig config_;
  ServiceStatus status_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace flotilla::service

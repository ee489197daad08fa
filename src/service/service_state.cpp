// Service states and results: names as systemd prints them, and how a
// wait status reads (service_state.h).
#include <fmt/format.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "service/service.h"
#include "service/service_state.h"

namespace flotilla::service {

const char* ToString(SubState s) {
  switch (s) {
    case SubState::kDead:
      return "dead";
    case SubState::kStartPre:
      return "start-pre";
    case SubState::kStart:
      return "start";
    case SubState::kStartPost:
      return "start-post";
    case SubState::kRunning:
      return "running";
    case SubState::kExited:
      return "exited";
    case SubState::kReload:
      return "reload";
    case SubState::kStop:
      return "stop";
    case SubState::kStopSigterm:
      return "stop-sigterm";
    case SubState::kStopSigkill:
      return "stop-sigkill";
    case SubState::kStopPost:
      return "stop-post";
    case SubState::kFailed:
      return "failed";
    case SubState::kAutoRestart:
      return "auto-restart";
  }
  return "?";
}

const char* ToString(ActiveState s) {
  switch (s) {
    case ActiveState::kInactive:
      return "inactive";
    case ActiveState::kActivating:
      return "activating";
    case ActiveState::kActive:
      return "active";
    case ActiveState::kReloading:
      return "reloading";
    case ActiveState::kDeactivating:
      return "deactivating";
    case ActiveState::kFailed:
      return "failed";
  }
  return "?";
}

const char* ToString(ServiceResult r) {
  switch (r) {
    case ServiceResult::kSuccess:
      return "success";
    case ServiceResult::kResources:
      return "resources";
    case ServiceResult::kTimeout:
      return "timeout";
    case ServiceResult::kExitCode:
      return "exit-code";
    case ServiceResult::kSignal:
      return "signal";
    case ServiceResult::kCoreDump:
      return "core-dump";
    case ServiceResult::kStartLimitHit:
      return "start-limit-hit";
  }
  return "?";
}

ActiveState ActiveOf(SubState s) {
  switch (s) {
    case SubState::kDead:
      return ActiveState::kInactive;
    case SubState::kFailed:
      return ActiveState::kFailed;
    case SubState::kRunning:
    case SubState::kExited:
      return ActiveState::kActive;
    case SubState::kReload:
      return ActiveState::kReloading;
    case SubState::kStop:
    case SubState::kStopSigterm:
    case SubState::kStopSigkill:
    case SubState::kStopPost:
      return ActiveState::kDeactivating;
    default:
      return ActiveState::kActivating;
  }
}

// systemd's words for a wait status: "code=exited, status=1/FAILURE".
std::string DescribeExit(int status) {
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    return fmt::format("code=exited, status={}/{}", code, code == 0 ? "SUCCESS" : "FAILURE");
  }
  if (WIFSIGNALED(status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(status));
    return fmt::format("code={}, status={}/{}", WCOREDUMP(status) ? "dumped" : "killed",
                       WTERMSIG(status), abbrev ? abbrev : "?");
  }
  return "code=unknown";
}

ServiceResult ResultOf(int status, bool clean_signals) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status) == 0 ? ServiceResult::kSuccess : ServiceResult::kExitCode;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (clean_signals && (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGPIPE))
      return ServiceResult::kSuccess;
    return WCOREDUMP(status) ? ServiceResult::kCoreDump : ServiceResult::kSignal;
  }
  return ServiceResult::kExitCode;
}

}  // namespace flotilla::service

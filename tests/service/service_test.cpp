// One service's life (src/service/service.h) with real processes: start,
// stop, failures, automatic restarts and start limits, oneshot, stop
// timeouts escalating to SIGKILL, and the messages systemd would log.
// More in service_*_test.cpp: Restart= (restart), Type= (type), the Exec
// commands and their prefixes (exec), Reload (reload), KillMode= (stop)
// and the environment (environment).
#include "service/service.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "service_fixture.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

using ServiceTest = ServiceFixture;

TEST_F(ServiceTest, simpleService_startsRunsAndStops) {
  auto s = Make(
      "[Unit]\nDescription=My Service\n[Service]\nExecStart=/bin/sh -c 'echo up; exec sleep 60'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning && !output_.empty(); }));
  EXPECT_EQ(s->status().active, ActiveState::kActive);
  pid_t pid = s->status().main_pid;
  EXPECT_GT(pid, 0);
  EXPECT_EQ(output_[0], "up");
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_TRUE(Said("Starting t.service - My Service...")) << All();
  EXPECT_TRUE(Said("Started t.service - My Service.")) << All();
  EXPECT_TRUE(Said("Stopping t.service - My Service...")) << All();
  EXPECT_TRUE(Said("Stopped t.service - My Service.")) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess);
}

TEST_F(ServiceTest, failingMainProcess_failsWithExitCode) {
  auto s = Make("[Service]\nExecStart=/bin/sh -c 'exit 2'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kExitCode);
  EXPECT_TRUE(Said("t.service: Main process exited, code=exited, status=2/FAILURE")) << All();
  EXPECT_TRUE(Said("t.service: Failed with result 'exit-code'.")) << All();
}

TEST_F(ServiceTest, missingCommand_failsWithAClearMessage) {
  auto s = Make("[Service]\nExecStart=/usr/bin/flotilla-no-such-thing --flag\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_TRUE(
      Said("t.service: Failed to execute /usr/bin/flotilla-no-such-thing: "
           "/usr/bin/flotilla-no-such-thing: No such file or directory (nor "
           "flotilla-no-such-thing in PATH=/usr/bin:/bin)"))
      << All();
}

TEST_F(ServiceTest, execStartPre_dashIgnoresFailure_otherwiseTheStartFails) {
  auto ok = Make("[Service]\nExecStartPre=-/bin/false\nExecStart=/bin/sleep 60\n");
  ok->Start();
  ASSERT_TRUE(RunUntil([&] { return ok->status().sub == SubState::kRunning; })) << All();
  auto bad = Make("[Service]\nExecStartPre=/bin/false\nExecStart=/bin/sleep 60\n", "b.service");
  bad->Start();
  ASSERT_TRUE(RunUntil([&] { return bad->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(bad->status().main_pid, 0);
  EXPECT_TRUE(Said("b.service: Control process exited, code=exited, status=1/FAILURE")) << All();
}

TEST_F(ServiceTest, restartAlways_restartsUntilTheStartLimit) {
  auto s = Make(
      "[Unit]\nStartLimitBurst=3\nStartLimitIntervalSec=60\n[Service]\n"
      "ExecStart=/bin/sh -c 'exit 1'\nRestart=always\nRestartSec=50ms\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] {
    return s->status().result == ServiceResult::kStartLimitHit &&
           s->status().sub == SubState::kFailed;
  })) << All();
  EXPECT_EQ(s->status().restarts, 3u);
  EXPECT_TRUE(Said("t.service: Scheduled restart job, restart counter is at 2.")) << All();
  EXPECT_TRUE(Said("t.service: Start request repeated too quickly.")) << All();
}

TEST_F(ServiceTest, restartOnFailure_doesNotRestartACleanExit) {
  auto s = Make("[Service]\nExecStart=/bin/true\nRestart=on-failure\nRestartSec=10ms\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] {
    return s->status().sub == SubState::kDead && Said("t.service: Deactivated successfully.");
  })) << All();
  EXPECT_EQ(s->status().restarts, 0u);
}

TEST_F(ServiceTest, oneshotRemainAfterExit_isActiveExited) {
  auto s = Make(
      "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/echo one\n"
      "ExecStart=/bin/echo two\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kExited; })) << All();
  EXPECT_EQ(s->status().active, ActiveState::kActive);
  EXPECT_EQ(output_, (std::vector<std::string>{"one", "two"}));
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
}

TEST_F(ServiceTest, stopTimeout_escalatesToSigkill) {
  auto s = Make(
      "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; echo ready; while :; do sleep 1; done'\n"
      "TimeoutStopSec=300ms\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return !output_.empty(); }));
  pid_t pid = s->status().main_pid;
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active == ActiveState::kFailed; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kTimeout);
  EXPECT_TRUE(Said("t.service: State 'stop-sigterm' timed out. Killing.")) << All();
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST_F(ServiceTest, environmentAndWorkingDirectory_reachTheCommand) {
  auto s = Make(
      "[Service]\nType=oneshot\nEnvironment=\"GREETING=hello world\"\nWorkingDirectory=/tmp\n"
      "ExecStart=/bin/sh -c 'echo \"$GREETING from $(pwd)\"'\nExecStart=/bin/echo ${GREETING}\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(output_, (std::vector<std::string>{"hello world from /tmp", "hello world"}));
}

TEST_F(ServiceTest, startTimeout_failsTheStart) {
  auto s =
      Make("[Service]\nExecStartPre=/bin/sleep 60\nExecStart=/bin/true\nTimeoutStartSec=200ms\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kTimeout);
  EXPECT_TRUE(Said("t.service: start operation timed out. Terminating.")) << All();
}

TEST_F(ServiceTest, restart_stopsThenStartsANewMainProcess) {
  auto s = Make("[Service]\nExecStart=/bin/sleep 60\nExecStop=/bin/sleep 0.2\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  pid_t first = s->status().main_pid;
  s->Restart();
  ASSERT_TRUE(RunUntil([&] {
    return s->status().sub == SubState::kRunning && s->status().main_pid != first;
  })) << All();
  EXPECT_EQ(::kill(first, 0), -1);
  EXPECT_EQ(s->status().restarts, 0u);  // asked for, not automatic
}

// A stop asked for while a restart is still stopping wins: nothing starts.
TEST_F(ServiceTest, stopDuringARestart_leavesTheUnitStopped) {
  auto s = Make("[Service]\nExecStart=/bin/sleep 60\nExecStop=/bin/sleep 0.3\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  s->Restart();
  ASSERT_EQ(s->status().active, ActiveState::kDeactivating);
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  // A wrongly queued start would be posted right away; give it the loop.
  RunUntil([] { return false; }, 200ms);
  EXPECT_EQ(s->status().sub, SubState::kDead) << All();
  EXPECT_EQ(std::count(messages_.begin(), messages_.end(), "Starting t.service..."), 1) << All();
}

}  // namespace
}  // namespace flotilla::service

// Type= with real processes (systemd.service(5), Type=): exec starts only
// once the binary runs, forking follows the daemon its command leaves
// behind, oneshot runs its commands in turn and ends inactive.
#include <gtest/gtest.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "service_fixture.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

using ServiceTypeTest = ServiceFixture;

std::string Exe(pid_t pid) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf - 1);
  return n < 0 ? "" : std::string(buf, n);
}

TEST_F(ServiceTypeTest, exec_leavesStartOnlyOnceTheBinaryRuns) {
  // Seen at the first state after start: the main process is already the
  // unit's binary, not flotilla's fork of itself.
  std::string exe_at_start_post;
  on_change_ = [&](const ServiceStatus& st) {
    if (st.sub == SubState::kStartPost) exe_at_start_post = Exe(st.main_pid);
  };
  auto s = Make("[Service]\nType=exec\nExecStart=/bin/sleep 60\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  char sleep[PATH_MAX];
  ASSERT_NE(::realpath("/bin/sleep", sleep), nullptr);
  EXPECT_EQ(exe_at_start_post, sleep);
  EXPECT_TRUE(Said("Started t.service.")) << All();
}

TEST_F(ServiceTypeTest, exec_aMissingBinaryFailsTheStart) {
  auto s = Make("[Service]\nType=exec\nExecStart=/usr/bin/flotilla-no-such-thing\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kExitCode);
  EXPECT_FALSE(Passed(SubState::kStartPost));
  EXPECT_FALSE(Passed(ActiveState::kActive));
  EXPECT_TRUE(Said("t.service: Main process exited, code=exited, status=203/EXEC")) << All();
  EXPECT_TRUE(Said("Failed to start t.service.")) << All();
  EXPECT_FALSE(Said("Started t.service.")) << All();
}

TEST_F(ServiceTypeTest, forking_runsWhileTheDaemonLives_andStopKillsIt) {
  auto s = Make(
      "[Service]\nType=forking\n"
      "ExecStart=/bin/sh -c 'sleep 1000 & echo $! > @DIR@/daemon; exit 0'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  pid_t daemon = WaitForPids("daemon", 1).at(0);
  EXPECT_EQ(s->status().main_pid, 0);  // no PIDFile=: not known
  // The parent is gone; the unit stays up for its daemon.
  RunUntil([] { return false; }, 500ms);
  EXPECT_EQ(s->status().sub, SubState::kRunning) << All();
  EXPECT_FALSE(Gone(daemon));

  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess) << All();
  EXPECT_TRUE(Gone(daemon));
  EXPECT_TRUE(Said("Stopped t.service.")) << All();
}

// Regression: the end of the daemon was announced twice ("Deactivated
// successfully." by the group watch and again once dead), and a daemon
// that was gone but not yet reaped by init kept the unit running.
TEST_F(ServiceTypeTest, forking_theDaemonsEndEndsTheUnitOnce) {
  auto s = Make(
      "[Service]\nType=forking\n"
      "ExecStart=/bin/sh -c 'sleep 1000 & echo $! > @DIR@/daemon; exit 0'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  pid_t daemon = WaitForPids("daemon", 1).at(0);
  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess);
  EXPECT_EQ(Count("t.service: Deactivated successfully."), 1) << All();
}

TEST_F(ServiceTypeTest, forking_aFailingParentFailsTheStart) {
  auto s = Make("[Service]\nType=forking\nExecStart=/bin/sh -c 'exit 3'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kExitCode);
  EXPECT_TRUE(Said("t.service: Control process exited, code=exited, status=3/FAILURE")) << All();
  EXPECT_FALSE(Passed(SubState::kRunning));
}

// Regression: the unit went through the stop steps to dead instead.
TEST_F(ServiceTypeTest, simpleRemainAfterExit_staysActiveExitedAfterACleanExit) {
  auto s = Make(
      "[Service]\nExecStart=/bin/true\nRemainAfterExit=yes\n"
      "ExecStop=/bin/sh -c 'echo stop >> @DIR@/out'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kExited; })) << All();
  EXPECT_EQ(s->status().active, ActiveState::kActive);
  RunUntil([] { return false; }, 100ms);
  EXPECT_EQ(s->status().sub, SubState::kExited) << All();
  EXPECT_EQ(Read("out"), "");
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(Read("out"), "stop\n");
}

// systemd shows such a unit activating and then inactive, never active,
// and logs "Deactivated successfully." before "Finished".
TEST_F(ServiceTypeTest, oneshot_runsEachCommandInTurnThenIsInactive) {
  auto s = Make(
      "[Service]\nType=oneshot\n"
      "ExecStart=/bin/sh -c 'echo one >> @DIR@/out'\n"
      "ExecStart=/bin/sh -c 'echo two >> @DIR@/out'\n"
      "ExecStart=/bin/sh -c 'echo three >> @DIR@/out'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(Read("out"), "one\ntwo\nthree\n");
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess);
  EXPECT_FALSE(Passed(ActiveState::kActive));
  EXPECT_GE(IndexOf("t.service: Deactivated successfully."), 0) << All();
  EXPECT_LT(IndexOf("t.service: Deactivated successfully."), IndexOf("Finished t.service."))
      << All();
  EXPECT_FALSE(Said("Started t.service.")) << All();
}

TEST_F(ServiceTypeTest, oneshot_aFailingCommandSkipsTheRestAndFails) {
  auto s = Make(
      "[Service]\nType=oneshot\n"
      "ExecStart=/bin/sh -c 'echo one >> @DIR@/out'\n"
      "ExecStart=/bin/false\n"
      "ExecStart=/bin/sh -c 'echo three >> @DIR@/out'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(Read("out"), "one\n");
  EXPECT_EQ(s->status().result, ServiceResult::kExitCode);
  EXPECT_TRUE(Said("Failed to start t.service.")) << All();
  EXPECT_FALSE(Said("Finished t.service.")) << All();
}

}  // namespace
}  // namespace flotilla::service

// The Exec commands around the main process (systemd.service(5)):
// ExecStartPre, ExecStartPost, ExecStop and ExecStopPost at their moments,
// $MAINPID for the control commands, and the "-" and "@" prefixes.
#include <gtest/gtest.h>
#include <signal.h>

#include "service_fixture.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

using ServiceExecTest = ServiceFixture;

// Type=forking so that "start" is written before start-post begins: a
// simple service's main process races its ExecStartPost, in systemd too.
TEST_F(ServiceExecTest, commands_runInTheirOrder) {
  auto s = Make(
      "[Service]\nType=forking\n"
      "ExecStartPre=/bin/sh -c 'echo pre >> @DIR@/out'\n"
      "ExecStart=/bin/sh -c 'echo start >> @DIR@/out; sleep 1000 & exit 0'\n"
      "ExecStartPost=/bin/sh -c 'echo post >> @DIR@/out'\n"
      "ExecStop=/bin/sh -c 'echo stop >> @DIR@/out'\n"
      "ExecStopPost=/bin/sh -c 'echo stoppost >> @DIR@/out'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  EXPECT_EQ(Read("out"), "pre\nstart\npost\n");
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(Read("out"), "pre\nstart\npost\nstop\nstoppost\n");
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess);
}

// systemd.exec(5): $MAINPID is set for ExecStartPost, ExecReload and
// ExecStop while the main process is known to live; not for ExecStopPost.
TEST_F(ServiceExecTest, controlCommands_seeMainpidWhileTheMainProcessLives) {
  auto s = Make(
      "[Service]\nExecStart=/bin/sleep 60\n"
      "ExecStartPost=/bin/sh -c 'kill -0 $MAINPID && echo post $MAINPID >> @DIR@/out'\n"
      "ExecStop=/bin/sh -c 'kill -0 $MAINPID && echo stop $MAINPID >> @DIR@/out'\n"
      "ExecStopPost=/bin/sh -c 'echo \"stoppost [$MAINPID]\" >> @DIR@/out'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  std::string pid = std::to_string(s->status().main_pid);
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(Read("out"), "post " + pid + "\nstop " + pid + "\nstoppost []\n");
}

TEST_F(ServiceExecTest, dashPrefix_ignoresTheFailureOfEachCommand) {
  auto s = Make(
      "[Service]\nExecStart=/bin/sleep 60\n"
      "ExecStartPost=-/bin/false\nExecStartPost=-/usr/bin/flotilla-no-such-thing\n"
      "ExecStop=-/bin/sh -c 'exit 3'\nExecStopPost=-/bin/false\n"
      "ExecStopPost=/bin/sh -c 'echo stoppost >> @DIR@/out'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess) << All();
  EXPECT_EQ(Read("out"), "stoppost\n");
}

TEST_F(ServiceExecTest, execStartPostFailure_failsTheStartAndStopsTheMainProcess) {
  auto s = Make(
      "[Service]\nExecStart=/bin/sleep 60\nExecStartPost=/bin/false\n"
      "ExecStop=/bin/sh -c 'echo stop >> @DIR@/out'\n"
      "ExecStopPost=/bin/sh -c 'echo stoppost >> @DIR@/out'\n");
  pid_t main = 0;
  on_change_ = [&](const ServiceStatus& st) {
    if (st.main_pid) main = st.main_pid;
  };
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kExitCode);
  EXPECT_FALSE(Passed(SubState::kRunning));
  // ExecStop is for a unit that started; ExecStopPost runs anyway.
  EXPECT_EQ(Read("out"), "stoppost\n");
  ASSERT_GT(main, 0);
  EXPECT_TRUE(Gone(main));
  EXPECT_TRUE(Said("Failed to start t.service.")) << All();
}

TEST_F(ServiceExecTest, execStopFailure_stillStopsButFailsTheUnit) {
  auto s = Make("[Service]\nExecStart=/bin/sleep 60\nExecStop=/bin/false\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  pid_t main = s->status().main_pid;
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kExitCode);
  EXPECT_TRUE(Gone(main));
  EXPECT_TRUE(Said("t.service: Control process exited, code=exited, status=1/FAILURE")) << All();
}

// Regression: ExecStop ran after the main process failed. In systemd
// (service_enter_running) a main process that ends cleanly is stopped
// through ExecStop; one that fails goes straight to the signals.
TEST_F(ServiceExecTest, execStop_runsAfterACleanExitOfTheMainProcessOnly) {
  constexpr const char* kCommands =
      "ExecStop=/bin/sh -c 'echo stop >> @DIR@/out'\n"
      "ExecStopPost=/bin/sh -c 'echo stoppost >> @DIR@/out'\n";
  auto clean = Make(std::string("[Service]\nExecStart=/bin/true\n") + kCommands, "clean.service");
  clean->Start();
  ASSERT_TRUE(RunUntil([&] { return clean->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(Read("out"), "stop\nstoppost\n");

  auto failing =
      Make(std::string("[Service]\nExecStart=/bin/false\n") + kCommands, "failing.service");
  failing->Start();
  ASSERT_TRUE(RunUntil([&] { return failing->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(failing->status().result, ServiceResult::kExitCode);
  EXPECT_EQ(Read("out"), "stop\nstoppost\nstoppost\n");
}

TEST_F(ServiceExecTest, execStopPost_runsAfterAFailedStart) {
  auto pre = Make(
      "[Service]\nExecStartPre=/bin/false\nExecStart=/bin/sleep 60\n"
      "ExecStopPost=/bin/sh -c 'echo pre >> @DIR@/out'\n",
      "pre.service");
  pre->Start();
  ASSERT_TRUE(RunUntil([&] { return pre->status().sub == SubState::kFailed; })) << All();
  auto exec = Make(
      "[Service]\nType=exec\nExecStart=/usr/bin/flotilla-no-such-thing\n"
      "ExecStopPost=/bin/sh -c 'echo exec >> @DIR@/out'\n",
      "exec.service");
  exec->Start();
  ASSERT_TRUE(RunUntil([&] { return exec->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(Read("out"), "pre\nexec\n");
}

TEST_F(ServiceExecTest, atPrefix_givesTheSecondWordAsArgv0) {
  auto s = Make("[Service]\nType=oneshot\nExecStart=@/bin/sh mysh -c 'echo $0'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(output_, std::vector<std::string>{"mysh"});
}

}  // namespace
}  // namespace flotilla::service

// What a stop leaves behind (systemd.kill(5)): KillMode=control-group
// leaves nothing of the unit's process tree, even a process that ignores
// SIGTERM; process leaves all but the main process; mixed SIGKILLs the rest
// once the main process is gone. The unit writes the PIDs of its tree to a
// file; a PID counts as gone when there is no such process or it is a
// zombie, since the orphans' parent is init, not this test.
#include <gtest/gtest.h>
#include <signal.h>

#include "service_fixture.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

using ServiceStopTest = ServiceFixture;

// A main shell with two background children; with `ignorer`, a third
// that ignores SIGTERM (kept across its exec). Every PID goes to "pids",
// the main shell's last.
constexpr const char* kTree =
    "sleep 1000 & echo $! >> \"$1\"\n"
    "sleep 1000 & echo $! >> \"$1\"\n"
    "echo $$ >> \"$1\"\n"
    "wait\n";
constexpr const char* kIgnorer =
    "sh -c 'trap \"\" TERM; echo $$ >> \"$1\"; exec sleep 1000' ignorer \"$1\" &\n";

class ServiceStopTreeTest : public ServiceFixture {
 protected:
  std::unique_ptr<Service> MakeTree(const std::string& settings, bool ignorer) {
    Write("tree.sh", std::string(ignorer ? kIgnorer : "") + kTree);
    return Make("[Service]\nExecStart=/bin/sh @DIR@/tree.sh @DIR@/pids\n" + settings);
  }
  std::vector<pid_t> StartTree(Service& s, size_t n) {
    s.Start();
    EXPECT_TRUE(RunUntil([&] { return s.status().sub == SubState::kRunning; })) << All();
    auto pids = WaitForPids("pids", n);
    EXPECT_EQ(pids.size(), n);
    for (pid_t p : pids) EXPECT_FALSE(Gone(p)) << p;
    return pids;
  }
};

TEST_F(ServiceStopTreeTest, controlGroup_stopLeavesNoProcessOfTheTree) {
  auto s = MakeTree("KillMode=control-group\nTimeoutStopSec=1s\n", false);
  auto pids = StartTree(*s, 3);
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active == ActiveState::kInactive; })) << All();
  // Regression: the orphaned sleeps were zombies until init reaped them,
  // and counted as alive: the stop waited for its timeout and failed.
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess) << All();
  for (pid_t p : pids) EXPECT_TRUE(Gone(p)) << p;
}

TEST_F(ServiceStopTreeTest, controlGroup_aChildIgnoringSigtermGetsSigkill) {
  auto s = MakeTree("KillMode=control-group\nTimeoutStopSec=1s\n", true);
  auto pids = StartTree(*s, 4);
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active == ActiveState::kFailed; })) << All();
  // As systemd: the SIGKILL after TimeoutStopSec fails the unit.
  EXPECT_EQ(s->status().result, ServiceResult::kTimeout);
  EXPECT_TRUE(Said("t.service: State 'stop-sigterm' timed out. Killing.")) << All();
  for (pid_t p : pids) EXPECT_TRUE(Gone(p)) << p;
}

TEST_F(ServiceStopTreeTest, processMode_stopsTheMainProcessOnly) {
  auto s = MakeTree("KillMode=process\nTimeoutStopSec=1s\n", false);
  auto pids = StartTree(*s, 3);
  pid_t main = s->status().main_pid;
  ASSERT_EQ(pids.back(), main);
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active == ActiveState::kInactive; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess) << All();
  EXPECT_TRUE(Gone(main));
  for (pid_t p : {pids[0], pids[1]}) {
    EXPECT_FALSE(Gone(p)) << p;
    ::kill(p, SIGKILL);
  }
}

// Regression: the processes left after the main one got no signal until
// TimeoutStopSec ran out, and the unit failed with 'timeout'.
TEST_F(ServiceStopTreeTest, mixedMode_killsTheRestOnceTheMainProcessIsGone) {
  auto s = MakeTree("KillMode=mixed\nTimeoutStopSec=60s\n", false);
  auto pids = StartTree(*s, 3);
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active == ActiveState::kInactive; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess) << All();
  for (pid_t p : pids) EXPECT_TRUE(Gone(p)) << p;
}

// Regression: a stopped (SIGSTOP) main process kept KillSignal pending
// until the SIGKILL of the timeout; systemd follows it with SIGCONT.
TEST_F(ServiceStopTest, stoppedProcess_isContinuedToReceiveKillSignal) {
  auto s = Make(
      "[Service]\nExecStart=/bin/sh -c 'kill -STOP $$$$; exec sleep 60'\nTimeoutStopSec=60s\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] {
    return s->status().sub == SubState::kRunning && ProcState(s->status().main_pid) == 'T';
  })) << All();
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active == ActiveState::kInactive; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess) << All();
}

}  // namespace
}  // namespace flotilla::service

// Service::Reload (systemctl reload): ExecReload= in the reload state
// (ACTIVE reloading), back to running whether it worked or not, refused
// without ExecReload= or when the unit is not active.
#include <gtest/gtest.h>
#include <signal.h>

#include "service_fixture.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

using ServiceReloadTest = ServiceFixture;

// The usual unit: the daemon rereads its configuration on SIGHUP.
constexpr const char* kHupDaemon =
    "[Unit]\nDescription=Daemon\n[Service]\n"
    "ExecStart=/bin/sh -c 'trap \"echo reloaded\" HUP; echo ready; "
    "while :; do sleep 10 & wait $!; done'\n";

TEST_F(ServiceReloadTest, reload_runsExecReloadAndReturnsToRunning) {
  auto s = Make(std::string(kHupDaemon) +
                "ExecReload=/bin/kill -HUP $MAINPID\n"
                "ExecReload=/bin/sh -c 'echo second >> @DIR@/out'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning && !output_.empty(); }))
      << All();
  pid_t main = s->status().main_pid;
  auto since = s->status().since;
  changes_.clear();

  ASSERT_TRUE(s->Reload().ok());
  EXPECT_EQ(s->status().sub, SubState::kReload);
  EXPECT_EQ(s->status().active, ActiveState::kReloading);
  EXPECT_STREQ(ToString(s->status().active), "reloading");
  EXPECT_STREQ(ToString(s->status().sub), "reload");
  ASSERT_TRUE(RunUntil([&] {
    return s->status().sub == SubState::kRunning &&
           std::count(output_.begin(), output_.end(), "reloaded") == 1;
  })) << All();
  EXPECT_EQ(Read("out"), "second\n");  // both commands, in order
  EXPECT_EQ(s->status().main_pid, main);
  EXPECT_EQ(s->status().since, since);  // still active since the start
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess);
  EXPECT_TRUE(Said("Reloading t.service - Daemon...")) << All();
  EXPECT_TRUE(Said("Reloaded t.service - Daemon.")) << All();
  ASSERT_FALSE(changes_.empty());
  EXPECT_EQ(changes_.back().sub, SubState::kRunning);
}

TEST_F(ServiceReloadTest, failingReload_leavesTheServiceRunning) {
  auto s = Make(std::string(kHupDaemon) + "ExecReload=/bin/sh -c 'exit 4'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  pid_t main = s->status().main_pid;
  ASSERT_TRUE(s->Reload().ok());
  ASSERT_TRUE(RunUntil([&] { return Said("Reload failed for t.service - Daemon."); })) << All();
  EXPECT_TRUE(Said("t.service: Control process exited, code=exited, status=4/FAILURE")) << All();
  EXPECT_EQ(s->status().sub, SubState::kRunning);
  EXPECT_EQ(s->status().main_pid, main);
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess);
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active == ActiveState::kInactive; })) << All();
}

TEST_F(ServiceReloadTest, reloadTimeout_killsTheReloadAndKeepsRunning) {
  auto s = Make(std::string(kHupDaemon) + "ExecReload=-/bin/sleep 60\nTimeoutStartSec=200ms\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  ASSERT_TRUE(s->Reload().ok());
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  EXPECT_TRUE(Said("t.service: Reload operation timed out. Killing reload process.")) << All();
  EXPECT_TRUE(Said("Reload failed for t.service - Daemon.")) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess);
}

TEST_F(ServiceReloadTest, withoutExecReload_theReloadIsNotApplicable) {
  auto s = Make(kHupDaemon);
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  auto st = s->Reload();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "Job type reload is not applicable for unit t.service.");
  EXPECT_EQ(s->status().sub, SubState::kRunning);
  // Refused before anything ran: the same for an inactive unit.
  auto dead = Make(kHupDaemon, "dead.service");
  EXPECT_EQ(dead->Reload().message(), "Job type reload is not applicable for unit dead.service.");
}

TEST_F(ServiceReloadTest, inactiveUnit_isNotReloaded) {
  auto s = Make(std::string(kHupDaemon) + "ExecReload=/bin/sh -c 'echo ran >> @DIR@/out'\n");
  auto st = s->Reload();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "t.service: Unit cannot be reloaded because it is inactive.");
  EXPECT_TRUE(Said("t.service: Unit cannot be reloaded because it is inactive.")) << All();
  EXPECT_EQ(s->status().sub, SubState::kDead);
  RunUntil([] { return false; }, 100ms);
  EXPECT_EQ(Read("out"), "");
}

TEST_F(ServiceReloadTest, oneshotRemainAfterExit_reloadsAndStaysExited) {
  auto s = Make(
      "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"
      "ExecReload=/bin/sh -c 'echo ran >> @DIR@/out'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kExited; })) << All();
  ASSERT_TRUE(s->Reload().ok());
  ASSERT_TRUE(RunUntil([&] { return Said("Reloaded t.service."); })) << All();
  EXPECT_EQ(s->status().sub, SubState::kExited);
  EXPECT_EQ(Read("out"), "ran\n");
}

TEST_F(ServiceReloadTest, startWhileReloading_doesNothing_stopEndsTheReload) {
  auto s = Make(std::string(kHupDaemon) + "ExecReload=/bin/sleep 60\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
  pid_t main = s->status().main_pid;
  ASSERT_TRUE(s->Reload().ok());
  EXPECT_TRUE(s->Reload().ok());  // joins the reload in progress
  s->Start();
  EXPECT_EQ(s->status().sub, SubState::kReload);
  EXPECT_EQ(s->status().main_pid, main);
  EXPECT_EQ(Count("Starting t.service - Daemon..."), 1) << All();
  EXPECT_EQ(Count("Reloading t.service - Daemon..."), 1) << All();
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active != ActiveState::kDeactivating; })) << All();
  EXPECT_TRUE(Gone(main));
  EXPECT_NE(s->status().active, ActiveState::kActive);
}

}  // namespace
}  // namespace flotilla::service

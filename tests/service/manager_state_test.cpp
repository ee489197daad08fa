// What the Manager keeps across restarts of flotilla (manager.h,
// leftovers.h): templates instantiated on start, unit files given by
// content, the active units, processes an earlier run left behind stopped
// before the units start again, and Shutdown stopping everything.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>

#include "base/clock.h"
#include "base/fs.h"
#include "cluster_process.h"
#include "run_loop.h"
#include "service/leftovers.h"
#include "service/manager.h"
#include "service/proc.h"
#include "service/spawn.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

unit::UnitFile Parse(const std::string& text) {
  auto f = unit::ParseUnitFile(text, "test");
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? *f : unit::UnitFile{};
}

// A process is gone once it no longer exists or is a zombie awaiting its parent.
bool Gone(pid_t pid) {
  return !ProcessLive(pid);
}

class ManagerStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = flotilla::testing::MakeTempDir("flotilla-manager-state");
    auto j = Journal::Open(base::RealFs(), dir_ + "/journal", base::SystemClock());
    ASSERT_TRUE(j.ok()) << j.status().message();
    journal_ = std::move(*j);
  }
  void TearDown() override {
    manager_.reset();
    journal_.reset();
    flotilla::testing::RemoveTree(dir_);
  }
  std::unique_ptr<Manager> NewManager() {
    auto m = std::make_unique<Manager>(
        loop_, journal_.get(), std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}});
    auto st = m->UseStateDir(dir_ + "/service");
    EXPECT_TRUE(st.ok()) << st.message();
    return m;
  }
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    return flotilla::testing::RunLoopUntil(loop_, done, timeout);
  }
  ActiveState Active(const std::string& name) {
    auto* s = manager_->Find(name);
    return s ? s->status().active : ActiveState::kInactive;
  }

  std::string dir_;
  net::EventLoop loop_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Manager> manager_;
};

TEST_F(ManagerStateTest, instanceOfATemplate_isLoadedWhenStarted) {
  manager_ = NewManager();
  ASSERT_TRUE(manager_
                  ->Load(Parse("[Unit]\nDescription=Web %i\n[Service]\nExecStart=/bin/sleep 60\n"),
                         "web@.service", "/units/web@.service")
                  .ok());
  EXPECT_EQ(manager_->Find("web@.service"), nullptr);  // a template does not run
  ASSERT_TRUE(manager_->Start("web@01.service").ok());
  ASSERT_TRUE(RunUntil([&] { return Active("web@01.service") == ActiveState::kActive; }));
  EXPECT_EQ(manager_->Find("web@01.service")->config().description, "Web 01");
  EXPECT_EQ(manager_->Source("web@01.service"), "/units/web@.service");
  EXPECT_EQ(manager_->Start("db@01.service").code(), base::Code::kNotFound);
}

TEST_F(ManagerStateTest, unitGivenByContent_isLoadedAgainByTheNextRun) {
  manager_ = NewManager();
  ASSERT_TRUE(
      manager_
          ->Add(Parse("[Service]\nExecStart=/bin/sleep 60\n"), "kept.service", "/src/kept.service")
          .ok());
  manager_ = NewManager();
  ASSERT_NE(manager_->Find("kept.service"), nullptr);
  EXPECT_EQ(manager_->Source("kept.service"), "/src/kept.service");
  // Unloading forgets it for good.
  ASSERT_TRUE(manager_->Unload("kept.service").ok());
  manager_ = NewManager();
  EXPECT_EQ(manager_->Find("kept.service"), nullptr);
}

// An earlier run was SIGKILLed with a unit running: its processes (one of
// which dropped the mark from its environment, one ignoring SIGTERM) are
// stopped before the unit starts again, so it runs once.
TEST_F(ManagerStateTest, recover_stopsLeftoversThenStartsWhatWasActive) {
  std::string unit = "[Service]\nExecStart=/bin/sleep 60\n";
  manager_ = NewManager();
  ASSERT_TRUE(manager_->Add(Parse(unit), "app.service", "").ok());
  ASSERT_TRUE(manager_->Add(Parse(unit), "idle.service", "").ok());
  ASSERT_TRUE(manager_->Start("app.service").ok());
  ASSERT_TRUE(RunUntil([&] { return Active("app.service") == ActiveState::kActive; }));
  // The active set is written on the loop; let it be.
  std::string active_file = dir_ + "/service/active";
  ASSERT_TRUE(RunUntil([&] {
    auto t = base::RealFs().ReadFile(active_file);
    return t.ok() && *t == "app.service\n";
  }));

  // The first run's own processes go with it in this test (a killed run's
  // would not: the session spawned next stands for them).
  manager_.reset();

  // What the killed run left: a session marked as app.service's.
  SpawnOptions o;
  o.path = "/bin/sh";
  o.argv = {"sh", "-c", "trap '' TERM; env -i /bin/sleep 60 & echo $!; wait"};
  o.env = {"FLOTILLA_MANAGER=" + dir_ + "/service", "FLOTILLA_UNIT=app.service"};
  o.capture_output = true;
  auto old = Spawn(o);
  ASSERT_TRUE(old.ok()) << old.status().message();
  std::string line;
  for (auto deadline = std::chrono::steady_clock::now() + 5s;
       line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline;) {
    char buf[64];
    ssize_t n = ::read(old->stdout_fd, buf, sizeof buf);
    if (n > 0) line.append(buf, size_t(n));
  }
  pid_t grandchild = std::atoi(line.c_str());
  ASSERT_GT(grandchild, 1);
  auto found = FindLeftovers(dir_ + "/service");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].unit, "app.service");
  EXPECT_TRUE(FindLeftovers(dir_ + "/other").empty());

  manager_ = NewManager();
  ASSERT_TRUE(manager_->Recover(200ms).ok());
  int status;
  ASSERT_EQ(::waitpid(old->pid, &status, 0), old->pid);  // ours to reap
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_TRUE(flotilla::testing::RunLoopUntil(loop_, [&] { return Gone(grandchild); }));
  ASSERT_TRUE(RunUntil([&] { return Active("app.service") == ActiveState::kActive; }));
  auto now = FindLeftovers(dir_ + "/service");  // only the new run's process is marked
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].pid, manager_->Find("app.service")->status().main_pid);
  EXPECT_EQ(Active("idle.service"), ActiveState::kInactive);
  ::close(old->stdout_fd);
  ::close(old->stderr_fd);
}

TEST_F(ManagerStateTest, shutdown_stopsEveryUnitAndRemembersThem) {
  manager_ = NewManager();
  std::string stop_file = dir_ + "/stopped";
  ASSERT_TRUE(manager_
                  ->Add(Parse("[Service]\nExecStart=/bin/sleep 60\nExecStop=/bin/sh -c 'echo "
                              "stopped >> " +
                              stop_file + "'\n"),
                        "a.service", "")
                  .ok());
  ASSERT_TRUE(manager_->Add(Parse("[Service]\nExecStart=/bin/sleep 60\n"), "b.service", "").ok());
  ASSERT_TRUE(manager_->Start("a.service").ok());
  ASSERT_TRUE(manager_->Start("b.service").ok());
  ASSERT_TRUE(RunUntil([&] {
    return Active("a.service") == ActiveState::kActive &&
           Active("b.service") == ActiveState::kActive;
  }));
  pid_t a = manager_->Find("a.service")->status().main_pid;
  bool done = false;
  manager_->Shutdown([&] { done = true; });
  EXPECT_EQ(manager_->Start("b.service").code(), base::Code::kUnavailable);
  ASSERT_TRUE(RunUntil([&] { return done; }));
  EXPECT_EQ(Active("a.service"), ActiveState::kInactive);
  EXPECT_EQ(Active("b.service"), ActiveState::kInactive);
  EXPECT_TRUE(RunUntil([&] { return Gone(a); }));
  EXPECT_EQ(*base::RealFs().ReadFile(stop_file), "stopped\n");  // ExecStop ran
  EXPECT_EQ(*base::RealFs().ReadFile(dir_ + "/service/active"), "a.service\nb.service\n");

  manager_ = NewManager();
  ASSERT_TRUE(manager_->Recover(1s).ok());
  ASSERT_TRUE(RunUntil([&] {
    return Active("a.service") == ActiveState::kActive &&
           Active("b.service") == ActiveState::kActive;
  }));
}

}  // namespace
}  // namespace flotilla::service

// The units of the CoreOS workshops, as written, run by the Manager: the
// "hello" unit (ExecStartPre kill/rm that may fail, a pull, a container
// that prints every second, ExecStop through docker) and a "db" unit
// (EnvironmentFile=/etc/environment, ${COREOS_PRIVATE_IPV4} in ExecStart,
// Restart=always). `/usr/bin/docker` is a stand-in script found through
// PATH until flotilla's container engine exists (issue 6): it runs the
// container's command as a process and stops it by name.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include "base/clock.h"
#include "base/fs.h"
#include "cluster_process.h"
#include "docker_standin.h"
#include "examples.h"
#include "run_loop.h"
#include "service/manager.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

const std::string kHello = flotilla::testing::ReadExample("hello.service");

const std::string kDb = flotilla::testing::ReadExample("db.service");

class WorkshopUnitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = flotilla::testing::MakeTempDir("flotilla-workshop");
    std::string docker = dir_ + "/docker";
    std::ofstream(docker) << flotilla::testing::kDockerStandIn;
    ::chmod(docker.c_str(), 0755);
    auto j = Journal::Open(base::RealFs(), dir_ + "/journal", base::SystemClock());
    ASSERT_TRUE(j.ok()) << j.status().message();
    journal_ = std::move(*j);
    manager_ = std::make_unique<Manager>(
        loop_, journal_.get(),
        std::map<std::string, std::string>{{"PATH", dir_ + ":/usr/bin:/bin"},
                                           {"COREOS_PRIVATE_IPV4", "10.1.2.3"}});
  }
  void TearDown() override {
    manager_.reset();
    flotilla::testing::RemoveTree(dir_);
  }
  void Load(const std::string& name, const std::string& text) {
    auto f = unit::ParseUnitFile(text, name);
    ASSERT_TRUE(f.ok()) << f.status().message();
    ASSERT_TRUE(manager_->Load(*f, name).ok());
  }
  const ServiceStatus& Status(const std::string& name) { return manager_->Find(name)->status(); }
  std::string Journal(const std::string& unit) {
    std::string out;
    auto entries = journal_->Tail(unit, 200);  // kept: the loop must not outlive it
    for (const auto& e : *entries)
      out += (e.identifier.empty() ? "" : e.identifier + ": ") + e.message + "\n";
    return out;
  }
  bool JournalHas(const std::string& unit, const std::string& text) {
    return flotilla::testing::RunLoopUntil(
        loop_, [&] { return Journal(unit).find(text) != std::string::npos; }, 10s);
  }

  std::string dir_;
  net::EventLoop loop_;
  std::unique_ptr<service::Journal> journal_;
  std::unique_ptr<Manager> manager_;
};

TEST_F(WorkshopUnitsTest, helloRunsLogsAndStopsThroughDocker) {
  Load("hello.service", kHello);
  ASSERT_TRUE(manager_->Start("hello.service").ok());
  ASSERT_TRUE(JournalHas("hello.service", "docker: Hello World\n")) << Journal("hello.service");
  std::string j = Journal("hello.service");
  EXPECT_NE(j.find("Error: No such container: hello"), std::string::npos) << j;  // '-': ignored
  EXPECT_NE(j.find("Pulling from library/busybox"), std::string::npos) << j;
  EXPECT_NE(j.find("Started hello.service - My Service."), std::string::npos) << j;
  EXPECT_EQ(Status("hello.service").sub, SubState::kRunning);

  ASSERT_TRUE(manager_->Stop("hello.service").ok());
  ASSERT_TRUE(flotilla::testing::RunLoopUntil(loop_, [&] {
    return Status("hello.service").active == ActiveState::kInactive;
  })) << Journal("hello.service");
  // docker stop made the container exit 0 (its trap): a clean stop, not a kill.
  EXPECT_EQ(Status("hello.service").result, ServiceResult::kSuccess);
  EXPECT_NE(Journal("hello.service").find("Stopped hello.service - My Service."),
            std::string::npos);
}

TEST_F(WorkshopUnitsTest, dbGetsItsAddressAndIsRestartedWhenItDies) {
  if (!base::RealFs().Exists("/etc/environment"))
    GTEST_SKIP() << "this host has no /etc/environment, which the db unit requires as written";
  Load("db.service", kDb);
  ASSERT_TRUE(manager_->Start("db.service").ok());
  ASSERT_TRUE(JournalHas("db.service", "docker run --name db -p 10.1.2.3:5432:5432 postgres"))
      << Journal("db.service");
  ASSERT_TRUE(flotilla::testing::RunLoopUntil(
      loop_, [&] { return Status("db.service").sub == SubState::kRunning; }));
  pid_t first = Status("db.service").main_pid;

  ::kill(first, SIGKILL);  // the container dies under it
  ASSERT_TRUE(flotilla::testing::RunLoopUntil(loop_, [&] {
    return Status("db.service").sub == SubState::kRunning && Status("db.service").main_pid != first;
  })) << Journal("db.service");
  EXPECT_EQ(Status("db.service").restarts, 1u);
  EXPECT_NE(Journal("db.service").find("Scheduled restart job, restart counter is at 1."),
            std::string::npos)
      << Journal("db.service");
}

}  // namespace
}  // namespace flotilla::service

// Units of one machine together (src/service/manager.h): ordering with
// After=, Requires= failures, the BindsTo=/WantedBy= sidekick pattern,
// Conflicts=, and everything landing in the journal.
#include "service/manager.h"

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/fake_fs.h"

#include "run_loop.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto j = Journal::Open(fs_, "/journal", base::SystemClock());
    ASSERT_TRUE(j.ok()) << j.status().message();
    journal_ = std::move(*j);
    manager_ = std::make_unique<Manager>(
        loop_, journal_.get(), std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}});
  }
  void Load(const std::string& name, const std::string& text) {
    auto f = unit::ParseUnitFile(text, name);
    ASSERT_TRUE(f.ok()) << f.status().message();
    auto st = manager_->Load(*f, name);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  ActiveState Active(const std::string& name) { return manager_->Find(name)->status().active; }
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    return testing::RunLoopUntil(loop_, done, timeout);
  }
  // The journal's messages, all units, in order.
  std::vector<std::string> Lines() {
    std::vector<std::string> out;
    auto entries = journal_->Tail("", 1000);
    for (const auto& e : *entries) out.push_back(e.unit + ": " + e.message);
    return out;
  }
  std::string All() {
    std::string s;
    for (const auto& l : Lines()) s += l + "\n";
    return s;
  }
  size_t IndexOf(const std::string& line) {
    auto lines = Lines();
    auto it = std::find(lines.begin(), lines.end(), line);
    return it == lines.end() ? SIZE_MAX : size_t(it - lines.begin());
  }

  base::FakeFs fs_;
  net::EventLoop loop_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Manager> manager_;
};

TEST_F(ManagerTest, requiresAndAfter_startTheDependencyFirst) {
  Load("db.service",
       "[Unit]\nDescription=DB\n[Service]\nType=oneshot\nRemainAfterExit=yes\n"
       "ExecStart=/bin/sh -c 'sleep 0.2; echo db ready'\n");
  Load("web.service",
       "[Unit]\nRequires=db.service\nAfter=db.service\n[Service]\nExecStart=/bin/sh -c 'echo web "
       "up; exec sleep 60'\n");
  ASSERT_TRUE(manager_->Start("web.service").ok());
  ASSERT_TRUE(RunUntil([&] { return IndexOf("web.service: web up") != SIZE_MAX; })) << All();
  EXPECT_LT(IndexOf("db.service: db ready"), IndexOf("web.service: Starting web.service..."))
      << All();
  EXPECT_EQ(Active("db.service"), ActiveState::kActive);
  EXPECT_EQ(Active("web.service"), ActiveState::kActive);
  // Stopping what web requires stops web too.
  ASSERT_TRUE(manager_->Stop("db.service").ok());
  ASSERT_TRUE(RunUntil([&] { return Active("web.service") == ActiveState::kInactive; })) << All();
}

TEST_F(ManagerTest, failedRequirement_keepsTheDependentFromStarting) {
  Load("db.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n");
  Load("web.service",
       "[Unit]\nDescription=Web\nRequires=db.service\nAfter=db.service\n[Service]\n"
       "ExecStart=/bin/sleep 60\n");
  ASSERT_TRUE(manager_->Start("web.service").ok());
  ASSERT_TRUE(RunUntil([&] {
    return IndexOf("web.service: Dependency failed for Web.") != SIZE_MAX;
  })) << All();
  EXPECT_EQ(Active("db.service"), ActiveState::kFailed);
  EXPECT_EQ(Active("web.service"), ActiveState::kInactive);
}

TEST_F(ManagerTest, sidekick_startsAndStopsWithItsService) {
  Load("web.service", "[Service]\nExecStart=/bin/sleep 60\n");
  Load("web-discovery.service",
       "[Unit]\nBindsTo=web.service\nAfter=web.service\n[Service]\nExecStart=/bin/sh -c 'echo "
       "announce; exec sleep 60'\n[Install]\nWantedBy=web.service\n");
  ASSERT_TRUE(manager_->Start("web.service").ok());
  ASSERT_TRUE(RunUntil([&] {
    return Active("web.service") == ActiveState::kActive &&
           Active("web-discovery.service") == ActiveState::kActive;
  })) << All();
  ASSERT_TRUE(manager_->Stop("web.service").ok());
  ASSERT_TRUE(RunUntil([&] {
    return Active("web.service") == ActiveState::kInactive &&
           Active("web-discovery.service") == ActiveState::kInactive;
  })) << All();
}

TEST_F(ManagerTest, boundUnit_stopsWhenItsServiceDiesByItself) {
  Load("web.service", "[Service]\nExecStart=/bin/sh -c 'sleep 0.3; exit 1'\n");
  Load("side.service",
       "[Unit]\nBindsTo=web.service\nAfter=web.service\n[Service]\nExecStart=/bin/sleep 60\n");
  ASSERT_TRUE(manager_->Start("side.service").ok());
  ASSERT_TRUE(RunUntil([&] { return Active("side.service") == ActiveState::kActive; })) << All();
  ASSERT_TRUE(RunUntil([&] {
    return Active("web.service") == ActiveState::kFailed &&
           Active("side.service") == ActiveState::kInactive;
  })) << All();
}

TEST_F(ManagerTest, conflicts_stopTheOtherUnit) {
  Load("a.service", "[Service]\nExecStart=/bin/sleep 60\n");
  Load("b.service", "[Unit]\nConflicts=a.service\n[Service]\nExecStart=/bin/sleep 60\n");
  ASSERT_TRUE(manager_->Start("a.service").ok());
  ASSERT_TRUE(RunUntil([&] { return Active("a.service") == ActiveState::kActive; }));
  ASSERT_TRUE(manager_->Start("b.service").ok());
  ASSERT_TRUE(RunUntil([&] {
    return Active("a.service") == ActiveState::kInactive &&
           Active("b.service") == ActiveState::kActive;
  })) << All();
}

TEST_F(ManagerTest, badUnitsAndNames_areRefusedClearly) {
  auto f = unit::ParseUnitFile("[Service]\nExecStart=/bin/true\n", "x");
  ASSERT_TRUE(manager_->Load(*f, "x@.service").ok());  // kept for its instances
  EXPECT_NE(manager_->Start("x@.service").message().find("a template cannot run"),
            std::string::npos);
  EXPECT_NE(manager_->Load(*f, "x.socket").message().find("only .service"), std::string::npos);
  EXPECT_EQ(manager_->Start("nope.service").message(), "Unit nope.service not found.");
  Load("needs.service", "[Unit]\nRequires=missing.service\n[Service]\nExecStart=/bin/true\n");
  EXPECT_EQ(manager_->Start("needs.service").message(), "Unit missing.service not found.");
  // flotilla is the machine's docker, etcd and fleet: units may require them.
  Load("web.service",
       "[Unit]\nRequires=docker.service etcd2.service\nAfter=docker.service\n"
       "[Service]\nExecStart=/bin/sleep 60\n");
  ASSERT_TRUE(manager_->Start("web.service").ok());
  EXPECT_TRUE(flotilla::testing::RunLoopUntil(
      loop_, [&] { return manager_->Find("web.service")->status().sub == SubState::kRunning; }));
}

// Each command's lines carry its own name (or SyslogIdentifier=), and keys
// the manager does not know are reported where they are, X- ones aside.
TEST_F(ManagerTest, journalNamesEachCommand_andUnknownKeysAreReported) {
  Load("web.service",
       "[Service]\nExecStartPre=/bin/echo pre\nExecStart=/bin/sh -c 'echo main; exec sleep 60'\n"
       "Nice=5\n[X-Fleet]\nGlobal=true\n");
  Load("quiet.service", "[Service]\nSyslogIdentifier=q\nExecStart=/bin/echo hi\n");
  ASSERT_TRUE(manager_->Start("web.service").ok());
  ASSERT_TRUE(manager_->Start("quiet.service").ok());
  std::map<std::string, std::string> ident;  // message -> identifier
  ASSERT_TRUE(RunUntil([&] {
    auto entries = journal_->Tail("", 1000);
    for (const auto& e : *entries) ident[e.message] = e.identifier;
    return ident.count("main") && ident.count("hi");
  })) << All();
  EXPECT_EQ(ident["pre"], "echo");
  EXPECT_EQ(ident["main"], "sh");
  EXPECT_EQ(ident["hi"], "q");
  std::string all = All();
  EXPECT_NE(all.find("web.service: web.service:4: Unsupported key Nice= in section [Service], "
                     "ignoring."),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("Global"), std::string::npos) << all;
}

}  // namespace
}  // namespace flotilla::service

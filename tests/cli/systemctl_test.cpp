// `flotilla systemctl` and `flotilla journalctl` against a real `flotilla
// serve --unit-dir`: a workshop-style unit is started, shows as running
// with its output in the journal, survives as logs after it stops, and
// errors come with systemctl's messages and exit codes.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cluster_process.h"
#include "subprocess.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;

class SystemctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unit_dir_ = testing::MakeTempDir("flotilla-units");
    std::ofstream(unit_dir_ + "/hello.service") << R"([Unit]
Description=My Service

[Service]
ExecStartPre=-/usr/bin/flotilla-no-such-tool kill hello
ExecStart=/bin/sh -c "trap 'exit 0' INT TERM; while true; do echo Hello World; sleep 1; done"
)";
    auto s = testing::StartFlotilla("", {"--unit-dir", unit_dir_});
    ASSERT_TRUE(s);
    server_ = std::move(*s);
  }
  void TearDown() override { testing::RemoveTree(unit_dir_); }

  testing::ProcessResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), FLOTILLA_BINARY);
    return testing::RunProcess(args, {"FLOTILLA_ENDPOINT=" + server_.url});
  }
  // Polls `systemctl status` until its output contains `text`.
  testing::ProcessResult StatusUntil(const std::string& unit, const std::string& text) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    testing::ProcessResult r;
    do {
      r = Run({"systemctl", "status", unit});
      if (r.out.find(text) != std::string::npos) break;
      std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return r;
  }

  std::string unit_dir_;
  testing::ServerProcess server_;
};

TEST_F(SystemctlTest, startStatusJournalStop) {
  auto r = Run({"systemctl", "list-units"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("  hello.service loaded inactive dead My Service"), std::string::npos)
      << r.out;

  r = Run({"systemctl", "start", "hello.service"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = StatusUntil("hello.service", "]: Hello World");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("\u25cf hello.service - My Service\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("     Active: active (running) since "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   Main PID: "), std::string::npos) << r.out;
  // The missing ExecStartPre tool ("-") is reported and ignored.
  EXPECT_NE(r.out.find("hello.service: Failed to execute /usr/bin/flotilla-no-such-tool"),
            std::string::npos)
      << r.out;

  r = Run({"journalctl", "-u", "hello.service", "-n", "2"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(": Hello World\n"), std::string::npos) << r.out;
  // --since: everything of the last hour (the unit's whole life), none
  // from the future; a bad time is refused as journalctl refuses it.
  r = Run({"journalctl", "-u", "hello.service", "--since", "1h ago"});
  EXPECT_NE(r.out.find("Starting hello.service - My Service..."), std::string::npos) << r.out;
  r = Run({"journalctl", "-u", "hello.service", "--since", "+1h"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  r = Run({"journalctl", "--since", "soon"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Failed to parse timestamp: soon\n");

  {
    // journalctl -f: the last line, then new ones as the unit writes them.
    testing::BackgroundProcess follow(
        {FLOTILLA_BINARY, "journalctl", "-u", "hello.service", "-n", "1", "-f"},
        {"FLOTILLA_ENDPOINT=" + server_.url});
    EXPECT_TRUE(follow.WaitForOutput(
        [](const std::string& out) {
          size_t n = 0;
          for (size_t p = out.find("Hello World"); p != std::string::npos;
               p = out.find("Hello World", p + 1))
            ++n;
          return n >= 3;
        },
        10s));
  }

  r = Run({"systemctl", "stop", "hello.service"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = StatusUntil("hello.service", "Active: inactive (dead)");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("Stopped hello.service - My Service."), std::string::npos) << r.out;

  r = Run({"systemctl", "cat", "hello.service"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("# hello.service\n[Unit]\nDescription=My Service\n", 0), 0u) << r.out;
}

TEST_F(SystemctlTest, unknownUnits_failAsSystemctlDoes) {
  auto r = Run({"systemctl", "start", "nope.service"});
  EXPECT_EQ(r.code, 5);
  EXPECT_EQ(r.err, "Failed to start nope.service: Unit nope.service not found.\n");
  r = Run({"systemctl", "status", "nope.service"});
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.err, "Unit nope.service could not be found.\n");
}

}  // namespace
}  // namespace flotilla

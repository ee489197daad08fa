// `flotilla systemctl` and `flotilla journalctl` against a real `flotilla
// serve --unit-dir`: a workshop-style unit is started, shows as running
// with its output in the journal, survives as logs after it stops, and
// errors come with systemctl's messages and exit codes.
#include <gtest/gtest.h>

#include <limits.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "cluster_process.h"
#include "service/leftovers.h"
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
  // A graceful stop, so that no unit outlives the test.
  void TearDown() override {
    if (server_.process.running()) {
      server_.process.Signal(SIGTERM);
      EXPECT_TRUE(server_.process.Wait(30s)) << "serve did not stop on SIGTERM";
    }
    testing::RemoveTree(unit_dir_);
  }

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

  // The main PID `systemctl status` shows, 0 if none.
  pid_t MainPid(const std::string& unit) {
    auto r = Run({"systemctl", "status", unit});
    auto at = r.out.find("Main PID: ");
    return at == std::string::npos ? 0 : std::atoi(r.out.c_str() + at + 10);
  }
  // The processes of the sessions this server's service manager marked
  // (leftovers.h finds them the same way after a crash).
  std::vector<service::Leftover> MarkedProcesses() {
    return service::FindLeftovers(std::string(::realpath(server_.data_dir.c_str(), buf_)) +
                                  "/service");
  }

  char buf_[PATH_MAX];
  std::string unit_dir_;
  testing::ServerProcess server_;
};

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 15s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

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
  EXPECT_EQ(r.out.rfind("# " + unit_dir_ + "/hello.service\n[Unit]\nDescription=My Service\n", 0),
            0u)
      << r.out;
}

TEST_F(SystemctlTest, unknownUnits_failAsSystemctlDoes) {
  auto r = Run({"systemctl", "start", "nope.service"});
  EXPECT_EQ(r.code, 5);
  EXPECT_EQ(r.err, "Failed to start nope.service: Unit nope.service not found.\n");
  r = Run({"systemctl", "status", "nope.service"});
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.err, "Unit nope.service could not be found.\n");
}

// flotilla serve killed with a unit running: the unit's processes live
// on, and the next run stops them before starting the unit again, so it
// never runs twice.
TEST_F(SystemctlTest, serveKilled_nextRunStopsTheOldProcessesAndStartsTheUnitOnce) {
  ASSERT_EQ(Run({"systemctl", "start", "hello.service"}).code, 0);
  ASSERT_TRUE(WaitFor([&] { return MainPid("hello.service") > 0; }));
  pid_t old_main = MainPid("hello.service");
  server_.process.Signal(SIGKILL);
  ASSERT_TRUE(server_.process.Wait(10s));
  ASSERT_EQ(::kill(old_main, 0), 0) << "the unit died with serve";

  ASSERT_TRUE(testing::RestartFlotilla(server_, {"--unit-dir", unit_dir_}));
  ASSERT_TRUE(WaitFor([&] {
    pid_t now = MainPid("hello.service");
    return now > 0 && now != old_main;
  })) << Run({"systemctl", "status", "hello.service"}).out;
  EXPECT_TRUE(WaitFor([&] { return ::kill(old_main, 0) != 0; }));
  // One copy: every marked process is in the new main process's session.
  pid_t main = MainPid("hello.service");
  for (const auto& p : MarkedProcesses()) {
    EXPECT_EQ(p.session, main) << p.pid << " " << p.comm;
    EXPECT_EQ(p.unit, "hello.service") << p.pid << " " << p.comm;
  }
  auto r = Run({"journalctl", "-u", "hello.service", "-n", "50"});
  EXPECT_NE(r.out.find("Stopping processes left by an earlier run: " + std::to_string(old_main)),
            std::string::npos)
      << r.out;
}

// A unit given by path, outside the unit directory: it runs, status and cat
// show where it came from, and after a graceful stop of serve (the unit is
// stopped with it) the next run loads and starts it again.
TEST_F(SystemctlTest, unitGivenByPath_runsAndComesBackAfterAGracefulRestart) {
  std::string dir = testing::MakeTempDir("flotilla-unit-by-path");
  std::string path = dir + "/side.service";
  std::ofstream(path) << "[Unit]\nDescription=Side %n\n[Service]\nExecStart=/bin/sleep 1000\n"
                         "ExecStopPost=/bin/sh -c 'echo stopped >> "
                      << dir << "/log'\n";
  auto r = Run({"systemctl", "start", path});
  ASSERT_EQ(r.code, 0) << r.err;
  r = StatusUntil("side.service", "active (running)");
  EXPECT_NE(r.out.find("side.service - Side side.service"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Loaded: loaded (" + path), std::string::npos) << r.out;
  r = Run({"systemctl", "cat", "side.service"});
  EXPECT_EQ(r.out.rfind("# " + path + "\n", 0), 0u) << r.out;
  pid_t first = MainPid("side.service");

  server_.process.Signal(SIGTERM);
  ASSERT_TRUE(server_.process.Wait(30s));
  EXPECT_TRUE(WaitFor([&] { return ::kill(first, 0) != 0; })) << "the unit outlived serve";
  std::ifstream log(dir + "/log");
  std::string logged((std::istreambuf_iterator<char>(log)), {});
  EXPECT_EQ(logged, "stopped\n");

  ASSERT_TRUE(testing::RestartFlotilla(server_, {"--unit-dir", unit_dir_}));
  r = StatusUntil("side.service", "active (running)");
  EXPECT_NE(r.out.find("Loaded: loaded (" + path), std::string::npos) << r.out;
  EXPECT_NE(MainPid("side.service"), first);
  // A bad file is refused with its line, and nothing is loaded.
  std::ofstream(dir + "/bad.service") << "[Service]\nExecStart=/bin/true\n[Broken\n";
  r = Run({"systemctl", "start", dir + "/bad.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.service:3:"), std::string::npos) << r.err;
  ASSERT_EQ(Run({"systemctl", "stop", "side.service"}).code, 0);
  testing::RemoveTree(dir);
}

// systemctl reload runs ExecReload= against the running unit.
TEST_F(SystemctlTest, reload_runsExecReload) {
  std::ofstream(unit_dir_ + "/hup.service")
      << "[Service]\nExecStart=/bin/sh -c 'trap \"echo reloaded\" HUP; echo up; while :; do sleep "
         "0.1; done'\nExecReload=/bin/kill -HUP $MAINPID\n";
  ASSERT_TRUE(testing::RestartFlotilla(server_, {"--unit-dir", unit_dir_}));
  ASSERT_EQ(Run({"systemctl", "start", "hup.service"}).code, 0);
  StatusUntil("hup.service", "]: up");
  auto r = Run({"systemctl", "reload", "hup.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  r = StatusUntil("hup.service", "]: reloaded");
  EXPECT_NE(r.out.find("]: reloaded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Active: active (running)"), std::string::npos) << r.out;
  r = Run({"systemctl", "reload", "hello.service"});  // inactive, and no ExecReload=
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Failed to reload hello.service: "), std::string::npos) << r.err;
}

// Instances of a template in the unit directory start by name.
TEST_F(SystemctlTest, instanceOfATemplate_startsByName) {
  std::ofstream(unit_dir_ + "/web@.service")
      << "[Unit]\nDescription=Web %i\n[Service]\nExecStart=/bin/sh -c 'echo serving %i on "
         "$COREOS_PRIVATE_IPV4; exec sleep 1000'\n";
  ASSERT_TRUE(testing::RestartFlotilla(server_, {"--unit-dir", unit_dir_}));
  ASSERT_EQ(Run({"systemctl", "start", "web@01.service", "web@02.service"}).code, 0);
  auto r = StatusUntil("web@02.service", "serving 02 on 127.0.0.1");
  EXPECT_NE(r.out.find("web@02.service - Web 02"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Loaded: loaded (" + unit_dir_ + "/web@.service"), std::string::npos)
      << r.out;
  r = Run({"systemctl", "list-units"});
  EXPECT_NE(r.out.find("web@01.service loaded active   running Web 01"), std::string::npos)
      << r.out;
}

// journalctl -f keeps up with a unit that writes far more than 10,000
// lines a second: every line arrives, once, in order.
TEST_F(SystemctlTest, journalFollow_losesNoLineOfAFastWriter) {
  constexpr int kLines = 30000;
  std::string gate = unit_dir_ + "/go";
  std::ofstream(unit_dir_ + "/spam.service")
      << "[Service]\nExecStart=/bin/sh -c 'echo ready; while [ ! -e " << gate
      << " ]; do sleep 0.01; done; exec /usr/bin/seq 1 " << kLines << "'\n";
  ASSERT_TRUE(testing::RestartFlotilla(server_, {"--unit-dir", unit_dir_}));
  ASSERT_EQ(Run({"systemctl", "start", "spam.service"}).code, 0);
  // Once "ready" reached the follower it is subscribed (the tail and the
  // subscription are taken together), and only then does the unit write.
  testing::BackgroundProcess follow(
      {FLOTILLA_BINARY, "journalctl", "-u", "spam.service", "-n", "5", "-f"},
      {"FLOTILLA_ENDPOINT=" + server_.url});
  ASSERT_TRUE(follow.WaitForOutput(
      [](const std::string& out) { return out.find("]: ready\n") != std::string::npos; }, 10s));
  auto started = std::chrono::steady_clock::now();
  std::ofstream{gate};
  ASSERT_TRUE(follow.WaitForOutput(
      [&](const std::string& out) {
        return out.find("]: " + std::to_string(kLines) + "\n") != std::string::npos;
      },
      60s))
      << follow.out().substr(follow.out().size() > 2000 ? follow.out().size() - 2000 : 0);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::istringstream lines(follow.out());
  std::string line;
  int next = 1;
  while (std::getline(lines, line)) {
    auto at = line.find(" sh[");
    if (at == std::string::npos || line.ends_with("]: ready")) continue;  // not seq's
    ASSERT_EQ(line.substr(line.find("]: ", at) + 3), std::to_string(next)) << line;
    ++next;
  }
  EXPECT_EQ(next, kLines + 1);
  std::printf("followed %d lines in %.2f s (%.0f lines/s)\n", kLines, seconds, kLines / seconds);
}

}  // namespace
}  // namespace flotilla

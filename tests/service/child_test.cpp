// Spawning a unit's commands and watching them (src/service/spawn.h,
// child.h): output lines by stream, exit status, clear errors for commands
// that cannot start, and process groups that leave nothing behind.
#include "service/child.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <chrono>
#include <fstream>
#include <optional>

#include "run_loop.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

std::string Sh() {
  return *ResolveExecutable("sh", "/usr/bin:/bin");
}

struct Observed {
  std::vector<std::string> out, err;
  std::optional<int> status;
};

class ChildTest : public ::testing::Test {
 protected:
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    return testing::RunLoopUntil(loop_, done, timeout);
  }
  base::Result<std::unique_ptr<Child>> Start(SpawnOptions o, Observed& run) {
    return Child::Start(loop_, o,
                        {[&run](Stream s, std::string_view l) {
                           (s == Stream::kStdout ? run.out : run.err).emplace_back(l);
                         },
                         [&run](int status) { run.status = status; }});
  }
  SpawnOptions ShellCommand(const std::string& script) {
    SpawnOptions o;
    o.path = Sh();
    o.argv = {"sh", "-c", script};
    o.env = {"PATH=/usr/bin:/bin"};
    return o;
  }
  net::EventLoop loop_;
};

TEST_F(ChildTest, linesByStreamAndExitStatus) {
  Observed run;
  auto c = Start(ShellCommand("echo one; echo two >&2; printf 'no newline'; exit 3"), run);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(RunUntil([&] { return run.status && run.out.size() == 2 && run.err.size() == 1; }));
  EXPECT_EQ(run.out, (std::vector<std::string>{"one", "no newline"}));
  EXPECT_EQ(run.err, (std::vector<std::string>{"two"}));
  ASSERT_TRUE(WIFEXITED(*run.status));
  EXPECT_EQ(WEXITSTATUS(*run.status), 3);
  EXPECT_FALSE((*c)->running());
}

// A fast writer that exits at once: every line it wrote is delivered
// before its exit, so a manager that drops the Child on exit loses none.
TEST_F(ChildTest, everyLineWrittenBeforeExit_comesBeforeTheExit) {
  Observed run;
  size_t lines_at_exit = 0;
  auto c = Child::Start(loop_, ShellCommand("exec seq 1 30000"),
                        {[&run](Stream, std::string_view l) { run.out.emplace_back(l); },
                         [&](int status) {
                           run.status = status;
                           lines_at_exit = run.out.size();
                         }});
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(RunUntil([&] { return run.status.has_value(); }));
  EXPECT_EQ(lines_at_exit, 30000u);
  ASSERT_FALSE(run.out.empty());
  EXPECT_EQ(run.out.back(), "30000");
}

TEST_F(ChildTest, environmentAndWorkingDirectoryAreTheUnits) {
  Observed run;
  auto o = ShellCommand("echo \"$FOO\"; pwd; echo \"${HOME-unset}\"");
  o.env.push_back("FOO=bar baz");
  o.working_directory = "/tmp";
  auto c = Start(o, run);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(RunUntil([&] { return run.status && run.out.size() == 3; }));
  EXPECT_EQ(run.out, (std::vector<std::string>{"bar baz", "/tmp", "unset"}));
}

TEST_F(ChildTest, longLines_areCutAtTheLimit) {
  Observed run;
  auto c = Start(ShellCommand("head -c 70000 /dev/zero | tr '\\0' x; echo"), run);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(RunUntil([&] { return run.status && run.out.size() == 2; }));
  EXPECT_EQ(run.out[0].size(), Child::kMaxLine);
  EXPECT_EQ(run.out[1].size(), 70000 - Child::kMaxLine);
  EXPECT_TRUE(run.err.empty()) << run.err[0];  // a writer never sees EAGAIN
}

TEST_F(ChildTest, commandThatCannotStart_failsWithTheReason) {
  SpawnOptions o;
  o.path = "/usr/bin/flotilla-no-such-command";
  o.argv = {"x"};
  auto s = Spawn(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), base::Code::kNotFound);
  EXPECT_EQ(s.status().message(), "/usr/bin/flotilla-no-such-command: No such file or directory");
  o = ShellCommand("true");
  o.working_directory = "/no/such/dir";
  s = Spawn(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "/no/such/dir: No such file or directory");
}

TEST(ResolveExecutable, absoluteMissingPath_fallsBackToPath) {
  auto sh = ResolveExecutable("/opt/nowhere/bin/sh", "/usr/bin:/bin");
  ASSERT_TRUE(sh.ok()) << sh.status().message();
  EXPECT_TRUE(*sh == "/usr/bin/sh" || *sh == "/bin/sh") << *sh;
  EXPECT_EQ(*ResolveExecutable("sh", "relative/dir:/usr/bin"), "/usr/bin/sh");
  auto missing = ResolveExecutable("/usr/bin/flotilla-nope", "/usr/bin");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nor flotilla-nope in PATH=/usr/bin"),
            std::string::npos);
  EXPECT_FALSE(ResolveExecutable("bin/sh", "/usr").ok());
}

// Whether pid is gone (or a zombie nobody has reaped yet: dead all the same).
bool Dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST_F(ChildTest, signalReachesEverythingTheCommandStarted) {
  Observed run;
  auto c = Start(ShellCommand("sleep 60 & echo $!; sleep 60"), run);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(RunUntil([&] { return run.out.size() == 1; }));
  pid_t background = std::stoi(run.out[0]);
  EXPECT_FALSE(Dead(background));
  ASSERT_TRUE((*c)->Signal(SIGTERM).ok());
  ASSERT_TRUE(RunUntil([&] { return run.status.has_value(); }));
  ASSERT_TRUE(WIFSIGNALED(*run.status));
  EXPECT_EQ(WTERMSIG(*run.status), SIGTERM);
  EXPECT_TRUE(RunUntil([&] { return Dead(background); }, 5s)) << "the background sleep survived";
}

TEST_F(ChildTest, userAndGroup_areSwitched) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  Observed run;
  auto o = ShellCommand("id -u; id -g");
  o.uid = 65534;
  o.gid = 65534;
  auto c = Start(o, run);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(RunUntil([&] { return run.status && run.out.size() == 2; }));
  EXPECT_EQ(run.out, (std::vector<std::string>{"65534", "65534"}));
}

}  // namespace
}  // namespace flotilla::service

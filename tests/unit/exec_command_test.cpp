// Exec lines (systemd.service(5) "COMMAND LINES"): prefixes, quoting,
// escapes and environment expansion.
#include "unit/exec_command.h"

#include <gtest/gtest.h>

namespace flotilla::unit {
namespace {

using Words = std::vector<std::string>;

TEST(ExecCommand, workshopLine_quotesGroupWords) {
  auto c = ParseExecCommand(
      "/usr/bin/docker run --name hello busybox /bin/sh -c \"trap 'exit 0' INT TERM; while true; "
      "do echo Hello World; sleep 1; done\"");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->path, "/usr/bin/docker");
  ASSERT_EQ(c->argv.size(), 8u);
  EXPECT_EQ(c->argv[7], "trap 'exit 0' INT TERM; while true; do echo Hello World; sleep 1; done");
  EXPECT_FALSE(c->ignore_failure);
}

TEST(ExecCommand, prefixes) {
  auto c = ParseExecCommand("-/usr/bin/docker kill hello");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->ignore_failure);
  EXPECT_EQ(c->argv, (Words{"/usr/bin/docker", "kill", "hello"}));
  c = ParseExecCommand("@-/bin/sleep my-sleep 10");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->ignore_failure && c->argv0_from_second);
  EXPECT_EQ(c->path, "/bin/sleep");
  EXPECT_EQ(c->argv, (Words{"my-sleep", "10"}));
  c = ParseExecCommand(":+/bin/echo $X");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->no_expand && c->privileged);
  EXPECT_EQ(ExpandEnvironment(*c, {{"X", "y"}}), (Words{"/bin/echo", "$X"}));
}

TEST(ExecCommand, escapes) {
  auto c = ParseExecCommand(R"(/bin/printf a\tb 'c\nd' "e\"f" g\ h \x41\101\u00e9 \s)");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->argv, (Words{"/bin/printf", "a\tb", "c\nd", "e\"f", "g h", "AA\xc3\xa9", " "}));
}

TEST(ExecCommand, badLines_sayWhy) {
  for (const auto& [line, why] : std::vector<std::pair<std::string, std::string>>{
           {"", "no command"},
           {"-  ", "no command"},
           {"/bin/echo \"open", "unterminated \" quote"},
           {"/bin/echo 'open", "unterminated ' quote"},
           {"/bin/echo \\q", "unknown escape '\\q'"},
           {"/bin/echo \\x4", "needs 2 digits"},
           {"/bin/echo \\", "backslash at the end"},
           {"/bin/echo \\000", "escaped NUL"},
           {"@/bin/echo", "'@' needs argv[0]"},
           {"\"\" x", "empty executable path"},
       }) {
    auto c = ParseExecCommand(line);
    ASSERT_FALSE(c.ok()) << line;
    EXPECT_NE(c.status().message().find(why), std::string::npos) << c.status().message();
  }
}

TEST(ExecCommand, environment_asSystemdExpandsIt) {
  auto c = ParseExecCommand(
      "/usr/bin/docker run -p ${COREOS_PRIVATE_IPV4}:3306:3306 $OPTS pre${A}post $$X ${UNSET}x "
      "$UNSET");
  ASSERT_TRUE(c.ok());
  auto words = ExpandEnvironment(
      *c, {{"COREOS_PRIVATE_IPV4", "10.0.0.5"}, {"OPTS", "--rm  -d"}, {"A", "a b"}});
  EXPECT_EQ(words, (Words{"/usr/bin/docker", "run", "-p", "10.0.0.5:3306:3306", "--rm", "-d",
                          "prea bpost", "$X", "x"}));
}

}  // namespace
}  // namespace flotilla::unit

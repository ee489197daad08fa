// The environment of a unit's commands (systemd.exec(5), Environment= and
// EnvironmentFile=; systemd.service(5), "COMMAND LINES" for $VAR and
// ${VAR}).
#include <gtest/gtest.h>

#include <set>

#include "service_fixture.h"

namespace flotilla::service {
namespace {

using ServiceEnvironmentTest = ServiceFixture;

TEST_F(ServiceEnvironmentTest, optionalEnvironmentFile_mayBeMissing) {
  auto s = Make(
      "[Service]\nType=oneshot\nEnvironmentFile=-@DIR@/missing.env\n"
      "ExecStart=/bin/echo ran\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kSuccess);
  EXPECT_EQ(output_, std::vector<std::string>{"ran"});
}

TEST_F(ServiceEnvironmentTest, missingEnvironmentFile_failsTheStartSayingWhich) {
  auto s = Make(
      "[Service]\nType=oneshot\nEnvironmentFile=@DIR@/missing.env\n"
      "ExecStart=/bin/echo ran\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kFailed; })) << All();
  EXPECT_EQ(s->status().result, ServiceResult::kResources);
  EXPECT_TRUE(output_.empty());
  EXPECT_TRUE(Said("t.service: Failed to load environment files: open " + Path("missing.env") +
                   ": No such file or directory"))
      << All();
  EXPECT_TRUE(Said("t.service: Failed with result 'resources'.")) << All();
}

// Regression: Environment= won over EnvironmentFile=; in systemd the
// files override it, later files earlier ones, wherever the lines stand.
TEST_F(ServiceEnvironmentTest, environmentFiles_overrideEnvironmentInOrder) {
  Write("one.env", "A=one\nB=one\n");
  Write("two.env", "B=two\n");
  auto s = Make(
      "[Service]\nType=oneshot\nEnvironmentFile=@DIR@/one.env\nEnvironmentFile=@DIR@/two.env\n"
      "Environment=A=unit B=unit C=unit\n"
      "ExecStart=/bin/sh -c 'echo \"$A $B $C\"'\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(output_, std::vector<std::string>{"one two unit"});
}

// A word that is exactly $VAR becomes the value's words (none when empty
// or unset); ${VAR} is replaced in place and stays one word; $VAR inside a
// word is left as written; $$ is a $; the ":" prefix expands nothing.
TEST_F(ServiceEnvironmentTest, execLines_expandDollarVarIntoWords_bracedIntoOne) {
  // Each line prints its label, then how many arguments it got and them.
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"", "split $ARGS"},       {"", "braced ${ARGS}"},  {"", "inWord x${ARGS}y"},
      {"", "bareInWord x$ARGS"}, {"", "empty $EMPTY"},    {"", "unset $UNSET"},
      {"", "dollar $$ARGS"},     {":", "noExpand $ARGS"},
  };
  std::string text = "[Service]\nType=oneshot\nEnvironment=\"ARGS=a b  c\" EMPTY=\n";
  for (const auto& [prefix, args] : lines)
    text += "ExecStart=" + prefix + "/bin/sh -c 'echo \"$0 $#:$*\"' " + args + "\n";
  auto s = Make(text);
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kDead; })) << All();
  EXPECT_EQ(std::set<std::string>(output_.begin(), output_.end()),
            (std::set<std::string>{"split 3:a b c", "braced 1:a b  c", "inWord 1:xa b  cy",
                                   "bareInWord 1:x$ARGS", "empty 0:", "unset 0:", "dollar 1:$ARGS",
                                   "noExpand 1:$ARGS"}));
}

}  // namespace
}  // namespace flotilla::service

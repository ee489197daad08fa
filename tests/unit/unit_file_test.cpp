// Unit files as systemd.syntax(7) describes them, and the serialization
// and hash fleet uses for a unit's identity.
#include "unit/unit_file.h"

#include <gtest/gtest.h>

#include "examples.h"

namespace flotilla::unit {
namespace {

// The workshop's hello.service, as fleet's examples wrote it (examples/).
const std::string kHello = flotilla::testing::ReadExample("hello.service");

TEST(UnitFile, workshopUnit_parsesIntoOptionsInOrder) {
  auto u = ParseUnitFile(kHello, "hello.service");
  ASSERT_TRUE(u.ok()) << u.status().message();
  ASSERT_EQ(u->options.size(), 9u);
  EXPECT_EQ(u->options[0], (UnitOption{"Unit", "Description", "My Service"}));
  EXPECT_EQ(u->options[0].line, 2);
  EXPECT_EQ(u->Values("Service", "ExecStartPre").size(), 3u);
  EXPECT_EQ(*u->Last("X-Fleet", "Global"), "true");
  EXPECT_EQ(u->Last("Service", "ExecStart")->substr(0, 31), "/usr/bin/docker run --name hell");
  EXPECT_FALSE(u->Last("Service", "Restart"));
}

TEST(UnitFile, serialize_isGoSystemdsFormat_andRoundTrips) {
  auto u = ParseUnitFile(kHello, "hello.service");
  ASSERT_TRUE(u.ok());
  std::string text = Serialize(*u);
  EXPECT_TRUE(
      text.starts_with("[Unit]\nDescription=My Service\nAfter=docker.service\n\n[Service]\n"))
      << text;
  EXPECT_EQ(text, std::string(kHello));  // this file is already in that form
  auto again = ParseUnitFile(text, "x");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *u);
}

TEST(UnitFile, hash_ignoresCommentsAndLayoutButNotContent) {
  auto a = ParseUnitFile("[Service]\nExecStart=/bin/true\n", "a");
  auto b = ParseUnitFile("# a comment\n\n  [Service]  \n ExecStart =  /bin/true  \n; more\n", "b");
  auto c = ParseUnitFile("[Service]\nExecStart=/bin/false\n", "c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(Hash(*a), Hash(*b));
  EXPECT_NE(Hash(*a), Hash(*c));
  // `printf "[Service]\nExecStart=/bin/true\n" | sha1sum`
  EXPECT_EQ(Hash(*a), "86943ac9f3754cb90f8dd38bf6da7b0cad074592");
}

TEST(UnitFile, continuation_joinsWithASpaceAndSkipsComments) {
  auto u = ParseUnitFile(
      "[Service]\nExecStart=/bin/sh -c \\\n  'echo one' \\\n# not part of it\n  two\nX=y\n", "f");
  ASSERT_TRUE(u.ok()) << u.status().message();
  ASSERT_EQ(u->options.size(), 2u);
  EXPECT_EQ(u->options[0].value, "/bin/sh -c  'echo one'  two");
  EXPECT_EQ(u->options[1].line, 6);
}

// Found by fuzzing: an escaped backslash at the end of a line is a
// literal, not a continuation, so the value serializes back to itself.
TEST(UnitFile, escapedBackslashAtTheEnd_doesNotContinue) {
  auto u = ParseUnitFile("[Service]\nExecStart=/bin/echo \\\\\nX=y\n", "f");
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u->options.size(), 2u);
  EXPECT_EQ(u->options[0].value, "/bin/echo \\\\");
  auto again = ParseUnitFile(Serialize(*u), "g");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *u);
}

TEST(UnitFile, emptyAssignment_resetsAList) {
  auto u = ParseUnitFile("[Unit]\nAfter=a\nAfter=b\nAfter=\nAfter=c\nAfter=d\n", "f");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->Values("Unit", "After"), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(u->options.size(), 5u);  // kept as written
}

TEST(UnitFile, unknownSectionsAndKeys_areKept) {
  auto u = ParseUnitFile("[X-Mine]\nWhatever=1\n[Service]\nNoSuchKey=2\n", "f");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->HasSection("X-Mine"));
  EXPECT_EQ(*u->Last("Service", "NoSuchKey"), "2");
}

TEST(UnitFile, badInput_isRefusedNamingFileAndLine) {
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const auto& [text, expected] : std::vector<Case>{
           {"Key=1\n", "web.service:1: assignment to 'Key' outside of any [Section]"},
           {"[Unit]\n\nnot an assignment\n", "web.service:3: 'not an assignment' is not an"},
           {"[Unit\n", "web.service:1: section header without ']'"},
           {"[Unit] x\n", "web.service:1: unexpected text after section header"},
           {"[]\n", "web.service:1: empty section name"},
           {"[Unit]\n=v\n", "web.service:2: assignment without a key"},
           {"[Unit]\nX=a \\ \\\n\n", "web.service:2: the value ends in a lone backslash"},
       }) {
    auto u = ParseUnitFile(text, "web.service");
    ASSERT_FALSE(u.ok()) << text;
    EXPECT_EQ(u.status().message().substr(0, expected.size()), expected) << u.status().message();
  }
}

TEST(UnitFile, overlongLine_isRefused) {
  std::string text = "[Unit]\nDescription=" + std::string(kMaxUnitLine, 'x') + "\n";
  auto u = ParseUnitFile(text, "f");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("f:2: line longer than"), std::string::npos);
}

// Found by fuzzing: a line of just "\" continued into a blank line is
// empty, not a crash.
TEST(UnitFile, loneBackslashLine_isAnEmptyLine) {
  auto u = ParseUnitFile("[Unit]\n\\\n\nA=b\n", "f");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(*u->Last("Unit", "A"), "b");
}

TEST(UnitFile, crlfAndMissingFinalNewline_areFine) {
  auto u = ParseUnitFile("[Unit]\r\nDescription=x\r\nAfter=y", "f");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(*u->Last("Unit", "Description"), "x");
  EXPECT_EQ(*u->Last("Unit", "After"), "y");
}

}  // namespace
}  // namespace flotilla::unit

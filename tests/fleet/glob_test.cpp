// Go's path.Match as fleet's Conflicts= and Replaces= use it. The tables are
// fleet's TestGlobMatches (agent/state_test.go) and Go's own matchTests
// (src/path/match_test.go).
#include "fleet/glob.h"

#include <gtest/gtest.h>

namespace flotilla::fleet {
namespace {

TEST(Glob, fleetTestGlobMatches) {
  struct Case {
    const char* pattern;
    const char* name;
    bool want;
  };
  for (const Case& c : std::vector<Case>{
           {"*", "foo.service", true},
           {"foo.*", "foo.socket", true},
           {"foo@*.service", "foo@12.service", true},
           {"foo@[abc].service", "foo@a.service", true},
           {"foo@?.service", "foo@1.service", true},
           {"foo.service", "bar.service", false},
           {"foo@[abc].service", "foo@d.service", false},
       }) {
    EXPECT_EQ(GlobMatches(c.pattern, c.name), c.want) << c.pattern << " " << c.name;
  }
}

TEST(Glob, goMatchTests) {
  struct Case {
    const char* pattern;
    const char* name;
    bool match;
    bool bad;
  };
  for (const Case& c : std::vector<Case>{
           {"abc", "abc", true, false},
           {"*", "abc", true, false},
           {"*c", "abc", true, false},
           {"a*", "a", true, false},
           {"a*", "abc", true, false},
           {"a*", "ab/c", false, false},
           {"a*/b", "abc/b", true, false},
           {"a*/b", "a/c/b", false, false},
           {"a*b*c*d*e*/f", "axbxcxdxe/f", true, false},
           {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false},
           {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false},
           {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false},
           {"a*b?c*x", "abxbbxdbxebxczzx", true, false},
           {"a*b?c*x", "abxbbxdbxebxczzy", false, false},
           {"ab[c]", "abc", true, false},
           {"ab[b-d]", "abc", true, false},
           {"ab[e-g]", "abc", false, false},
           {"ab[^c]", "abc", false, false},
           {"ab[^b-d]", "abc", false, false},
           {"ab[^e-g]", "abc", true, false},
           {"a\\*b", "a*b", true, false},
           {"a\\*b", "ab", false, false},
           {"a?b", "a\u263ab", true, false},
           {"a[^a]b", "a\u263ab", true, false},
           {"a???b", "a\u263ab", false, false},
           {"a[^a][^a][^a]b", "a\u263ab", false, false},
           {"[a-\u03b6]*", "\u03b1", true, false},
           {"*[a-\u03b6]", "A", false, false},
           {"a?b", "a/b", false, false},
           {"a*b", "a/b", false, false},
           {"[\\]a]", "]", true, false},
           {"[\\-]", "-", true, false},
           {"[x\\-]", "x", true, false},
           {"[x\\-]", "-", true, false},
           {"[x\\-]", "z", false, false},
           {"[\\-x]", "x", true, false},
           {"[\\-x]", "-", true, false},
           {"[\\-x]", "a", false, false},
           {"[]a]", "]", false, true},
           {"[-]", "-", false, true},
           {"[x-]", "x", false, true},
           {"[x-]", "-", false, true},
           {"[x-]", "z", false, true},
           {"[-x]", "x", false, true},
           {"[-x]", "-", false, true},
           {"[-x]", "a", false, true},
           {"\\", "a", false, true},
           {"[a-b-c]", "a", false, true},
           {"[", "a", false, true},
           {"[^", "a", false, true},
           {"[^bc", "a", false, true},
           {"a[", "a", false, true},
           {"a[", "ab", false, true},
           {"a[", "x", false, true},
           {"a/b[", "x", false, true},
           {"*x", "xxx", true, false},
       }) {
    auto m = PathMatch(c.pattern, c.name);
    if (c.bad) {
      ASSERT_FALSE(m.ok()) << c.pattern << " " << c.name;
      EXPECT_EQ(m.status().message(), "syntax error in pattern");
      EXPECT_FALSE(GlobMatches(c.pattern, c.name));
      EXPECT_FALSE(GlobPatternError(c.pattern).ok()) << c.pattern;
    } else {
      ASSERT_TRUE(m.ok()) << c.pattern << " " << c.name << ": " << m.status().message();
      EXPECT_EQ(*m, c.match) << c.pattern << " " << c.name;
      EXPECT_TRUE(GlobPatternError(c.pattern).ok()) << c.pattern;
    }
  }
}

TEST(Glob, bangIsNotNegation_onlyCaret) {
  EXPECT_TRUE(GlobMatches("[!a]", "!"));
  EXPECT_FALSE(GlobMatches("[!a]", "b"));
  EXPECT_TRUE(GlobMatches("[^a]", "b"));
}

TEST(Glob, invalidUtf8_isOneCharacterForQuestionMark) {
  EXPECT_TRUE(GlobMatches("a?b", std::string("a\xff"
                                             "b")));
  EXPECT_FALSE(GlobMatches("a??b", std::string("a\xe2\x98\xba"
                                               "b")));
  EXPECT_FALSE(PathMatch("[\xff]", "a").ok());  // an invalid rune in a class is a bad pattern
}

}  // namespace
}  // namespace flotilla::fleet

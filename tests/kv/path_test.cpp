#include "kv/path.h"

#include <gtest/gtest.h>

namespace flotilla::kv {
namespace {

TEST(Path, CleanPathMatchesGoPathCleanOfJoinWithRoot) {
  EXPECT_EQ(CleanPath(""), "/");
  EXPECT_EQ(CleanPath("/"), "/");
  EXPECT_EQ(CleanPath("foo"), "/foo");
  EXPECT_EQ(CleanPath("/foo/"), "/foo");
  EXPECT_EQ(CleanPath("//foo///bar//"), "/foo/bar");
  EXPECT_EQ(CleanPath("/foo/./bar/."), "/foo/bar");
  EXPECT_EQ(CleanPath("/foo/../bar"), "/bar");
  EXPECT_EQ(CleanPath("/foo/bar/.."), "/foo");
  EXPECT_EQ(CleanPath("/../../x"), "/x");
  EXPECT_EQ(CleanPath("/.."), "/");
  EXPECT_EQ(CleanPath("/1/..."), "/1/...");
  EXPECT_EQ(CleanPath("/1/.hidden"), "/1/.hidden");
}

TEST(Path, IsCleanPathAcceptsOnlyCleanPaths) {
  EXPECT_TRUE(IsCleanPath("/"));
  EXPECT_TRUE(IsCleanPath("/1/foo"));
  EXPECT_FALSE(IsCleanPath(""));
  EXPECT_FALSE(IsCleanPath("foo"));
  EXPECT_FALSE(IsCleanPath("/foo/"));
  EXPECT_FALSE(IsCleanPath("/a//b"));
  EXPECT_FALSE(IsCleanPath("/a/./b"));
  EXPECT_FALSE(IsCleanPath("/a/.."));
}

TEST(Path, SplitLastGivesParentAndName) {
  EXPECT_EQ(SplitLast("/a/b"), (std::pair<std::string_view, std::string_view>("/a", "b")));
  EXPECT_EQ(SplitLast("/a"), (std::pair<std::string_view, std::string_view>("/", "a")));
}

// watcher_hub_test.go TestIsHidden.
TEST(Path, IsHiddenFromFollowsEtcdWatcherHub) {
  EXPECT_FALSE(IsHiddenFrom("/", "/foo"));
  EXPECT_TRUE(IsHiddenFrom("/", "/_foo"));
  EXPECT_TRUE(IsHiddenFrom("/foo", "/foo/_bar"));
  EXPECT_TRUE(IsHiddenFrom("/foo", "/foo/bar/_baz"));
  EXPECT_FALSE(IsHiddenFrom("/_foo", "/_foo/bar"));
  EXPECT_FALSE(IsHiddenFrom("/foo/bar", "/foo"));  // deeper watcher: a dir removal
}

}  // namespace
}  // namespace flotilla::kv

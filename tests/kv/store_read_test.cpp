// Reads: single keys, listings (hidden, sorted, recursive), TTL display.
#include <gtest/gtest.h>

#include "kv/store.h"
#include "kv_test_util.h"

namespace flotilla::kv {
namespace {

using namespace kvtest;  // the shared helpers of kv_test_util.h

std::vector<std::string> Keys(const NodeView& v) {
  std::vector<std::string> out;
  for (const NodeView& n : v.nodes) out.push_back(n.key);
  return out;
}

TEST(Store, GetFileShowsValueAndIndexes) {
  Store s;
  Ok(s.Apply(SetReq("/1/foo", "bar")));
  Ok(s.Apply(SetReq("/1/other", "x")));
  auto e = Ok(s.Get("/1/foo", false, false, kT0));
  EXPECT_EQ(e->action, Action::kGet);
  EXPECT_EQ(e->node.key, "/1/foo");
  EXPECT_EQ(e->node.value, "bar");
  EXPECT_EQ(e->node.modified_index, 1u);
  EXPECT_EQ(e->node.created_index, 1u);
  EXPECT_EQ(e->etcd_index, 2u);
  EXPECT_FALSE(e->prev_node);
}

TEST(Store, GetMissingKeyFailsWithCurrentIndex) {
  Store s;
  Ok(s.Apply(SetReq("/1/a", "v")));
  Error err = Err(s.Get("/1/nokey", false, false, kT0));
  EXPECT_EQ(err.code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(err.cause, "/1/nokey");
  EXPECT_EQ(err.index, 1u);
}

TEST(Store, GetDirListsVisibleChildrenInKeyOrder) {
  Store s;
  Ok(s.Apply(SetReq("/1/dir/b", "2")));
  Ok(s.Apply(SetReq("/1/dir/_hidden", "h")));
  Ok(s.Apply(SetReq("/1/dir/a", "1")));
  Ok(s.Apply(SetReq("/1/dir/sub/c", "3")));
  for (bool sorted : {false, true}) {
    auto e = Ok(s.Get("/1/dir", false, sorted, kT0));
    EXPECT_TRUE(e->node.dir);
    EXPECT_TRUE(e->node.listed);
    EXPECT_EQ(Keys(e->node), (std::vector<std::string>{"/1/dir/a", "/1/dir/b", "/1/dir/sub"}));
    const NodeView& sub = e->node.nodes[2];
    EXPECT_TRUE(sub.dir);
    EXPECT_FALSE(sub.listed);  // a non-recursive GET does not open child dirs
    EXPECT_TRUE(sub.nodes.empty());
  }
}

TEST(Store, GetRecursiveListsWholeSubtreeWithoutHiddenNodes) {
  Store s;
  Ok(s.Apply(SetReq("/1/d/x/y/z", "deep")));
  Ok(s.Apply(SetReq("/1/d/x/_h/z", "hidden")));
  Ok(s.Apply(DirReq(Op::kSet, "/1/d/empty")));
  auto e = Ok(s.Get("/1/d", true, true, kT0));
  ASSERT_EQ(Keys(e->node), (std::vector<std::string>{"/1/d/empty", "/1/d/x"}));
  EXPECT_TRUE(e->node.nodes[0].listed);
  EXPECT_TRUE(e->node.nodes[0].nodes.empty());
  const NodeView& x = e->node.nodes[1];
  ASSERT_EQ(Keys(x), (std::vector<std::string>{"/1/d/x/y"}));
  ASSERT_EQ(Keys(x.nodes[0]), (std::vector<std::string>{"/1/d/x/y/z"}));
  EXPECT_EQ(x.nodes[0].nodes[0].value, "deep");
}

TEST(Store, HiddenKeysAreReadableDirectly) {
  Store s;
  Ok(s.Apply(SetReq("/1/_secret", "s")));
  EXPECT_EQ(Ok(s.Get("/1/_secret", false, false, kT0))->node.value, "s");
  EXPECT_TRUE(Ok(s.Get("/1", true, false, kT0))->node.nodes.empty());
}

TEST(Store, SortedListingIsBytewiseByKey) {
  Store s;
  for (const char* k : {"b", "B", "a", "aa", "\xc3\xa9", "0", "~"}) {
    Ok(s.Apply(SetReq(std::string("/1/q/") + k, "v")));
  }
  auto e = Ok(s.Get("/1/q", false, true, kT0));
  EXPECT_EQ(Keys(e->node), (std::vector<std::string>{"/1/q/0", "/1/q/B", "/1/q/a", "/1/q/aa",
                                                     "/1/q/b", "/1/q/~", "/1/q/\xc3\xa9"}));
}

TEST(Store, InOrderKeysListInCreationOrder) {
  Store s;
  for (int i = 0; i < 12; ++i) {
    Request r = Req(Op::kCreate, "/1/queue", "job" + std::to_string(i));
    r.unique = true;
    Ok(s.Apply(r));
  }
  auto e = Ok(s.Get("/1/queue", true, true, kT0));
  ASSERT_EQ(e->node.nodes.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(e->node.nodes[i].value, "job" + std::to_string(i));
}

TEST(Store, GetRootOfNamespaceHasNoIndexes) {
  Store s;
  auto e = Ok(s.Get("/1", false, false, kT0));
  EXPECT_TRUE(e->node.dir);
  EXPECT_EQ(e->node.modified_index, 0u);
  EXPECT_EQ(e->node.created_index, 0u);
  EXPECT_TRUE(e->node.nodes.empty());
}

TEST(Store, TtlIsCeilingOfSecondsLeftAtReadTime) {
  Store s;
  Request r = SetReq("/1/t", "v");
  r.expiration = kT0 + 10 * kSecond;
  auto e = Ok(s.Apply(r));
  EXPECT_EQ(e->node.expiration, kT0 + 10 * kSecond);
  EXPECT_EQ(e->node.ttl, 10);
  EXPECT_EQ(Ok(s.Get("/1/t", false, false, kT0 + 1))->node.ttl, 10);
  EXPECT_EQ(Ok(s.Get("/1/t", false, false, kT0 + kSecond))->node.ttl, 9);
  EXPECT_EQ(Ok(s.Get("/1/t", false, false, kT0 + 9 * kSecond + 1))->node.ttl, 1);
  // Past the expiration but not yet synced: Go's truncating division.
  EXPECT_EQ(Ok(s.Get("/1/t", false, false, kT0 + 10 * kSecond + kSecond / 2))->node.ttl, 0);
  EXPECT_EQ(Ok(s.Get("/1/t", false, false, kT0 + 12 * kSecond))->node.ttl, -2);
}

TEST(Store, ListingShowsChildTtls) {
  Store s;
  Request r = DirReq(Op::kSet, "/1/d/sub");
  r.expiration = kT0 + 5 * kSecond;
  Ok(s.Apply(r));
  auto e = Ok(s.Get("/1/d", false, false, kT0));
  ASSERT_EQ(e->node.nodes.size(), 1u);
  EXPECT_EQ(e->node.nodes[0].ttl, 5);
  EXPECT_EQ(e->node.nodes[0].expiration, kT0 + 5 * kSecond);
}

TEST(Store, QuorumGetGoesThroughApplyAtRequestTime) {
  Store s;
  Request r = SetReq("/1/t", "v");
  r.expiration = kT0 + 10 * kSecond;
  Ok(s.Apply(r));
  Request get = Req(Op::kGet, "/1/t");
  get.time = kT0 + 3 * kSecond;
  auto e = Ok(s.Apply(get));
  EXPECT_EQ(e->action, Action::kGet);
  EXPECT_EQ(e->node.ttl, 7);
  EXPECT_EQ(s.index(), 1u);  // reads do not bump the index
}

}  // namespace
}  // namespace flotilla::kv

// TTLs: expiry through kSync, refresh, clearing a TTL, etcd's minimum
// expiration.
#include <gtest/gtest.h>

#include "kv/store.h"
#include "kv_test_util.h"

namespace flotilla::kv {
namespace {

using namespace kvtest;  // the shared helpers of kv_test_util.h

Request WithTtl(Request r, int64_t seconds) {
  r.expiration = r.time + seconds * kSecond;
  return r;
}

TEST(Store, SyncExpiresKeysAtOrBeforeItsTime) {
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/a", "1"), 1)));
  Ok(s.Apply(WithTtl(SetReq("/1/b", "2"), 2)));
  Ok(s.Apply(SetReq("/1/c", "3")));
  EXPECT_TRUE(s.HasTtlKeys());

  EXPECT_EQ(Ok(s.Apply(SyncReq(kT0 + kSecond - 1))), nullptr);
  EXPECT_EQ(s.index(), 3u);
  Ok(s.Apply(SyncReq(kT0 + kSecond)));  // expiration == time expires
  EXPECT_EQ(s.index(), 4u);
  EXPECT_EQ(Err(s.Get("/1/a", false, false, kT0)).code, ErrorCode::kKeyNotFound);
  Ok(s.Get("/1/b", false, false, kT0));
  EXPECT_TRUE(s.HasTtlKeys());

  Ok(s.Apply(SyncReq(kT0 + 100 * kSecond)));
  EXPECT_EQ(s.index(), 5u);
  EXPECT_FALSE(s.HasTtlKeys());
  Ok(s.Get("/1/c", false, false, kT0));
  EXPECT_EQ(s.stats().expire_count, 2u);
}

TEST(Store, ExpireEventHasNewIndexAndPrevNode) {
  Store s;
  auto created = Ok(s.Apply(WithTtl(SetReq("/1/ex", "v"), 1)));
  EventPtr got;
  ASSERT_TRUE(
      std::holds_alternative<uint64_t>(s.Watch("/1/ex", false, false, 0, [&](const EventPtr& e) {
        got = e;
        return true;
      })));
  Ok(s.Apply(SyncReq(kT0 + 2 * kSecond)));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->action, Action::kExpire);
  EXPECT_EQ(got->node.key, "/1/ex");
  EXPECT_EQ(got->node.modified_index, 2u);
  EXPECT_EQ(got->node.created_index, 1u);
  EXPECT_FALSE(got->node.value);
  EXPECT_EQ(got->etcd_index, 2u);
  ASSERT_TRUE(got->prev_node);
  EXPECT_EQ(got->prev_node->value, "v");
  EXPECT_EQ(got->prev_node->expiration, kT0 + kSecond);
  EXPECT_EQ(got->prev_node->ttl, -1);  // seen at the sync's time
}

TEST(Store, SyncExpiresInExpirationOrderOneIndexEach) {
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/late", "v"), 3)));
  Ok(s.Apply(WithTtl(SetReq("/1/early", "v"), 1)));
  Ok(s.Apply(WithTtl(DirReq(Op::kSet, "/1/mid"), 2)));
  std::vector<std::pair<std::string, Index>> seen;
  s.Watch("/1", true, true, 0, [&](const EventPtr& e) {
    seen.emplace_back(e->node.key, e->index());
    return true;
  });
  Ok(s.Apply(SyncReq(kT0 + 10 * kSecond)));
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, Index>>{
                      {"/1/early", 4}, {"/1/mid", 5}, {"/1/late", 6}}));
}

TEST(Store, ExpiringDirRemovesChildrenAndTheirTtls) {
  Store s;
  Ok(s.Apply(WithTtl(DirReq(Op::kSet, "/1/d"), 1)));
  Ok(s.Apply(WithTtl(SetReq("/1/d/child", "v"), 5)));
  Ok(s.Apply(SyncReq(kT0 + 2 * kSecond)));
  EXPECT_EQ(s.index(), 3u);  // one expire event, for the dir
  EXPECT_FALSE(s.HasTtlKeys());
  EXPECT_EQ(Err(s.Get("/1/d", false, false, kT0)).code, ErrorCode::kKeyNotFound);
}

TEST(Store, TtlZeroMeansExpireAtNextSync) {
  // etcd: ttl=0 sets expiration = now.
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/k", "v"), 0)));
  EXPECT_TRUE(s.HasTtlKeys());
  Ok(s.Apply(SyncReq(kT0)));
  EXPECT_FALSE(s.HasTtlKeys());
}

TEST(Store, ExpirationBefore2000IsPermanentOnSetAndCreate) {
  Store s;
  Request r = SetReq("/1/a", "v");
  r.expiration = 946'684'800LL * kSecond - 1;
  auto e = Ok(s.Apply(r));
  EXPECT_EQ(e->node.expiration, 0);
  r.op = Op::kCreate;
  r.path = "/1/b";
  r.expiration = -5;
  EXPECT_EQ(Ok(s.Apply(r))->node.expiration, 0);
  EXPECT_FALSE(s.HasTtlKeys());
}

TEST(Store, SetWithoutTtlMakesKeyPermanent) {
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/k", "v"), 5)));
  Ok(s.Apply(SetReq("/1/k", "w")));
  EXPECT_FALSE(s.HasTtlKeys());
  Ok(s.Apply(SyncReq(kT0 + 10 * kSecond)));
  EXPECT_EQ(Ok(s.Get("/1/k", false, false, kT0))->node.value, "w");
}

TEST(Store, UpdateWithoutTtlClearsTtl) {
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/k", "v"), 5)));
  auto e = Ok(s.Apply(Req(Op::kUpdate, "/1/k", "w")));
  EXPECT_EQ(e->node.expiration, 0);
  EXPECT_EQ(e->node.ttl, 0);
  EXPECT_EQ(e->prev_node->ttl, 5);
  EXPECT_FALSE(s.HasTtlKeys());
}

TEST(Store, UpdateMovesExpirationInTtlIndex) {
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/k", "v"), 5)));
  Ok(s.Apply(WithTtl(Req(Op::kUpdate, "/1/k", "v"), 60)));
  Ok(s.Apply(SyncReq(kT0 + 10 * kSecond)));
  Ok(s.Get("/1/k", false, false, kT0));
  Ok(s.Apply(SyncReq(kT0 + 60 * kSecond)));
  EXPECT_EQ(Err(s.Get("/1/k", false, false, kT0)).code, ErrorCode::kKeyNotFound);
}

TEST(Store, RefreshKeepsValueAndMovesTtl) {
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/k", "keep"), 5)));
  for (Op op : {Op::kSet, Op::kUpdate, Op::kCompareAndSwap}) {
    Request r = WithTtl(Req(op, "/1/k"), 30);
    r.refresh = true;
    if (op == Op::kCompareAndSwap) r.prev_value = "keep";
    auto e = Ok(s.Apply(r));
    EXPECT_EQ(e->node.value, "keep") << static_cast<int>(op);
    EXPECT_EQ(e->node.ttl, 30);
    EXPECT_TRUE(e->refresh);
  }
  Ok(s.Apply(SyncReq(kT0 + 10 * kSecond)));
  EXPECT_EQ(Ok(s.Get("/1/k", false, false, kT0))->node.value, "keep");
}

TEST(Store, RefreshOfMissingKeyFailsKeyNotFound) {
  Store s;
  Request r = WithTtl(SetReq("/1/none"), 5);
  r.refresh = true;
  Error err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(err.cause, "/1/none");
}

TEST(Store, RefreshOfDirWithUpdate) {
  Store s;
  Ok(s.Apply(WithTtl(DirReq(Op::kSet, "/1/d"), 5)));
  Request r = WithTtl(Req(Op::kUpdate, "/1/d"), 50);
  r.refresh = true;
  auto e = Ok(s.Apply(r));
  EXPECT_TRUE(e->node.dir);
  EXPECT_EQ(e->node.ttl, 50);
}

TEST(Store, SetReplacingTtlKeyDropsOldExpiry) {
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/k", "a"), 1)));
  Ok(s.Apply(WithTtl(SetReq("/1/k", "b"), 100)));
  Ok(s.Apply(SyncReq(kT0 + 5 * kSecond)));
  EXPECT_EQ(Ok(s.Get("/1/k", false, false, kT0))->node.value, "b");
}

TEST(Store, DeletingTtlKeysEmptiesTtlIndex) {
  Store s;
  Ok(s.Apply(WithTtl(SetReq("/1/d/a", "a"), 1)));
  Ok(s.Apply(WithTtl(SetReq("/1/d/b/c", "c"), 1)));
  Request r = Req(Op::kDelete, "/1/d");
  r.recursive = true;
  Ok(s.Apply(r));
  EXPECT_FALSE(s.HasTtlKeys());
  Ok(s.Apply(SyncReq(kT0 + 5 * kSecond)));
  EXPECT_EQ(s.index(), 3u);
}

}  // namespace
}  // namespace flotilla::kv

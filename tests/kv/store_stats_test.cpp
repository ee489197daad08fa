// The /v2/stats/store counters, counted as etcd 3.4's store.go counts them.
#include <gtest/gtest.h>

#include "kv/store.h"
#include "kv_test_util.h"

namespace flotilla::kv {
namespace {

using namespace kvtest;  // the shared helpers of kv_test_util.h

TEST(StoreStats, CountsSuccessAndFailurePerAction) {
  Store s;
  s.Apply(SetReq("/1/a", "1"));             // set ok
  s.Apply(DirReq(Op::kSet, "/1/d"));        // set ok
  s.Apply(SetReq("/1/d", "x"));             // set fail (102)
  s.Apply(Req(Op::kCreate, "/1/b", "1"));   // create ok
  s.Apply(Req(Op::kCreate, "/1/b", "1"));   // create fail (105)
  s.Apply(Req(Op::kUpdate, "/1/a", "2"));   // update ok
  s.Apply(Req(Op::kUpdate, "/1/zz", "2"));  // update fail (100)
  Request cas = Req(Op::kCompareAndSwap, "/1/a", "3");
  cas.prev_value = "2";
  s.Apply(cas);  // cas ok
  s.Apply(cas);  // cas fail (101)
  Request cad = Req(Op::kCompareAndDelete, "/1/a");
  cad.prev_value = "3";
  s.Apply(cad);                       // cad ok
  s.Apply(cad);                       // cad fail (100)
  s.Apply(Req(Op::kDelete, "/1/b"));  // delete ok
  s.Apply(Req(Op::kDelete, "/1/b"));  // delete fail (100)
  s.Get("/1/d", false, false, kT0);   // get ok (local)
  s.Apply(Req(Op::kGet, "/1/nope"));  // get fail (quorum)

  const StoreStats& st = s.stats();
  EXPECT_EQ(st.sets_success, 2u);
  EXPECT_EQ(st.sets_fail, 1u);
  EXPECT_EQ(st.create_success, 1u);
  EXPECT_EQ(st.create_fail, 1u);
  EXPECT_EQ(st.update_success, 1u);
  EXPECT_EQ(st.update_fail, 1u);
  EXPECT_EQ(st.compare_and_swap_success, 1u);
  EXPECT_EQ(st.compare_and_swap_fail, 1u);
  EXPECT_EQ(st.compare_and_delete_success, 1u);
  EXPECT_EQ(st.compare_and_delete_fail, 1u);
  EXPECT_EQ(st.delete_success, 1u);
  EXPECT_EQ(st.delete_fail, 1u);
  EXPECT_EQ(st.gets_success, 1u);
  EXPECT_EQ(st.gets_fail, 1u);
  EXPECT_EQ(st.expire_count, 0u);
  EXPECT_EQ(st.watchers, 0u);
}

// store.go returns some errors without setting the variable its deferred
// counter looks at, so they count as successes. Clients can see this in
// /v2/stats/store, so it is kept.
TEST(StoreStats, PeekAnswersLikeGetButIsNotCounted) {
  Store s;
  s.Apply(SetReq("/0/members/1/attributes", "{}"));
  auto peeked = s.Peek("/0/members", true, 0);
  ASSERT_TRUE(std::holds_alternative<EventPtr>(peeked));
  EXPECT_EQ(std::get<EventPtr>(peeked)->node.nodes.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Error>(s.Peek("/0/none", false, 0)));
  EXPECT_EQ(s.stats().gets_success, 0u);
  EXPECT_EQ(s.stats().gets_fail, 0u);
  s.Get("/0/none", false, false, 0);
  EXPECT_EQ(s.stats().gets_fail, 1u);
}

TEST(StoreStats, EtcdCountsSomeRejectionsAsSuccesses) {
  Store s;
  s.Apply(DirReq(Op::kSet, "/1/d"));
  s.Apply(SetReq("/1/f", "v"));

  s.Apply(Req(Op::kUpdate, "/1", ""));     // 107
  s.Apply(Req(Op::kUpdate, "/1/d", "x"));  // 102
  EXPECT_EQ(s.stats().update_success, 2u);
  EXPECT_EQ(s.stats().update_fail, 0u);

  Request cas = Req(Op::kCompareAndSwap, "/", "x");
  cas.prev_value = "v";
  s.Apply(cas);  // 107
  EXPECT_EQ(s.stats().compare_and_swap_success, 1u);

  Request del = Req(Op::kDelete, "/1");
  del.recursive = true;
  s.Apply(del);  // 107
  EXPECT_EQ(s.stats().delete_success, 1u);

  Request cad = Req(Op::kCompareAndDelete, "/1/d");
  cad.prev_value = "v";
  s.Apply(cad);  // 102
  cad.path = "/1/f";
  cad.prev_value = "other";
  s.Apply(cad);  // 101
  EXPECT_EQ(s.stats().compare_and_delete_success, 2u);
  EXPECT_EQ(s.stats().compare_and_delete_fail, 0u);
  EXPECT_EQ(s.index(), 2u);
}

TEST(StoreStats, CreateThroughFileCountsAsFailedSetToo) {
  Store s;
  s.Apply(SetReq("/1/f", "v"));
  s.Apply(Req(Op::kCreate, "/1/f/child", "x"));  // 104 from the directory walk
  EXPECT_EQ(s.stats().create_fail, 1u);
  EXPECT_EQ(s.stats().sets_fail, 1u);
}

TEST(StoreStats, CountsExpiredKeysAndLiveWatchers) {
  Store s;
  Request r = SetReq("/1/t", "v");
  r.expiration = kT0 + 1;
  s.Apply(r);
  s.Watch("/1/a", false, false, 0, [](const EventPtr&) { return true; });
  s.Watch("/1/b", true, true, 0, [](const EventPtr&) { return true; });
  EXPECT_EQ(s.stats().watchers, 2u);
  s.Apply(kvtest::SyncReq(kT0 + 1));
  EXPECT_EQ(s.stats().expire_count, 1u);
}

}  // namespace
}  // namespace flotilla::kv

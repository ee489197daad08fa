// Save/Recover: complete, deterministic, and safe on garbage.
#include <gtest/gtest.h>

#include <random>

#include "kv/store.h"
#include "kv_test_util.h"

namespace flotilla::kv {
namespace {

using namespace kvtest;  // the shared helpers of kv_test_util.h

// A store that has seen every kind of write.
std::vector<Request> Workload() {
  std::vector<Request> w;
  w.push_back(SetReq("/1/message", "Hello <world> & \"you\""));
  w.push_back(DirReq(Op::kSet, "/1/dir"));
  w.push_back(SetReq("/1/dir/a", "1"));
  w.push_back(SetReq("/1/dir/_hidden", "h"));
  w.push_back(SetReq("/1/dir/sub/b", std::string("bin\0ary", 7)));
  Request ttl = SetReq("/1/ttl", "t");
  ttl.expiration = kT0 + 30 * kSecond;
  w.push_back(ttl);
  Request dir_ttl = DirReq(Op::kSet, "/1/tdir");
  dir_ttl.expiration = kT0 + 5 * kSecond;
  w.push_back(dir_ttl);
  w.push_back(SetReq("/1/tdir/x", "x"));
  Request refresh = Req(Op::kUpdate, "/1/ttl");
  refresh.refresh = true;
  refresh.expiration = kT0 + 60 * kSecond;
  w.push_back(refresh);
  Request q = Req(Op::kCreate, "/1/queue", "job");
  q.unique = true;
  w.push_back(q);
  Request cas = Req(Op::kCompareAndSwap, "/1/message", "three");
  cas.prev_index = 1;
  w.push_back(cas);
  w.push_back(Req(Op::kCreate, "/1/message", "fails"));
  Request cad = Req(Op::kCompareAndDelete, "/1/dir/a");
  cad.prev_value = "1";
  w.push_back(cad);
  Request del = Req(Op::kDelete, "/1/dir/sub");
  del.recursive = true;
  w.push_back(del);
  w.push_back(SetReq("/0/members/abc/attributes", "{}"));
  w.push_back(SyncReq(kT0 + 10 * kSecond));
  w.push_back(Req(Op::kGet, "/1/dir"));
  return w;
}

Store Loaded() {
  Store s;
  for (const Request& r : Workload()) s.Apply(r);
  s.Get("/1/dir", false, false, kT0);  // a local read: not part of the saved state
  return s;
}

std::string Answers(Store& s) {
  std::string out;
  for (const char* p : {"/", "/1", "/1/dir", "/1/ttl", "/1/queue", "/0", "/1/nope", "/1/tdir"}) {
    out += Json(s.Get(p, true, true, kT0 + 20 * kSecond));
  }
  return out;
}

TEST(Snapshot, RecoverGivesSameBytesAndSameAnswers) {
  Store s = Loaded();
  std::string saved = s.Save();
  auto r = Store::Recover(saved);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Store& back = *r;
  EXPECT_EQ(back.Save(), saved);
  EXPECT_EQ(back.index(), s.index());
  EXPECT_EQ(back.HasTtlKeys(), s.HasTtlKeys());
  EXPECT_EQ(Answers(back), Answers(s));
  StoreStats a = s.stats(), b = back.stats();
  EXPECT_EQ(b.sets_success, a.sets_success);
  EXPECT_EQ(b.create_fail, a.create_fail);
  EXPECT_EQ(b.expire_count, a.expire_count);
  EXPECT_EQ(b.gets_success, a.gets_success - 1);  // the local read is not saved

  // Both keep evolving identically: TTLs, history and index survived.
  for (Store* st : {&s, &back}) {
    st->Apply(SyncReq(kT0 + 100 * kSecond));
    st->Apply(SetReq("/1/after", "x"));
  }
  EXPECT_EQ(back.Save(), s.Save());
  EXPECT_FALSE(back.HasTtlKeys());

  std::string from_history_a, from_history_b;
  s.Watch("/1/ttl", false, false, 1, [&](const EventPtr& e) {
    AppendEventJson(from_history_a, *e, "/1");
    return true;
  });
  back.Watch("/1/ttl", false, false, 1, [&](const EventPtr& e) {
    AppendEventJson(from_history_b, *e, "/1");
    return true;
  });
  EXPECT_FALSE(from_history_a.empty());
  EXPECT_EQ(from_history_a, from_history_b);
}

TEST(Snapshot, EqualRequestsGiveEqualBytesWhateverTheLocalActivity) {
  Store a, b;
  b.Watch("/1", true, true, 0, [](const EventPtr&) { return true; });
  for (const Request& r : Workload()) {
    a.Apply(r);
    b.Apply(r);
    b.Get("/1", true, false, kT0);
  }
  EXPECT_EQ(a.Save(), b.Save());
}

TEST(Snapshot, EmptyStoreRoundTrips) {
  Store s;
  auto r = Store::Recover(s.Save());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Save(), s.Save());
  EXPECT_EQ(Answers(*r), Answers(s));
}

TEST(Snapshot, FullHistoryRoundTripsAndStillAnswers401) {
  Store s;
  for (int i = 0; i < 1100; ++i) s.Apply(SetReq("/1/k", std::to_string(i)));
  auto r = Store::Recover(s.Save());
  ASSERT_TRUE(r.ok());
  auto w = r->Watch("/1/k", false, false, 100, [](const EventPtr&) { return true; });
  ASSERT_TRUE(std::holds_alternative<Error>(w));
  EXPECT_EQ(std::get<Error>(w).cause, "the requested history has been cleared [101/100]");
}

TEST(Snapshot, RecoverRejectsEveryTruncation) {
  std::string saved = Loaded().Save();
  for (size_t n = 0; n < saved.size(); ++n) {
    auto r = Store::Recover(std::string_view(saved).substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes recovered";
    EXPECT_EQ(r.status().code(), base::Code::kCorruption);
  }
}

TEST(Snapshot, RecoverRejectsTrailingBytesAndUnknownVersion) {
  std::string saved = Loaded().Save();
  auto r = Store::Recover(saved + "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trailing bytes"), std::string::npos);
  std::string bad = saved;
  bad[0] = 99;
  r = Store::Recover(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("version"), std::string::npos);
}

TEST(Snapshot, RecoverSurvivesCorruptedBytes) {
  std::string saved = Loaded().Save();
  std::mt19937 rng(42);
  for (int round = 0; round < 3000; ++round) {
    std::string bad = saved;
    int flips = 1 + round % 4;
    for (int i = 0; i < flips; ++i) bad[rng() % bad.size()] = static_cast<char>(rng());
    auto r = Store::Recover(bad);
    if (!r.ok()) continue;
    // Whatever is accepted is a working store.
    Answers(*r);
    r->Apply(SyncReq(kT0 + 1000 * kSecond));
    r->Apply(SetReq("/1/x/y", "v"));
    auto again = Store::Recover(r->Save());
    EXPECT_TRUE(again.ok());
  }
}

TEST(Snapshot, RecoverSurvivesRandomGarbage) {
  std::mt19937 rng(7);
  for (int round = 0; round < 3000; ++round) {
    std::string bad(rng() % 64, '\0');
    for (char& c : bad) c = static_cast<char>(rng());
    if (!bad.empty()) bad[0] = 1;  // get past the version byte
    auto r = Store::Recover(bad);
    if (r.ok()) Answers(*r);
  }
}

TEST(Snapshot, DeepTreeSavesRecoversAndFreesWithoutRecursion) {
  // 100,000 levels would overflow the stack of any recursive walk.
  std::string path = "/1";
  for (int i = 0; i < 100'000; ++i) path += "/d";
  Store s;
  Ok(s.Apply(SetReq(path, "bottom")));
  std::string saved = s.Save();
  auto r = Store::Recover(saved);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Save(), saved);
  EXPECT_EQ(Ok(r->Get(path, false, false, kT0))->node.value, "bottom");
  Request del = Req(Op::kDelete, "/1/d");
  del.recursive = true;
  Ok(r->Apply(del));
}

}  // namespace
}  // namespace flotilla::kv

// Watches: live notification rules, history replay, one-shot and stream.
#include <gtest/gtest.h>

#include "kv/store.h"
#include "kv_test_util.h"

namespace flotilla::kv {
namespace {

using namespace kvtest;  // the shared helpers of kv_test_util.h

// Collects what a watch receives.
struct Recorder {
  std::vector<EventPtr> events;
  bool keep = true;  // what the sink answers
  WatchSink Sink() {
    return [this](const EventPtr& e) {
      events.push_back(e);
      return keep;
    };
  }
  std::vector<std::string> Summary() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      out.push_back(std::string(ActionName(e->action)) + " " + e->node.key + " " +
                    std::to_string(e->index()));
    }
    return out;
  }
};

uint64_t MustWatch(Store& s, const std::string& path, bool recursive, bool stream, Index since,
                   Recorder& rec) {
  auto w = s.Watch(path, recursive, stream, since, rec.Sink());
  EXPECT_TRUE(std::holds_alternative<uint64_t>(w));
  return std::holds_alternative<uint64_t>(w) ? std::get<uint64_t>(w) : 0;
}

Request Recursive(Request r) {
  r.recursive = true;
  return r;
}

TEST(Watch, OneShotWatchGetsNextEventThenEnds) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1/foo", false, false, 0, rec);
  EXPECT_EQ(s.stats().watchers, 1u);
  Ok(s.Apply(Req(Op::kCreate, "/1/foo", "bar")));
  Ok(s.Apply(SetReq("/1/foo", "baz")));
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"create /1/foo 1"}));
  EXPECT_EQ(rec.events[0]->etcd_index, 1u);
  EXPECT_EQ(s.stats().watchers, 0u);
}

TEST(Watch, StreamWatchKeepsReceiving) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1/foo", false, true, 0, rec);
  Ok(s.Apply(Req(Op::kCreate, "/1/foo", "bar")));
  Ok(s.Apply(Req(Op::kUpdate, "/1/foo", "baz")));
  Ok(s.Apply(SetReq("/1/other", "x")));
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"create /1/foo 1", "update /1/foo 2"}));
  EXPECT_EQ(s.stats().watchers, 1u);
}

TEST(Watch, NonRecursiveWatchOnDirIgnoresChildChanges) {
  Store s;
  Ok(s.Apply(DirReq(Op::kSet, "/1/dir")));
  Recorder rec;
  MustWatch(s, "/1/dir", false, false, 0, rec);
  Ok(s.Apply(SetReq("/1/dir/child", "v")));
  EXPECT_TRUE(rec.events.empty());
  EXPECT_EQ(s.stats().watchers, 1u);
}

TEST(Watch, RecursiveWatchSeesSubtreeOnly) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1/dir", true, true, 0, rec);
  Ok(s.Apply(SetReq("/1/dir/a/b", "v")));
  Ok(s.Apply(SetReq("/1/dirx", "v")));      // a sibling sharing the prefix
  Ok(s.Apply(Req(Op::kUpdate, "/1/dir")));  // the watched node itself
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"set /1/dir/a/b 1", "update /1/dir 3"}));
}

TEST(Watch, RecursiveWatchOnRootSeesEverything) {
  Store s;
  Recorder rec;
  MustWatch(s, "/", true, true, 0, rec);
  Ok(s.Apply(SetReq("/1/a", "v")));
  Ok(s.Apply(SetReq("/0/m", "v")));
  EXPECT_EQ(rec.events.size(), 2u);
}

TEST(Watch, RecursiveWatchSkipsHiddenKeys) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1/foo", true, true, 0, rec);
  Ok(s.Apply(SetReq("/1/foo/_bar", "v")));
  Ok(s.Apply(DirReq(Op::kCreate, "/1/foo/_baz")));
  Ok(s.Apply(SetReq("/1/foo/_baz/quux", "v")));
  Ok(s.Apply(Req(Op::kUpdate, "/1/foo/_bar", "w")));
  Ok(s.Apply(Req(Op::kDelete, "/1/foo/_bar")));
  EXPECT_TRUE(rec.events.empty());
}

TEST(Watch, ExactWatchOnHiddenKeyIsNotified) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1/_foo", false, true, 0, rec);
  Ok(s.Apply(Req(Op::kCreate, "/1/_foo", "bar")));
  Ok(s.Apply(Req(Op::kUpdate, "/1/_foo", "baz")));
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"create /1/_foo 1", "update /1/_foo 2"}));
}

TEST(Watch, RecursiveWatchBelowHiddenDirIsNotified) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1/_foo/bar", true, false, 0, rec);
  Ok(s.Apply(Req(Op::kCreate, "/1/_foo/bar/baz", "baz")));
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"create /1/_foo/bar/baz 1"}));
}

TEST(Watch, DeletingDirNotifiesWatchersOfNodesInside) {
  Store s;
  Ok(s.Apply(SetReq("/1/dir/sub/leaf", "v")));
  Recorder leaf, sub;
  MustWatch(s, "/1/dir/sub/leaf", false, false, 0, leaf);
  MustWatch(s, "/1/dir/sub", false, false, 0, sub);
  Ok(s.Apply(Recursive(Req(Op::kDelete, "/1/dir"))));
  EXPECT_EQ(leaf.Summary(), (std::vector<std::string>{"delete /1/dir 2"}));
  EXPECT_EQ(sub.Summary(), (std::vector<std::string>{"delete /1/dir 2"}));
  EXPECT_TRUE(leaf.events[0]->prev_node->dir);
}

TEST(Watch, ExpiringDirNotifiesWatchersOfNodesInside) {
  Store s;
  Request r = DirReq(Op::kSet, "/1/dir");
  r.expiration = kT0 + kSecond;
  Ok(s.Apply(r));
  Ok(s.Apply(SetReq("/1/dir/_hidden", "v")));
  Recorder rec;
  MustWatch(s, "/1/dir/_hidden", false, false, 0, rec);
  Ok(s.Apply(SyncReq(kT0 + kSecond)));
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"expire /1/dir 3"}));
  EXPECT_TRUE(rec.events[0]->node.dir);
}

TEST(Watch, StreamWatcherOnDeletedKeyHearsItTwiceLikeEtcd) {
  // etcd 3.4 offers the event once as a removed node and once at its key.
  Store s;
  Ok(s.Apply(SetReq("/1/k", "v")));
  Recorder rec;
  MustWatch(s, "/1/k", false, true, 0, rec);
  Ok(s.Apply(Req(Op::kDelete, "/1/k")));
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"delete /1/k 2", "delete /1/k 2"}));
}

TEST(Watch, RefreshIsNotDeliveredAndSkippedInHistory) {
  Store s;
  Request set = SetReq("/1/k", "v");
  set.expiration = kT0 + 5 * kSecond;
  Ok(s.Apply(set));
  Recorder live;
  MustWatch(s, "/1/k", false, true, 0, live);
  Request refresh = Req(Op::kUpdate, "/1/k");
  refresh.refresh = true;
  refresh.expiration = kT0 + 50 * kSecond;
  Ok(s.Apply(refresh));
  EXPECT_TRUE(live.events.empty());
  EXPECT_EQ(s.index(), 2u);

  // A history scan from the refresh's index passes over it and waits.
  Recorder from_history;
  MustWatch(s, "/1/k", false, false, 2, from_history);
  EXPECT_TRUE(from_history.events.empty());
  Ok(s.Apply(SetReq("/1/k", "w")));
  EXPECT_EQ(from_history.Summary(), (std::vector<std::string>{"set /1/k 3"}));
}

TEST(Watch, HistoryAnswersFirstMatchingEventAtOrAfterSince) {
  Store s;
  Ok(s.Apply(SetReq("/1/a", "1")));  // 1
  Ok(s.Apply(SetReq("/1/b", "1")));  // 2
  Ok(s.Apply(SetReq("/1/a", "2")));  // 3
  Ok(s.Apply(SetReq("/1/b", "2")));  // 4
  Recorder rec;
  MustWatch(s, "/1/a", false, true, 2, rec);
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"set /1/a 3"}));
  EXPECT_EQ(rec.events[0]->etcd_index, 4u);  // the store index at watch time
  EXPECT_EQ(s.stats().watchers, 0u);         // answered from history: not registered

  // As in etcd, a stream answered from history gets nothing more.
  Ok(s.Apply(SetReq("/1/a", "3")));
  EXPECT_EQ(rec.events.size(), 1u);
}

TEST(Watch, HistoryRecursiveScanMatchesSubtree) {
  Store s;
  Ok(s.Apply(SetReq("/1/x", "1")));
  Ok(s.Apply(SetReq("/1/dir/a", "1")));
  Recorder rec;
  MustWatch(s, "/1/dir", true, false, 1, rec);
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"set /1/dir/a 2"}));
}

TEST(Watch, HistoryRecursiveScanIncludesHiddenKeysLikeEtcd) {
  Store s;
  Ok(s.Apply(SetReq("/1/dir/_h", "1")));
  Recorder rec;
  MustWatch(s, "/1/dir", true, false, 1, rec);
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"set /1/dir/_h 1"}));
}

TEST(Watch, HistoryDirDeleteMatchesKeysByRawPrefixLikeEtcd) {
  Store s;
  Ok(s.Apply(SetReq("/1/a/x", "1")));
  Ok(s.Apply(Recursive(Req(Op::kDelete, "/1/a"))));
  Recorder inside, sibling, unrelated;
  MustWatch(s, "/1/a/x/never", false, false, 1, inside);
  MustWatch(s, "/1/ab", false, false, 2, sibling);
  MustWatch(s, "/1/b", false, false, 1, unrelated);
  EXPECT_EQ(inside.Summary(), (std::vector<std::string>{"delete /1/a 2"}));
  EXPECT_EQ(sibling.Summary(), (std::vector<std::string>{"delete /1/a 2"}));
  EXPECT_TRUE(unrelated.events.empty());
}

TEST(Watch, SinceInTheFutureSkipsEarlierEvents) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1/k", false, false, 3, rec);
  Ok(s.Apply(SetReq("/1/k", "1")));
  Ok(s.Apply(SetReq("/1/k", "2")));
  EXPECT_TRUE(rec.events.empty());
  Ok(s.Apply(SetReq("/1/k", "3")));
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"set /1/k 3"}));
}

TEST(Watch, ClearedHistoryFailsWithEventIndexCleared) {
  // etcd observed at index 1036: waitIndex 8 -> "[37/8]".
  Store s;
  for (int i = 0; i < 1036; ++i) Ok(s.Apply(SetReq("/1/foo", std::to_string(i))));
  Recorder rec;
  auto w = s.Watch("/1/foo", false, false, 8, rec.Sink());
  ASSERT_TRUE(std::holds_alternative<Error>(w));
  const Error& err = std::get<Error>(w);
  EXPECT_EQ(err.code, ErrorCode::kEventIndexCleared);
  EXPECT_EQ(err.cause, "the requested history has been cleared [37/8]");
  EXPECT_EQ(err.index, 1036u);
  EXPECT_EQ(s.stats().watchers, 0u);

  MustWatch(s, "/1/foo", false, false, 37, rec);  // the oldest kept
  EXPECT_EQ(rec.Summary(), (std::vector<std::string>{"set /1/foo 37"}));
}

TEST(Watch, SinkReturningFalseRemovesStreamWatcher) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1/k", false, true, 0, rec);
  Ok(s.Apply(SetReq("/1/k", "1")));
  rec.keep = false;  // the caller's buffer is full
  Ok(s.Apply(SetReq("/1/k", "2")));
  Ok(s.Apply(SetReq("/1/k", "3")));
  EXPECT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(s.stats().watchers, 0u);
}

TEST(Watch, CancelStopsWatchAndIsIdempotent) {
  Store s;
  Recorder rec;
  uint64_t id = MustWatch(s, "/1/k", true, true, 0, rec);
  EXPECT_EQ(s.stats().watchers, 1u);
  s.Cancel(id);
  s.Cancel(id);
  s.Cancel(12345);
  EXPECT_EQ(s.stats().watchers, 0u);
  Ok(s.Apply(SetReq("/1/k", "1")));
  EXPECT_TRUE(rec.events.empty());
}

TEST(Watch, SinkMayCancelOtherWatches) {
  Store s;
  Recorder second;
  uint64_t second_id = 0;
  std::vector<EventPtr> first_events;
  s.Watch("/1/k", false, true, 0, [&](const EventPtr& e) {
    first_events.push_back(e);
    s.Cancel(second_id);
    return true;
  });
  second_id = MustWatch(s, "/1/k", false, true, 0, second);
  Ok(s.Apply(SetReq("/1/k", "1")));
  EXPECT_EQ(first_events.size(), 1u);
  EXPECT_TRUE(second.events.empty());
  EXPECT_EQ(s.stats().watchers, 1u);
}

TEST(Watch, SinkMayCancelItself) {
  Store s;
  uint64_t id = 0;
  int calls = 0;
  auto w = s.Watch("/1", true, true, 0, [&](const EventPtr&) {
    ++calls;
    s.Cancel(id);
    return true;
  });
  id = std::get<uint64_t>(w);
  Ok(s.Apply(SetReq("/1/k", "1")));
  Ok(s.Apply(SetReq("/1/k", "2")));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.stats().watchers, 0u);
}

TEST(Watch, ManyWatchersOnOneKeyAllHearOneShot) {
  Store s;
  std::vector<Recorder> recs(50);
  for (auto& r : recs) MustWatch(s, "/1/k", false, false, 0, r);
  EXPECT_EQ(s.stats().watchers, 50u);
  Ok(s.Apply(SetReq("/1/k", "1")));
  for (auto& r : recs) EXPECT_EQ(r.events.size(), 1u);
  EXPECT_EQ(s.stats().watchers, 0u);
}

TEST(Watch, WatchPathIsCleaned) {
  Store s;
  Recorder rec;
  MustWatch(s, "/1//k/", false, false, 0, rec);
  Ok(s.Apply(SetReq("/1/k", "1")));
  EXPECT_EQ(rec.events.size(), 1u);
}

TEST(Watch, FailedWritesNotifyNobody) {
  Store s;
  Ok(s.Apply(SetReq("/1/k", "1")));
  Recorder rec;
  MustWatch(s, "/", true, true, 0, rec);
  s.Apply(Req(Op::kCreate, "/1/k", "x"));
  s.Apply(Req(Op::kDelete, "/1/missing"));
  EXPECT_TRUE(rec.events.empty());
}

}  // namespace
}  // namespace flotilla::kv

// Generated histories: a real sequential run of the model, each operation's
// interval then widened randomly around its true linearization point. Such a
// history is linearizable by construction; breaking one read must be caught.
// Also: concurrent threads recording through HistoryRecorder against a
// mutex-protected map, which is linearizable by construction too.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "history_recorder.h"
#include "linearizability.h"

namespace flotilla::testing::lin {
namespace {

struct Shape {
  int clients = 5;
  int ops_per_client = 200;
  int keys = 3;
  int64_t spacing = 100;  // between consecutive true linearization points
  int64_t widen = 300;    // max distance of call / ret from that point
  double lost = 0.0;      // fraction of operations whose outcome is lost
};

using Store = std::map<std::string, std::optional<std::string>>;

// Executes `op` on `store` the way etcd would, filling in its result.
void Execute(Store& store, Operation& op) {
  std::optional<std::string>& v = store[op.key];
  bool present = v.has_value();
  bool matches = present && *v == op.prev_value;
  op.failure = Failure::kUnrecorded;
  switch (op.kind) {
    case Kind::kGet:
      op.ok = true;
      op.read = v;
      return;
    case Kind::kSet:
      op.ok = true;
      break;
    case Kind::kCreate:
      op.ok = !present;
      if (!op.ok) op.failure = Failure::kNodeExists;
      break;
    case Kind::kUpdate:
    case Kind::kDelete:
      op.ok = present;
      if (!op.ok) op.failure = Failure::kKeyNotFound;
      break;
    case Kind::kCompareAndSwap:
    case Kind::kCompareAndDelete:
      op.ok = matches;
      if (!op.ok) op.failure = present ? Failure::kCompareFailed : Failure::kKeyNotFound;
      break;
  }
  if (!op.ok) return;
  if (op.kind == Kind::kDelete || op.kind == Kind::kCompareAndDelete) {
    v.reset();
  } else {
    v = op.value;
  }
}

// A random operation on a random key; values are unique per operation, and
// expected values are usually the current one so that CAS sometimes wins.
Operation RandomOp(std::mt19937& rng, const Store& store, int client, int serial, int keys) {
  static constexpr Kind kKinds[] = {Kind::kGet,
                                    Kind::kGet,
                                    Kind::kGet,
                                    Kind::kSet,
                                    Kind::kCreate,
                                    Kind::kUpdate,
                                    Kind::kDelete,
                                    Kind::kCompareAndSwap,
                                    Kind::kCompareAndSwap,
                                    Kind::kCompareAndDelete};
  Operation op{.client = client, .kind = kKinds[rng() % std::size(kKinds)]};
  op.key = "k" + std::to_string(rng() % keys);
  op.value = "c" + std::to_string(client) + "-" + std::to_string(serial);
  auto it = store.find(op.key);
  bool present = it != store.end() && it->second.has_value();
  op.prev_value = present && rng() % 4 != 0 ? *it->second : "stale";
  return op;
}

std::vector<Operation> GenerateHistory(uint32_t seed, const Shape& shape) {
  std::mt19937 rng(seed);
  std::vector<int> owner;  // owner[i]: the client of the i-th op in true order
  for (int c = 0; c < shape.clients; ++c) owner.insert(owner.end(), shape.ops_per_client, c);
  std::shuffle(owner.begin(), owner.end(), rng);
  auto point = [&](size_t i) { return shape.spacing * static_cast<int64_t>(i + 1); };

  std::vector<size_t> next_of(owner.size(), SIZE_MAX);  // the same client's next op
  std::vector<size_t> last(shape.clients, SIZE_MAX);
  for (size_t i = owner.size(); i-- > 0;) {
    next_of[i] = last[owner[i]];
    last[owner[i]] = i;
  }
  std::uniform_int_distribution<int64_t> widen(0, shape.widen);
  std::bernoulli_distribution lost(shape.lost), reached(0.5);
  std::vector<int64_t> free_from(shape.clients, 0);  // a client is sequential
  Store store;
  std::vector<Operation> history;
  for (size_t i = 0; i < owner.size(); ++i) {
    int c = owner[i];
    Operation op = RandomOp(rng, store, c, static_cast<int>(i), shape.keys);
    bool is_lost = lost(rng);
    if (!is_lost || reached(rng)) Execute(store, op);  // a lost request may never arrive
    op.call = std::max(free_from[c], point(i) - widen(rng));
    int64_t before_next = next_of[i] == SIZE_MAX ? INT64_MAX : point(next_of[i]) - 1;
    op.ret = std::min(point(i) + widen(rng), before_next);
    free_from[c] = op.ret + 1;
    if (is_lost) op.ret = kUnknown;
    history.push_back(std::move(op));
  }
  return history;
}

bool ChangesState(const Operation& op) {
  return op.kind != Kind::kGet && op.ok;
}

// Makes one read return a value that two completed writes ago was current:
// with unique values that is never linearizable. Returns false if the history
// has no such read.
bool MakeOneReadStale(std::vector<Operation>& h) {
  for (size_t r = h.size(); r-- > 0;) {
    Operation& read = h[r];
    if (read.kind != Kind::kGet || read.ret == kUnknown) continue;
    for (const Operation& w2 : h) {
      if (w2.key != read.key || w2.ret == kUnknown || !ChangesState(w2) || w2.ret >= read.call) {
        continue;
      }
      for (const Operation& w : h) {
        bool writes_value = w.kind != Kind::kDelete && w.kind != Kind::kCompareAndDelete;
        if (w.key == read.key && w.ret != kUnknown && ChangesState(w) && writes_value &&
            w.ret < w2.call && read.read != w.value) {
          read.read = w.value;
          return true;
        }
      }
    }
  }
  return false;
}

TEST(GeneratedHistory, LinearizableByConstructionIsOk) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    CheckResult r = CheckLinearizability(GenerateHistory(seed, Shape{}));
    EXPECT_EQ(r.verdict, Verdict::kOk) << "seed " << seed << "\n" << r.explanation;
  }
}

TEST(GeneratedHistory, WithLostOperationsIsOk) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    CheckResult r = CheckLinearizability(GenerateHistory(seed, Shape{.lost = 0.05}));
    EXPECT_EQ(r.verdict, Verdict::kOk) << "seed " << seed << "\n" << r.explanation;
  }
}

TEST(GeneratedHistory, HighlyConcurrentIsOk) {
  Shape shape{.clients = 8, .ops_per_client = 60, .keys = 2, .spacing = 10, .widen = 60};
  CheckResult r = CheckLinearizability(GenerateHistory(7, shape));
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.explanation;
}

TEST(GeneratedHistory, OneStaleReadMakesItIllegal) {
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    std::vector<Operation> h = GenerateHistory(seed, Shape{.lost = 0.05});
    ASSERT_TRUE(MakeOneReadStale(h)) << "seed " << seed;
    CheckResult r = CheckLinearizability(h);
    EXPECT_EQ(r.verdict, Verdict::kIllegal) << "seed " << seed;
    EXPECT_FALSE(r.stuck.empty());
    if (seed == 1) std::cout << r.explanation;  // what a failing cluster test would print
  }
}

TEST(HistoryRecorder, ThreadsAgainstALockedMapGiveALinearizableHistory) {
  HistoryRecorder recorder;
  std::mutex mu;
  Store store;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937 rng(100 + c);
      for (int i = 0; i < 300; ++i) {
        Operation op;
        {
          std::lock_guard lock(mu);
          op = RandomOp(rng, store, c, i, 3);
        }
        int64_t id = recorder.Call(op);
        bool lose = rng() % 20 == 0;
        if (lose && rng() % 2 == 0) {
          recorder.Lost(id);  // the request never made it
          continue;
        }
        {
          std::lock_guard lock(mu);
          Execute(store, op);
        }
        if (lose) {
          recorder.Lost(id);  // it happened, but the answer was lost
        } else if (op.kind == Kind::kGet) {
          recorder.ReturnGet(id, op.read);
        } else {
          recorder.Return(id, op.ok, op.failure);
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  std::vector<Operation> h = recorder.History();
  ASSERT_EQ(h.size(), 1200u);
  CheckResult r = CheckLinearizability(h);
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.explanation;
}

TEST(HistoryRecorder, OutstandingOperationsCountAsLost) {
  HistoryRecorder recorder;
  int64_t a = recorder.Call({.kind = Kind::kSet, .key = "x", .value = "1"});
  recorder.Call({.kind = Kind::kSet, .key = "x", .value = "2"});
  recorder.Return(a, true);
  int64_t g = recorder.Call({.kind = Kind::kGet, .key = "x"});
  recorder.ReturnGet(g, "2");
  std::vector<Operation> h = recorder.History();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].call, 1);
  EXPECT_EQ(h[0].ret, 3);
  EXPECT_EQ(h[1].ret, kUnknown);
  EXPECT_EQ(CheckLinearizability(h).verdict, Verdict::kOk);
}

}  // namespace
}  // namespace flotilla::testing::lin

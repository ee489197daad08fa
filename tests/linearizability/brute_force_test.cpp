// Cross-checks the search against the definition: for thousands of small
// random histories (one key, few values, much overlap, lost writes), try
// every subset of the lost writes and every order that respects real time,
// and compare with CheckLinearizability(). This pins the search's pruning
// (memo subsumption, interchangeable lost ops, unobserved-value abstraction)
// to the plain meaning of linearizability.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "linearizability.h"
#include "linearizability_model.h"

namespace flotilla::testing::lin {
namespace {

// Whether some order of the known ops plus some subset of the lost writes
// respects real time and replays on the model with the recorded results.
bool LinearizableByEnumeration(std::vector<Operation> h) {
  std::erase_if(h, [](const Operation& op) { return op.kind == Kind::kGet && op.ret == kUnknown; });
  std::vector<int> lost;
  for (int i = 0; i < static_cast<int>(h.size()); ++i) {
    if (h[i].ret == kUnknown) lost.push_back(i);
  }
  for (uint32_t subset = 0; subset < (1u << lost.size()); ++subset) {
    std::vector<int> order;
    for (int i = 0; i < static_cast<int>(h.size()); ++i) {
      auto it = std::find(lost.begin(), lost.end(), i);
      if (it == lost.end() || (subset >> (it - lost.begin())) & 1) order.push_back(i);
    }
    do {
      bool fits = true;
      for (size_t a = 0; a < order.size() && fits; ++a) {
        for (size_t b = a + 1; b < order.size() && fits; ++b) {
          fits = !(h[order[b]].ret < h[order[a]].call);  // b returned before a was called
        }
      }
      KeyState state;
      for (size_t a = 0; a < order.size() && fits; ++a) {
        Transition t = Step(state, h[order[a]]);
        fits = t.legal;
        state = t.next;
      }
      if (fits) return true;
    } while (std::next_permutation(order.begin(), order.end()));
  }
  return false;
}

// A run of the model in a random order with intervals widened around each
// linearization point, then maybe one result flipped, maybe some writes lost.
std::vector<Operation> SmallHistory(std::mt19937& rng) {
  static const char* kValues[] = {"a", "b", "c", "d"};
  auto value = [&] { return std::string(kValues[rng() % 4]); };
  int n = 3 + static_cast<int>(rng() % 5);
  std::vector<Operation> h;
  KeyState state;
  for (int i = 0; i < n; ++i) {
    Operation op{.client = i, .kind = static_cast<Kind>(rng() % 7), .key = "k"};
    if (op.kind != Kind::kGet) op.value = value();
    op.prev_value = state && rng() % 2 ? *state : value();
    bool lost = op.kind != Kind::kGet && rng() % 4 == 0;
    if (!lost || rng() % 2) {  // a lost write may or may not have happened
      Operation probe = op;
      probe.ok = true;
      probe.read = state;
      probe.ret = probe.call;
      op.ok = Step(state, probe).legal;  // whether it succeeds here
      if (op.kind == Kind::kGet) op.read = state;
      if (!op.ok && rng() % 2) {
        op.failure = op.kind == Kind::kCreate ? Failure::kNodeExists
                     : state                  ? Failure::kCompareFailed
                                              : Failure::kKeyNotFound;
      }
      probe.ok = op.ok;
      state = Step(state, probe).next;
    }
    int64_t point = 10 * (i + 1);
    op.call = point - static_cast<int64_t>(rng() % 25);
    op.ret = lost ? kUnknown : point + static_cast<int64_t>(rng() % 25);
    h.push_back(std::move(op));
  }
  if (rng() % 2) {  // flip one recorded result
    Operation& op = h[rng() % h.size()];
    if (op.kind == Kind::kGet) {
      op.read = rng() % 3 == 0 ? std::nullopt : std::optional(value());
    } else if (op.kind != Kind::kSet) {
      op.ok = !op.ok;
      op.failure = Failure::kUnrecorded;
    }
  }
  return h;
}

TEST(BruteForce, SearchAgreesWithEnumerationOnSmallHistories) {
  constexpr int kRounds = 20000;
  std::mt19937 rng(2024);
  int legal = 0, illegal = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<Operation> h = SmallHistory(rng);
    bool expected = LinearizableByEnumeration(h);
    CheckResult r = CheckLinearizability(h);
    ASSERT_EQ(r.verdict, expected ? Verdict::kOk : Verdict::kIllegal) << [&] {
      std::string s = "round " + std::to_string(round) + "\n";
      for (const Operation& op : h) s += "  " + Describe(op) + "\n";
      return s + r.explanation;
    }();
    ++(expected ? legal : illegal);
  }
  // Both answers must be well represented for the comparison to mean much.
  EXPECT_GT(legal, kRounds / 5);
  EXPECT_GT(illegal, kRounds / 10);
}

}  // namespace
}  // namespace flotilla::testing::lin

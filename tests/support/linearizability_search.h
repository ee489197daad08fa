// The search behind CheckLinearizability() for the operations of one key:
// Wing & Gong's backtracking as refined by Lowe ("Testing for
// linearizability", 2017) and implemented by Porcupine's checkSingle.
//
// The calls and returns of operations with a known result sit on a doubly
// linked list in time order. The search walks it from the front: at a call
// it tries to linearize that operation now (the model must accept its
// recorded result), lifting its call and return off the list and starting
// again from the front; at a return it has found an operation that must
// already have been linearized, and it backtracks. Lost operations (unknown
// outcome) never block anything; they are offered at each dead end before
// backtracking. Explored configurations are memoized, so the work is bounded
// by the number of distinct ones: near-linear while few operations overlap,
// exponential at worst. Three reductions, each exact (the verdict is what
// plain enumeration gives; brute_force_test.cpp checks it), keep lost
// writes from multiplying that number:
//   - subsumption: a configuration is skipped if one with the same linearized
//     known ops and state but a subset of its lost ops applied was explored;
//   - interchangeable lost ops (same effect) are applied in call order only;
//   - values that no op reads or compares against are one state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "linearizability.h"
#include "linearizability_model.h"

namespace flotilla::testing::lin {

struct KeyOutcome {
  Verdict verdict = Verdict::kOk;
  // kIllegal: the linearization that placed the most operations with a known
  // result, as indices into the input; the operations that could have come
  // next, every one rejected by the model; the pending operation that returns
  // first (all of them were called before it returned); the state reached.
  std::vector<int> prefix;
  std::vector<int> stuck;
  int blocker = -1;
  KeyState state;
  std::string why;  // kUnknown: which budget ran out
};

// `ops` all concern one key; reads with unknown outcome already removed.
KeyOutcome SearchKey(const std::vector<const Operation*>& ops, uint64_t max_steps,
                     std::optional<std::chrono::steady_clock::time_point> deadline);

}  // namespace flotilla::testing::lin

// Linearizability checking for histories of etcd v2 key operations.
//
// Contract. A history is what concurrent clients observed against a cluster:
// for every operation its arguments, its result and the interval [call, ret]
// in which it was outstanding (timestamps from one clock shared by all
// clients, e.g. HistoryRecorder's counter). CheckLinearizability() answers
// whether some total order of the operations (a) respects real time: an
// operation that returned before another was called comes first, and (b)
// replays on the sequential model below giving exactly the recorded results.
// An interval that ends at the very time another begins overlaps it.
//
// The model is a map from key to std::optional<std::string> (nullopt = "key
// not found"), all keys initially absent, with etcd v2 semantics:
//   Get               result: found + value, or not found
//   Set               always succeeds
//   Create            prevExist=false: succeeds iff absent (else 105)
//   Update            prevExist=true:  succeeds iff present (else 100)
//   CompareAndSwap    prevValue=P: succeeds iff present and == P
//                     (else 101 compare failed, or 100 key not found)
//   Delete            succeeds iff present (else 100)
//   CompareAndDelete  prevValue=P: as CompareAndSwap, removing the key
// A failed operation did not change the state. An operation whose outcome the
// client never learned (timeout, lost connection) has ret = kUnknown: if it is
// a write it may have taken effect at any point after its call, or never
// (Porcupine's treatment: its return is at infinity); if it is a Get it
// carries no information and is dropped.
//
// Keys are independent, so the history is split per key and each part is
// searched separately (P-compositionality, Horn & Kroening 2015) with the
// Wing-Gong algorithm as refined by Lowe ("Testing for linearizability",
// 2017): depth-first over which pending operation linearizes next, memoizing
// (set of linearized ops, state) pairs. The search is exponential in the
// worst case, so work is capped (CheckOptions); hitting the cap yields
// kUnknown, never a guess. Linearizable histories check fast. Refuting a
// long history is the expensive case when one key has many lost writes: the
// search must rule out every place each of them could have taken effect
// (linearizability_search.h lists what keeps that in check).
//
// Pure: no threads, no I/O. Thread-compatible (no shared state).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace flotilla::testing::lin {

// The return time of an operation whose outcome the client never learned.
inline constexpr int64_t kUnknown = std::numeric_limits<int64_t>::max();

enum class Kind { kGet, kSet, kCreate, kUpdate, kCompareAndSwap, kDelete, kCompareAndDelete };

// Why a write failed, when the client recorded it (etcd v2 errorCode). Only
// CompareAndSwap and CompareAndDelete have two possible reasons; with
// kUnrecorded either is accepted.
enum class Failure {
  kUnrecorded,
  kKeyNotFound /*100*/,
  kCompareFailed /*101*/,
  kNodeExists /*105*/
};

struct Operation {
  int client = 0;
  Kind kind = Kind::kGet;
  std::string key;
  std::string value;       // Set, Create, Update, CompareAndSwap: the new value
  std::string prev_value;  // CompareAndSwap, CompareAndDelete: the expected value
  // Result (ignored when ret == kUnknown).
  bool ok = false;                         // writes: succeeded; ignored for Get
  std::optional<std::string> read;         // Get: the value seen, nullopt = not found
  Failure failure = Failure::kUnrecorded;  // failed writes only
  int64_t call = 0;
  int64_t ret = kUnknown;
};

enum class Verdict { kOk, kIllegal, kUnknown };

struct CheckOptions {
  // Search steps (one step = one candidate looked at, or one backtrack) per
  // key before giving up with kUnknown. Unlike the time budget this gives
  // the same verdict on every machine.
  uint64_t max_steps_per_key = 50'000'000;  // a few seconds at most
  // Wall-clock budget for the whole check; zero = none.
  std::chrono::milliseconds time_budget{0};
};

struct CheckResult {
  Verdict verdict = Verdict::kOk;
  // kIllegal: the first key found not linearizable. kUnknown: the first key
  // whose search was cut off (empty if the history itself was malformed).
  std::string key;
  // kIllegal: the longest linearizable prefix the search reached for `key`
  // (the one placing the most operations with a known result, in
  // linearization order; lost writes in it are taken to apply where they
  // stand), and the operations that could come next after it, none of which
  // the model accepts. Empty otherwise.
  std::vector<Operation> prefix;
  std::vector<Operation> stuck;
  // Human-readable account of the above, or of why the verdict is kUnknown.
  std::string explanation;
};

CheckResult CheckLinearizability(const std::vector<Operation>& history,
                                 const CheckOptions& options = {});

// One line, e.g. `c2 cas("k", prev="a", value="b") -> compare failed [14, 19]`.
std::string Describe(const Operation& op);
std::string Describe(Verdict verdict);

}  // namespace flotilla::testing::lin

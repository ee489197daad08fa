#include "linearizability_search.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace flotilla::testing::lin {
namespace {

using Clock = std::chrono::steady_clock;
using Bits = std::vector<uint64_t>;

void Set(Bits& b, int i) {
  b[i / 64] |= uint64_t{1} << (i % 64);
}
void Clear(Bits& b, int i) {
  b[i / 64] &= ~(uint64_t{1} << (i % 64));
}
bool Test(const Bits& b, int i) {
  return (b[i / 64] >> (i % 64)) & 1;
}
bool Subset(const Bits& a, const Bits& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] & ~b[i]) return false;
  }
  return true;
}

// The configurations explored so far. A configuration is the set of
// linearized operations with a known result, the state, and the set of
// linearized operations with unknown outcome ("lost"). Porcupine memoizes
// exact configurations; this also drops a configuration when one that agrees
// on the first two but has linearized a subset of its lost operations was
// seen: lost operations never have to be linearized, so that one can do
// everything this one can. Without it every lost write that was applied and
// then overwritten doubles the configurations for the rest of the history.
class Memo {
 public:
  // False if (known, state, lost) or a configuration subsuming it was seen.
  bool Insert(const Bits& known, const KeyState& state, const Bits& lost) {
    std::vector<Bits>& seen = seen_[Key{known, state}];
    for (const Bits& s : seen) {
      if (Subset(s, lost)) return false;
    }
    std::erase_if(seen, [&](const Bits& s) { return Subset(lost, s); });
    seen.push_back(lost);
    return true;
  }

 private:
  struct Key {
    Bits known;
    KeyState state;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t h = 1469598103934665603ull;  // FNV-1a over the words
      for (uint64_t w : k.known) h = (h ^ w) * 1099511628211ull;
      h ^= k.state ? std::hash<std::string>()(*k.state) + 1 : 0;
      return static_cast<size_t>(h * 0x9e3779b97f4a7c15ull);
    }
  };
  std::unordered_map<Key, std::vector<Bits>, KeyHash> seen_;
};

bool Writes(Kind k) {
  return k == Kind::kSet || k == Kind::kCreate || k == Kind::kUpdate || k == Kind::kCompareAndSwap;
}
bool Compares(Kind k) {
  return k == Kind::kCompareAndSwap || k == Kind::kCompareAndDelete;
}

// Stands for every value in observed_'s complement (see Apply).
const std::string kUnobserved = "\x01flotilla-lin: a value no op reads or compares\x01";

// One call or return of an operation with a known result, on the list of
// those not yet linearized. Index 0 is the head sentinel; next == -1 ends it.
struct Event {
  int op = -1;
  int match = -1;  // calls: the index of the matching return; returns: -1
  int prev = -1;
  int next = -1;
};

// Operations with a known result live on the event list. Lost operations
// return at infinity, so they never block anything and are kept apart,
// sorted by call: one is a candidate whenever it was called before the first
// pending return. At each configuration the known candidates are tried
// first; only then the lost ones, and those all at once: every lost
// successor is entered in the memo before any is explored. Both orders make
// the configurations where a lost op is still pending come first, so that
// they subsume (see Memo) the ones where it was applied and later
// overwritten, or applied and then superseded by another lost op.
class KeySearch {
 public:
  explicit KeySearch(const std::vector<const Operation*>& ops) : ops_(ops) {
    for (int i = 0; i < static_cast<int>(ops_.size()); ++i) {
      slot_.push_back(IsLost(i) ? static_cast<int>(lost_.size()) : known_count_++);
      if (IsLost(i)) lost_.push_back(i);
    }
    std::stable_sort(lost_.begin(), lost_.end(),
                     [&](int a, int b) { return ops_[a]->call < ops_[b]->call; });
    for (const Operation* op : ops_) {
      if (op->kind == Kind::kGet && op->read) observed_.insert(*op->read);
      if (Compares(op->kind)) observed_.insert(op->prev_value);
    }
    abstract_ = !observed_.contains(kUnobserved);
    // Lost ops with the same effect are interchangeable once both were
    // called; twin_ chains them in call order (see LostSuccessors).
    twin_.assign(ops_.size(), -1);
    std::map<std::tuple<Kind, std::string, std::string>, int> last;
    for (int op : lost_) {
      const Operation& o = *ops_[op];
      std::string value = Writes(o.kind) ? Abstract(o.value) : "";
      auto [it, fresh] =
          last.try_emplace({o.kind, value, Compares(o.kind) ? o.prev_value : ""}, op);
      if (!fresh) twin_[op] = std::exchange(it->second, op);
    }
    known_bits_.assign((known_count_ + 63) / 64, 0);
    lost_bits_.assign((lost_.size() + 63) / 64, 0);
    BuildEvents();
  }

  KeyOutcome Run(uint64_t max_steps, std::optional<Clock::time_point> deadline) {
    struct Frame {
      int op;
      int resume;  // known: its call event; lost: its index in passes.back()
      KeyState state_before;
    };
    std::vector<Frame> calls;
    std::vector<LostPass> passes;  // one per configuration in its lost phase
    KeyState state;
    memo_.Insert(known_bits_, state, lost_bits_);
    int known_done = 0, best = -1;
    KeyOutcome out;
    uint64_t steps = 0;
    int e = events_[0].next;  // known phase: the next event to look at
    int li = -1;              // lost phase (li >= 0): the next successor
    // Once every operation with a known result is placed, the lost ones can
    // all be "never happened": done.
    while (known_done < known_count_) {
      if (++steps > max_steps) {
        out.verdict = Verdict::kUnknown;
        out.why = "gave up after " + std::to_string(max_steps) + " search steps";
        return out;
      }
      if (deadline && steps % 4096 == 0 && Clock::now() > *deadline) {
        out.verdict = Verdict::kUnknown;
        out.why = "time budget ran out after " + std::to_string(steps) + " search steps";
        return out;
      }
      if (li < 0 && events_[e].match >= 0) {  // a call: linearize it now?
        int op = events_[e].op;
        Transition t = Apply(state, op);
        if (t.legal && Visit(op, t.next)) {
          calls.push_back({op, e, std::move(state)});
          state = std::move(t.next);
          ++known_done;
          Lift(e);
          e = events_[0].next;
        } else {
          e = events_[e].next;
        }
        continue;
      }
      if (li < 0) {  // reached a return: on to the lost candidates
        passes.push_back(LostSuccessors(e, state, steps));
        li = 0;
        continue;
      }
      if (li < static_cast<int>(passes.back().next.size())) {
        auto& [op, next] = passes.back().next[li];
        calls.push_back({op, li, std::move(state)});
        state = std::move(next);
        Set(lost_bits_, slot_[op]);
        e = events_[0].next;
        li = -1;
        continue;
      }
      // Every candidate before the first pending return was tried: a dead
      // end. Note the deepest one, then undo the latest choice.
      if (known_done > best) {
        best = known_done;
        Record(out, calls, passes.back().blocker, state);
      }
      passes.pop_back();
      if (calls.empty()) {
        out.verdict = Verdict::kIllegal;
        out.state.reset();  // the concrete state, not the abstracted one
        for (int op : out.prefix) out.state = Step(out.state, *ops_[op]).next;
        return out;
      }
      Frame top = std::move(calls.back());
      calls.pop_back();
      state = std::move(top.state_before);
      if (IsLost(top.op)) {
        Clear(lost_bits_, slot_[top.op]);
        li = top.resume + 1;
      } else {
        Clear(known_bits_, slot_[top.op]);
        --known_done;
        Unlift(top.resume);
        e = events_[top.resume].next;
        li = -1;
      }
    }
    return out;
  }

 private:
  bool IsLost(int op) const { return ops_[op]->ret == kUnknown; }

  // Step() with one abstraction: the model only ever compares a value with
  // a get's result or a compare's prevValue, so all values that no op of
  // this key reads or compares with behave alike and become one state.
  // Writes of unique values that nobody reads then stop multiplying the
  // configurations.
  Transition Apply(const KeyState& state, int op) const {
    Transition t = Step(state, *ops_[op]);
    if (t.next) t.next = Abstract(std::move(*t.next));
    return t;
  }
  std::string Abstract(std::string value) const {
    return abstract_ && !observed_.contains(value) ? kUnobserved : value;
  }

  struct LostPass {
    int blocker;                                 // the first pending return
    std::vector<std::pair<int, KeyState>> next;  // lost op, the state after it
  };

  // The lost ops that may go next in `state` (called before `blocker`) and
  // lead to a configuration not seen yet, each entered in the memo. A lost
  // op that would change nothing is left out: leaving it pending subsumes it.
  LostPass LostSuccessors(int blocker, const KeyState& state, uint64_t& steps) {
    LostPass pass{blocker, {}};
    int64_t limit = ops_[events_[blocker].op]->ret;
    for (int op : lost_) {
      if (ops_[op]->call > limit) break;
      ++steps;
      if (Test(lost_bits_, slot_[op])) continue;
      // Identical lost ops are interchangeable once called: apply them in
      // call order, so that only one of the ways to pick some is explored.
      if (twin_[op] >= 0 && !Test(lost_bits_, slot_[twin_[op]])) continue;
      Transition t = Apply(state, op);
      if (t.next != state && Visit(op, t.next)) {
        Clear(lost_bits_, slot_[op]);  // entered in the memo, explored later
        pass.next.emplace_back(op, std::move(t.next));
      }
    }
    return pass;
  }

  // Marks `op` linearized, reaching `next`, unless that configuration (or
  // one subsuming it) was explored already; then changes nothing.
  bool Visit(int op, const KeyState& next) {
    Bits& bits = IsLost(op) ? lost_bits_ : known_bits_;
    Set(bits, slot_[op]);
    if (memo_.Insert(known_bits_, next, lost_bits_)) return true;
    Clear(bits, slot_[op]);
    return false;
  }

  void Record(KeyOutcome& out, const auto& calls, int blocker, const KeyState& state) const {
    out.prefix.clear();
    for (const auto& f : calls) out.prefix.push_back(f.op);
    out.stuck.clear();
    // At the deepest dead end every candidate with a known result is
    // rejected by the model (Memo's subsumption cannot hide a deeper one).
    for (int c = events_[0].next; c != blocker; c = events_[c].next) {
      if (!Step(state, *ops_[events_[c].op]).legal) out.stuck.push_back(events_[c].op);
    }
    out.blocker = events_[blocker].op;
    out.state = state;
  }

  void BuildEvents() {
    struct Stamp {
      int64_t time;
      bool is_return;
      int op;
    };
    std::vector<Stamp> stamps;
    for (int i = 0; i < static_cast<int>(ops_.size()); ++i) {
      if (IsLost(i)) continue;
      stamps.push_back({ops_[i]->call, false, i});
      stamps.push_back({ops_[i]->ret, true, i});
    }
    // At equal times calls go first: such intervals count as overlapping.
    std::sort(stamps.begin(), stamps.end(), [](const Stamp& a, const Stamp& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.is_return != b.is_return) return !a.is_return;
      return a.op < b.op;
    });
    events_.resize(stamps.size() + 1);
    std::vector<int> return_of(ops_.size());
    for (size_t i = 0; i < stamps.size(); ++i) {
      if (stamps[i].is_return) return_of[stamps[i].op] = static_cast<int>(i + 1);
    }
    for (size_t i = 0; i < events_.size(); ++i) {
      Event& ev = events_[i];
      ev.prev = static_cast<int>(i) - 1;
      ev.next = i + 1 < events_.size() ? static_cast<int>(i + 1) : -1;
      if (i == 0) continue;
      ev.op = stamps[i - 1].op;
      if (!stamps[i - 1].is_return) ev.match = return_of[ev.op];
    }
  }

  // Unlinks a call and its return.
  void Lift(int call) {
    for (int x : {call, events_[call].match}) {
      const Event& ev = events_[x];
      events_[ev.prev].next = ev.next;
      if (ev.next >= 0) events_[ev.next].prev = ev.prev;
    }
  }

  // Relinks them, in reverse order; undoes the matching Lift exactly because
  // lifts and unlifts nest like a stack.
  void Unlift(int call) {
    for (int x : {events_[call].match, call}) {
      const Event& ev = events_[x];
      events_[ev.prev].next = x;
      if (ev.next >= 0) events_[ev.next].prev = x;
    }
  }

  const std::vector<const Operation*>& ops_;
  std::vector<int> slot_;                     // op -> its bit in known_bits_ or lost_bits_
  std::vector<int> lost_;                     // lost ops by call time
  std::vector<int> twin_;                     // lost op -> the previous identical lost op, or -1
  std::unordered_set<std::string> observed_;  // values some op reads or compares
  bool abstract_ = false;                     // whether Apply() abstracts
  int known_count_ = 0;
  Bits known_bits_, lost_bits_;
  std::vector<Event> events_;
  Memo memo_;
};

}  // namespace

KeyOutcome SearchKey(const std::vector<const Operation*>& ops, uint64_t max_steps,
                     std::optional<Clock::time_point> deadline) {
  return KeySearch(ops).Run(max_steps, deadline);
}

}  // namespace flotilla::testing::lin

// The sequential model of one etcd v2 key, as used by CheckLinearizability()
// (see linearizability.h for the semantics of each operation kind).
//
// The search only ever sees one key at a time, so a state is just the key's
// value. Step() is pure and total: every (state, operation) pair gives a
// verdict and a next state.
#pragma once

#include <optional>
#include <string>

#include "linearizability.h"

namespace flotilla::testing::lin {

// The value of one key; nullopt = absent ("key not found").
using KeyState = std::optional<std::string>;

struct Transition {
  bool legal = false;  // the recorded result is what the model gives in `state`
  KeyState next;       // the state after the operation (== state if it failed)
};

// Applies `op` in `state`. An operation with unknown outcome is always legal
// and takes effect exactly when the model says it would succeed.
Transition Step(const KeyState& state, const Operation& op);

// Why Step(state, op) is illegal, e.g. `read "b" but the key holds "a"`.
std::string WhyIllegal(const KeyState& state, const Operation& op);

// Non-empty if no client could have recorded `op` as it stands (a failed Set,
// a failure reason the kind cannot produce, ret before call): the history is
// malformed and cannot be judged.
std::string WhyMalformed(const Operation& op);

// `"a"` or `absent`.
std::string DescribeState(const KeyState& state);

}  // namespace flotilla::testing::lin

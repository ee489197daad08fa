#include "linearizability_model.h"

#include <cstdio>

namespace flotilla::testing::lin {
namespace {

// Whether `op` succeeds in `state` (Get always "succeeds").
bool Succeeds(const KeyState& state, const Operation& op) {
  switch (op.kind) {
    case Kind::kGet:
    case Kind::kSet:
      return true;
    case Kind::kCreate:
      return !state.has_value();
    case Kind::kUpdate:
    case Kind::kDelete:
      return state.has_value();
    case Kind::kCompareAndSwap:
    case Kind::kCompareAndDelete:
      return state.has_value() && *state == op.prev_value;
  }
  return false;
}

// The state after `op` succeeded in `state`.
KeyState Effect(const KeyState& state, const Operation& op) {
  switch (op.kind) {
    case Kind::kGet:
      return state;
    case Kind::kSet:
    case Kind::kCreate:
    case Kind::kUpdate:
    case Kind::kCompareAndSwap:
      return op.value;
    case Kind::kDelete:
    case Kind::kCompareAndDelete:
      return std::nullopt;
  }
  return state;
}

// The reason etcd gives when `op` fails in `state`.
Failure ExpectedFailure(const KeyState& state, const Operation& op) {
  if (op.kind == Kind::kCreate) return Failure::kNodeExists;
  return state.has_value() ? Failure::kCompareFailed : Failure::kKeyNotFound;
}

bool CanFailWith(Kind kind, Failure failure) {
  switch (kind) {
    case Kind::kGet:
    case Kind::kSet:
      return false;
    case Kind::kCreate:
      return failure == Failure::kNodeExists;
    case Kind::kUpdate:
    case Kind::kDelete:
      return failure == Failure::kKeyNotFound;
    case Kind::kCompareAndSwap:
    case Kind::kCompareAndDelete:
      return failure == Failure::kKeyNotFound || failure == Failure::kCompareFailed;
  }
  return false;
}

std::string Quote(const std::string& s) {
  constexpr size_t kMaxShown = 40;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  if (s.size() > kMaxShown) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

const char* FailureName(Failure f) {
  switch (f) {
    case Failure::kUnrecorded:
      return "failed";
    case Failure::kKeyNotFound:
      return "key not found";
    case Failure::kCompareFailed:
      return "compare failed";
    case Failure::kNodeExists:
      return "node exists";
  }
  return "failed";
}

std::string Call(const Operation& op) {
  std::string k = Quote(op.key);
  switch (op.kind) {
    case Kind::kGet:
      return "get(" + k + ")";
    case Kind::kSet:
      return "set(" + k + ", " + Quote(op.value) + ")";
    case Kind::kCreate:
      return "create(" + k + ", " + Quote(op.value) + ")";
    case Kind::kUpdate:
      return "update(" + k + ", " + Quote(op.value) + ")";
    case Kind::kCompareAndSwap:
      return "cas(" + k + ", prev=" + Quote(op.prev_value) + ", value=" + Quote(op.value) + ")";
    case Kind::kDelete:
      return "delete(" + k + ")";
    case Kind::kCompareAndDelete:
      return "cad(" + k + ", prev=" + Quote(op.prev_value) + ")";
  }
  return "?";
}

std::string Result(const Operation& op) {
  if (op.ret == kUnknown) return "unknown";
  if (op.kind == Kind::kGet) return op.read ? Quote(*op.read) : "not found";
  return op.ok ? "ok" : FailureName(op.failure);
}

}  // namespace

Transition Step(const KeyState& state, const Operation& op) {
  bool succeeds = Succeeds(state, op);
  KeyState next = succeeds ? Effect(state, op) : state;
  if (op.ret == kUnknown) return {true, std::move(next)};
  bool legal;
  if (op.kind == Kind::kGet) {
    legal = op.read == state;
  } else if (op.ok) {
    legal = succeeds;
  } else {
    legal = !succeeds &&
            (op.failure == Failure::kUnrecorded || op.failure == ExpectedFailure(state, op));
  }
  return {legal, std::move(next)};
}

std::string WhyIllegal(const KeyState& state, const Operation& op) {
  std::string holds = "the key " + (state ? "holds " + Quote(*state) : std::string("is absent"));
  if (op.kind == Kind::kGet) {
    return (op.read ? "read " + Quote(*op.read) : std::string("read not found")) + " but " + holds;
  }
  if (op.ok) return "succeeded but " + holds;
  if (Succeeds(state, op)) return "failed but " + holds;
  return "failed with " + std::string(FailureName(op.failure)) + " but " + holds + " (would be " +
         FailureName(ExpectedFailure(state, op)) + ")";
}

std::string WhyMalformed(const Operation& op) {
  if (op.ret < op.call) return "returns before it was called";
  if (op.ret == kUnknown) return "";
  if (op.kind == Kind::kGet && op.failure != Failure::kUnrecorded) return "a get has no failure";
  if (op.kind == Kind::kSet && !op.ok) {
    return "a set cannot fail; record an error without a definite answer as Lost";
  }
  if (op.ok && op.failure != Failure::kUnrecorded) return "succeeded yet has a failure reason";
  if (!op.ok && op.failure != Failure::kUnrecorded && !CanFailWith(op.kind, op.failure)) {
    return "this kind cannot fail with " + std::string(FailureName(op.failure));
  }
  return "";
}

std::string DescribeState(const KeyState& state) {
  return state ? Quote(*state) : "absent";
}

std::string Describe(const Operation& op) {
  std::string ret = op.ret == kUnknown ? "?" : std::to_string(op.ret);
  return "c" + std::to_string(op.client) + " " + Call(op) + " -> " + Result(op) + " [" +
         std::to_string(op.call) + ", " + ret + "]";
}

std::string Describe(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk:
      return "Ok";
    case Verdict::kIllegal:
      return "Illegal";
    case Verdict::kUnknown:
      return "Unknown";
  }
  return "?";
}

}  // namespace flotilla::testing::lin

// Helpers shared by the kv tests: request builders, outcome unpacking, and
// rendering outcomes the way the HTTP layer does (namespace "/1" stripped).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "kv/json.h"
#include "kv/store.h"

namespace flotilla::kv::kvtest {

// 2023-11-14T22:13:20.123456789Z
inline constexpr base::UnixNanos kT0 = 1'700'000'000'123'456'789;
inline constexpr int64_t kSecond = 1'000'000'000;

inline Request Req(Op op, std::string path, std::string value = "") {
  Request r;
  r.op = op;
  r.path = std::move(path);
  r.value = std::move(value);
  r.time = kT0;
  return r;
}
inline Request SetReq(std::string path, std::string value = "") {
  return Req(Op::kSet, std::move(path), std::move(value));
}
inline Request DirReq(Op op, std::string path) {
  Request r = Req(op, std::move(path));
  r.dir = true;
  return r;
}
inline Request SyncReq(base::UnixNanos time) {
  Request r = Req(Op::kSync, "/");
  r.time = time;
  return r;
}

// The event of a successful outcome (fails the test otherwise).
inline EventPtr Ok(const Outcome& o) {
  if (const Error* e = std::get_if<Error>(&o)) {
    ADD_FAILURE() << "unexpected error " << static_cast<int>(e->code) << " cause " << e->cause;
    return nullptr;
  }
  return std::get<EventPtr>(o);
}

// The error of a failed outcome (fails the test otherwise).
inline Error Err(const Outcome& o) {
  if (!std::holds_alternative<Error>(o)) {
    ADD_FAILURE() << "expected an error";
    return Error{ErrorCode::kRaftInternal, "", 0};
  }
  return std::get<Error>(o);
}

// What etcd's HTTP layer would send for `o`.
inline std::string Json(const Outcome& o) {
  std::string out;
  if (const Error* e = std::get_if<Error>(&o)) {
    AppendErrorJson(out, *e, "/1");
  } else if (const EventPtr& e = std::get<EventPtr>(o)) {
    AppendEventJson(out, *e, "/1");
  }
  return out;
}

}  // namespace flotilla::kv::kvtest

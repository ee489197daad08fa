// Terse constructors for hand-written histories in the checker's tests:
// Set(client, key, value, call, ret) etc. A ret of kUnknown marks an
// operation whose outcome the client never learned.
#pragma once

#include <optional>
#include <string>

#include "linearizability.h"

namespace flotilla::testing::lin::build {

inline Operation Get(int c, const std::string& key, std::optional<std::string> read, int64_t call,
                     int64_t ret) {
  return {.client = c,
          .kind = Kind::kGet,
          .key = key,
          .ok = true,
          .read = read,
          .call = call,
          .ret = ret};
}

inline Operation Write(int c, Kind kind, const std::string& key, const std::string& value,
                       const std::string& prev, bool ok, int64_t call, int64_t ret,
                       Failure failure = Failure::kUnrecorded) {
  return {.client = c,
          .kind = kind,
          .key = key,
          .value = value,
          .prev_value = prev,
          .ok = ok,
          .failure = failure,
          .call = call,
          .ret = ret};
}

inline Operation Set(int c, const std::string& key, const std::string& value, int64_t call,
                     int64_t ret) {
  return Write(c, Kind::kSet, key, value, "", true, call, ret);
}

inline Operation Create(int c, const std::string& key, const std::string& value, bool ok,
                        int64_t call, int64_t ret) {
  return Write(c, Kind::kCreate, key, value, "", ok, call, ret);
}

inline Operation Update(int c, const std::string& key, const std::string& value, bool ok,
                        int64_t call, int64_t ret) {
  return Write(c, Kind::kUpdate, key, value, "", ok, call, ret);
}

inline Operation Cas(int c, const std::string& key, const std::string& prev,
                     const std::string& value, bool ok, int64_t call, int64_t ret,
                     Failure failure = Failure::kUnrecorded) {
  return Write(c, Kind::kCompareAndSwap, key, value, prev, ok, call, ret, failure);
}

inline Operation Delete(int c, const std::string& key, bool ok, int64_t call, int64_t ret) {
  return Write(c, Kind::kDelete, key, "", "", ok, call, ret);
}

inline Operation Cad(int c, const std::string& key, const std::string& prev, bool ok, int64_t call,
                     int64_t ret, Failure failure = Failure::kUnrecorded) {
  return Write(c, Kind::kCompareAndDelete, key, "", prev, ok, call, ret, failure);
}

}  // namespace flotilla::testing::lin::build

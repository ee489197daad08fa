// HistoryRecorder: collects a history for CheckLinearizability() from
// concurrent test clients.
//
// A client brackets every request: Call() just before the request leaves,
// then exactly one of Return() / ReturnGet() once the answer is in, or Lost()
// if it never learned the outcome (timeout, connection reset, an error that
// does not say whether the write happened). Timestamps come from one counter
// advanced under the recorder's lock, so they are unique and ordered as the
// recorder calls were; since Call precedes the request and Return follows the
// response, each recorded interval contains the moment the cluster really
// executed the operation.
//
// Thread-safe: any thread may call any method.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "linearizability.h"

namespace flotilla::testing::lin {

class HistoryRecorder {
 public:
  // Records the invocation of `op` (its result and time fields are
  // overwritten) and returns the id to complete it with.
  int64_t Call(Operation op);
  // Write `id` completed: succeeded, or failed for `failure`.
  void Return(int64_t id, bool ok, Failure failure = Failure::kUnrecorded);
  // Get `id` completed, seeing `read` (nullopt = key not found).
  void ReturnGet(int64_t id, std::optional<std::string> read);
  // The client never learned what became of `id`.
  void Lost(int64_t id);

  // Everything recorded so far; operations still outstanding appear with
  // ret = kUnknown, as if lost.
  std::vector<Operation> History() const;

 private:
  Operation& Complete(int64_t id);  // requires mu_

  mutable std::mutex mu_;
  int64_t clock_ = 0;
  std::vector<Operation> ops_;
  std::vector<bool> done_;
};

}  // namespace flotilla::testing::lin

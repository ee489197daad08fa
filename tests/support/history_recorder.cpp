#include "history_recorder.h"

#include <cassert>

namespace flotilla::testing::lin {

int64_t HistoryRecorder::Call(Operation op) {
  std::lock_guard lock(mu_);
  op.ok = false;
  op.read.reset();
  op.failure = Failure::kUnrecorded;
  op.call = ++clock_;
  op.ret = kUnknown;
  ops_.push_back(std::move(op));
  done_.push_back(false);
  return static_cast<int64_t>(ops_.size()) - 1;
}

Operation& HistoryRecorder::Complete(int64_t id) {
  assert(id >= 0 && id < static_cast<int64_t>(ops_.size()) && "unknown operation id");
  assert(!done_[id] && "operation completed twice");
  done_[id] = true;
  return ops_[id];
}

void HistoryRecorder::Return(int64_t id, bool ok, Failure failure) {
  std::lock_guard lock(mu_);
  Operation& op = Complete(id);
  assert(op.kind != Kind::kGet && "use ReturnGet for a get");
  op.ok = ok;
  op.failure = ok ? Failure::kUnrecorded : failure;
  op.ret = ++clock_;
}

void HistoryRecorder::ReturnGet(int64_t id, std::optional<std::string> read) {
  std::lock_guard lock(mu_);
  Operation& op = Complete(id);
  assert(op.kind == Kind::kGet && "use Return for a write");
  op.ok = true;
  op.read = std::move(read);
  op.ret = ++clock_;
}

void HistoryRecorder::Lost(int64_t id) {
  std::lock_guard lock(mu_);
  Complete(id).ret = kUnknown;
}

std::vector<Operation> HistoryRecorder::History() const {
  std::lock_guard lock(mu_);
  return ops_;
}

}  // namespace flotilla::testing::lin

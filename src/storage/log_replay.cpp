#include "storage/log_replay.h"

namespace flotilla::storage {

bool LogReplay::AddEntry(Entry&& entry) {
  uint64_t i = entry.index;
  if (first_ == 0 && last_ == 0) {
    if (i == 0) return false;
    first_ = i;
  } else {
    if (!ContinuesLog(last_, i)) return false;
    if (i <= last_) {  // overwrite the tail from i on
      if (!kept_.empty() && i >= kept_.front().index)
        kept_.resize(i - kept_.front().index);
      else
        kept_.clear();
      if (i < first_) first_ = i;
    }
  }
  last_ = i;
  if (i > after_) kept_.push_back(std::move(entry));
  return true;
}

void LogReplay::AddSnapshotMark(uint64_t index) {
  if (index <= last_) return;
  kept_.clear();
  first_ = index + 1;
  last_ = index;
}

}  // namespace flotilla::storage

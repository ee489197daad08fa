// LogReplay: rebuilds the raft log from WAL records, in file order.
//
// Raft's overwrite rule: an entry at index i <= the last index replaces the
// log from i on (a new leader overwrote an uncommitted tail). An entry at
// index > last + 1 is a gap, which a correct writer never produces, so it
// means lost records. A snapshot mark past the last index makes the log jump
// (a snapshot installed from the leader): older entries are forgotten and the
// log continues at mark + 1. Only entries with index > after_index (those not
// covered by the caller's snapshot) are kept in memory.
//
// A plain value type; no I/O.
#pragma once

#include <cstdint>
#include <vector>

#include "storage/wal.h"

namespace flotilla::storage {

class LogReplay {
 public:
  explicit LogReplay(uint64_t after_index) : after_(after_index) {}

  // False for a gap (or index 0); the log is then unchanged.
  bool AddEntry(Entry&& entry);
  void AddSnapshotMark(uint64_t index);

  // The first and last index of the log as replayed so far; first_index() is
  // 0 while nothing was replayed, and last + 1 right after a jump.
  uint64_t first_index() const { return first_; }
  uint64_t last_index() const { return last_; }
  // The log reaches back far enough for the caller's snapshot.
  bool CoversSnapshot() const { return last_ <= after_ || first_ <= after_ + 1; }
  std::vector<Entry> TakeEntries() { return std::move(kept_); }

 private:
  uint64_t after_;
  uint64_t first_ = 0;
  uint64_t last_ = 0;
  std::vector<Entry> kept_;  // the entries with index > after_, consecutive
};

// Whether an append starting at `index` continues a log whose last index is
// `last` (0: empty): raft allows any start on an empty log and overwrites.
inline bool ContinuesLog(uint64_t last, uint64_t index) {
  return index > 0 && (last == 0 || index <= last + 1);
}

}  // namespace flotilla::storage

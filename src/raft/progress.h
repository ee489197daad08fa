// Progress: what a leader knows about one follower's log, and the flow
// control that keeps appends to it bounded (etcd-io/raft's tracker).
//
//   kProbe      we don't know where the follower's log ends: send one append
//               at a time and wait for its answer (or a heartbeat response).
//   kReplicate  the follower is in step: stream appends optimistically, up to
//               `max_inflight` unacknowledged messages.
//   kSnapshot   the follower needs a snapshot; send nothing until the
//               transport reports its fate.
//
// Invariant: match < next.
#pragma once

#include <cstddef>
#include <deque>

#include "raft/message.h"

namespace flotilla::raft {

// The last indexes of appends in flight, oldest first, at most `capacity`.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}
  void Add(Index last) { q_.push_back(last); }
  // Acknowledges every append ending at or before `index`.
  void FreeLE(Index index) {
    while (!q_.empty() && q_.front() <= index) q_.pop_front();
  }
  void FreeFirst() {
    if (!q_.empty()) q_.pop_front();
  }
  void Reset() { q_.clear(); }
  bool full() const { return q_.size() >= capacity_; }
  size_t count() const { return q_.size(); }

 private:
  size_t capacity_;
  std::deque<Index> q_;
};

enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };
const char* ToString(ProgressState s);

struct Progress {
  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  Index match = 0;
  Index next = 1;
  ProgressState state = ProgressState::kProbe;
  bool probe_sent = false;     // kProbe: an append is out; wait for its answer
  Index pending_snapshot = 0;  // kSnapshot: the index of the snapshot sent
  bool recent_active = false;  // heard from since the last CheckQuorum
  bool learner = false;
  Inflights inflights;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(Index snapshot_index);
  // A successful append response up to n. Returns false if it was stale.
  bool MaybeUpdate(Index n);
  // Sent entries up to `last` optimistically (kReplicate).
  void OptimisticUpdate(Index last) { next = last + 1; }
  // A rejected append at `rejected`; `hint` is the follower's last index.
  // Returns false if the rejection was stale.
  bool MaybeDecrTo(Index rejected, Index hint);
  bool IsPaused() const;
};

}  // namespace flotilla::raft

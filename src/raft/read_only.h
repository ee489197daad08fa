// ReadOnly: the leader's pending ReadIndex requests (Raft thesis 6.4).
//
// A read arrives, the leader notes its commit index and sends a heartbeat
// carrying the read's context. Once a quorum answered that heartbeat, the
// leader was still the leader when the read arrived, so state at the noted
// index is linearizable for it, and for every read queued before it.
#pragma once

#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "raft/message.h"

namespace flotilla::raft {

struct ReadRequest {
  Index index = 0;      // the leader's commit index when the read arrived
  NodeId from = kNone;  // who asked (this member or a follower)
  std::string context;
  std::set<NodeId> acks;
};

class ReadOnly {
 public:
  // Returns false (and keeps the first) when `context` is already pending.
  bool Add(Index index, NodeId from, const std::string& context);
  // Records that `node` answered the heartbeat for `context`; returns the
  // acknowledgers so far (empty when the context is unknown).
  const std::set<NodeId>* Ack(NodeId node, const std::string& context);
  // Removes and returns every request up to and including `context`.
  std::vector<ReadRequest> Release(const std::string& context);
  // The context of the newest pending request ("" when none).
  std::string last_context() const { return queue_.empty() ? "" : queue_.back(); }
  void Reset() {
    pending_.clear();
    queue_.clear();
  }
  size_t size() const { return queue_.size(); }

 private:
  std::unordered_map<std::string, ReadRequest> pending_;
  std::deque<std::string> queue_;
};

}  // namespace flotilla::raft

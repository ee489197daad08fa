// TestCluster: raft members wired together in one process for the tests of
// the core. Persistence is instant and perfect, messages travel only when a
// test calls Deliver/Stabilize, and links can be cut; nothing is random.
// The fault-injecting simulation (simulation/) builds the harsh version.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft/raw_node.h"

namespace flotilla::raft::testing {

struct Member {
  explicit Member(RawNode n) : node(std::move(n)) {}
  RawNode node;
  // What the member's disk holds.
  HardState hard_state;
  std::vector<Entry> log;
  Snapshot snapshot;
  // What the member applied: normal entries' data, in order.
  std::vector<std::string> applied;
  std::vector<ReadState> reads;
  ConfState conf;
};

std::string JoinSnapshot(const std::vector<std::string>& applied);
std::vector<std::string> SplitSnapshot(const std::string& data);

class TestCluster {
 public:
  // Members 1..n, founded together, each with `base` (its id set).
  explicit TestCluster(int n, Config base = {});

  Member& at(NodeId id) { return members_.at(id); }
  RawNode& node(NodeId id) { return members_.at(id).node; }
  std::vector<NodeId> ids() const;

  // Adds a member that starts empty (to join through a conf change).
  void AddEmpty(NodeId id);
  // Handles one Ready of `id` if it has one; returns whether it had.
  bool ProcessReady(NodeId id);
  // Delivers every queued message (dropping those on cut links); returns
  // how many were delivered.
  size_t Deliver();
  // ProcessReady and Deliver until nothing moves.
  void Stabilize();
  void Tick(NodeId id, int ticks = 1);
  // Ticks everyone (and stabilizes after each tick) until `id` or anyone
  // leads; returns the leader (kNone after `max_ticks`).
  NodeId ElectAny(int max_ticks = 200);
  NodeId Leader() const;

  void Cut(NodeId a, NodeId b);  // both directions
  void Isolate(NodeId id);
  void Heal() { cut_.clear(); }
  // Restarts a member from its disk (volatile state lost).
  void Restart(NodeId id);
  // `id` snapshots its applied state and compacts its log.
  void Snapshot(NodeId id);
  // Messages sent so far (delivered or not), for assertions.
  const std::vector<Message>& sent() const { return sent_; }
  void ClearSent() { sent_.clear(); }

 private:
  Config ConfigFor(NodeId id) const;
  Config base_;
  std::map<NodeId, Member> members_;
  std::vector<Message> queue_;
  std::vector<Message> sent_;
  std::set<std::pair<NodeId, NodeId>> cut_;
};

}  // namespace flotilla::raft::testing

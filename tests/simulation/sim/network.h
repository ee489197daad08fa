// Network: the simulated wire between members. Every message is encoded with
// raft's codec on send and decoded on delivery, so the codec is exercised too.
//
// What the network may do to a message, each decided by the simulation's Rng:
//   delay      uniform in [min_delay, max_delay] ms, or with chance `slow` a
//              long one up to slow_max: messages overtake each other.
//   loss       dropped with chance `loss`.
//   duplicate  delivered twice (independent delays) with chance `duplicate`;
//              never a kPropose, whose duplicate would apply a client's write
//              twice (rafthttp runs over TCP and does not duplicate either).
//   cut links  a directed link (from, to) can be cut; a message is lost if its
//              link is cut when it is sent or when it would arrive. Symmetric
//              and asymmetric partitions are sets of cut links.
//
// Like etcd's rafthttp, the transport reports back to the sender: a snapshot's
// fate (ReportSnapshot) and a message refused by a cut link (ReportUnreachable).
// Those reports are deliveries too, addressed to the sender. A crashed
// member's connections close, and every peer it could reach hears so
// (ReportPeerDown), as the kernel's FIN or RST tells a real member.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "raft/message.h"
#include "rng.h"

namespace flotilla::sim {

struct NetworkParams {
  double loss = 0;
  double duplicate = 0;
  SimTime min_delay = 1;
  SimTime max_delay = 5;
  double slow = 0;
  SimTime slow_max = 200;
};

struct Delivery {
  enum class Kind : uint8_t { kMessage, kSnapshotReport, kUnreachable, kPeerDown };
  Kind kind = Kind::kMessage;
  raft::NodeId to = raft::kNone;    // the member that receives it
  raft::NodeId from = raft::kNone;  // kMessage: the sender; reports: the peer
  raft::MessageType type = raft::MessageType::kHup;
  std::string wire;     // kMessage: the encoded message
  bool failed = false;  // kSnapshotReport: the snapshot did not arrive
  // The sender's incarnation: a report reaches only the process that sent.
  uint64_t incarnation = 0;
};

struct NetworkStats {
  uint64_t sent = 0, delivered = 0, lost = 0, cut = 0, duplicated = 0;
};

class Network {
 public:
  explicit Network(Rng& rng) : rng_(rng) {}

  const NetworkParams& params() const { return params_; }
  void set_params(const NetworkParams& p) { params_ = p; }

  void Send(SimTime now, const raft::Message& m, uint64_t incarnation);
  // Reports to `sender` that its snapshot to `peer` was delivered or lost.
  void ReportSnapshot(SimTime at, raft::NodeId sender, raft::NodeId peer, bool failed,
                      uint64_t incarnation);
  // Tells `to`, after a delay, that `peer`'s connection closed.
  void ReportPeerDown(SimTime now, raft::NodeId to, raft::NodeId peer);
  // The next delivery due at or before `now`, in time order (ties: send order).
  std::optional<Delivery> PopDue(SimTime now);
  // Holds a delivery until `at` (its recipient is paused).
  void Defer(SimTime at, Delivery d) {
    if (d.kind == Delivery::Kind::kMessage) --stats_.delivered;  // counted when popped again
    Push(at, std::move(d));
  }

  bool Connected(raft::NodeId from, raft::NodeId to) const { return !cut_.count({from, to}); }
  void Cut(raft::NodeId from, raft::NodeId to) { cut_.insert({from, to}); }
  void Heal(raft::NodeId from, raft::NodeId to) { cut_.erase({from, to}); }
  void HealAll() { cut_.clear(); }
  const std::set<std::pair<raft::NodeId, raft::NodeId>>& cuts() const { return cut_; }

  size_t in_flight() const { return queue_.size(); }
  const NetworkStats& stats() const { return stats_; }

 private:
  struct Pending {
    SimTime at;
    uint64_t seq;
    Delivery d;
    bool operator>(const Pending& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  SimTime Delay();
  void Push(SimTime at, Delivery d) { queue_.push(Pending{at, next_seq_++, std::move(d)}); }

  Rng& rng_;
  NetworkParams params_;
  std::set<std::pair<raft::NodeId, raft::NodeId>> cut_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  uint64_t next_seq_ = 0;
  NetworkStats stats_;
};

}  // namespace flotilla::sim

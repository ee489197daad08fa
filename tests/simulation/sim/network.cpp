#include "network.h"

#include "raft/codec.h"

namespace flotilla::sim {

SimTime Network::Delay() {
  if (rng_.Chance(params_.slow)) return rng_.Between(params_.max_delay, params_.slow_max);
  return rng_.Between(params_.min_delay, params_.max_delay);
}

void Network::Send(SimTime now, const raft::Message& m, uint64_t incarnation) {
  ++stats_.sent;
  bool snapshot = m.type == raft::MessageType::kSnapshot;
  if (!Connected(m.from, m.to)) {
    ++stats_.cut;
    Delivery r;
    r.kind = Delivery::Kind::kUnreachable;
    r.to = m.from;
    r.from = m.to;
    r.incarnation = incarnation;
    Push(now + 1, std::move(r));
    if (snapshot) ReportSnapshot(now + 1, m.from, m.to, true, incarnation);
    return;
  }
  if (rng_.Chance(params_.loss)) {
    ++stats_.lost;
    if (snapshot) ReportSnapshot(now + Delay(), m.from, m.to, true, incarnation);
    return;
  }
  Delivery d;
  d.kind = Delivery::Kind::kMessage;
  d.to = m.to;
  d.from = m.from;
  d.type = m.type;
  d.incarnation = incarnation;
  raft::EncodeMessage(m, d.wire);
  if (m.type != raft::MessageType::kPropose && rng_.Chance(params_.duplicate)) {
    ++stats_.duplicated;
    Push(now + Delay(), d);
  }
  Push(now + Delay(), std::move(d));
}

void Network::ReportSnapshot(SimTime at, raft::NodeId sender, raft::NodeId peer, bool failed,
                             uint64_t incarnation) {
  Delivery r;
  r.kind = Delivery::Kind::kSnapshotReport;
  r.to = sender;
  r.from = peer;
  r.failed = failed;
  r.incarnation = incarnation;
  Push(at, std::move(r));
}

void Network::ReportPeerDown(SimTime now, raft::NodeId to, raft::NodeId peer) {
  if (!Connected(peer, to)) return;
  Delivery r;
  r.kind = Delivery::Kind::kPeerDown;
  r.to = to;
  r.from = peer;
  Push(now + Delay(), std::move(r));
}

std::optional<Delivery> Network::PopDue(SimTime now) {
  while (!queue_.empty() && queue_.top().at <= now) {
    Delivery d = std::move(const_cast<Pending&>(queue_.top()).d);
    queue_.pop();
    if (d.kind == Delivery::Kind::kMessage && !Connected(d.from, d.to)) {
      // The link was cut while the message was on its way.
      ++stats_.cut;
      if (d.type == raft::MessageType::kSnapshot) {
        ReportSnapshot(now, d.from, d.to, true, d.incarnation);
      }
      continue;
    }
    if (d.kind == Delivery::Kind::kMessage) ++stats_.delivered;
    return d;
  }
  return std::nullopt;
}

}  // namespace flotilla::sim

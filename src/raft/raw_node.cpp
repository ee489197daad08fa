#include "raft/raw_node.h"

#include "raft/codec.h"

namespace flotilla::raft {

RawNode::RawNode(const Config& config, const HardState& hs, RaftLog log, const ConfState& conf)
    : raft_(config, hs, std::move(log), conf) {
  prev_soft_ = {raft_.leader(), raft_.role()};
  prev_hard_ = raft_.hard_state();
}

RawNode::RawNode(const Config& config, Restored restored)
    : RawNode(config, restored.hard_state,
              RaftLog(restored.snapshot.meta, std::move(restored.entries)),
              restored.snapshot.meta.conf) {
  if (!restored.snapshot.empty()) raft_.SetSnapshot(std::move(restored.snapshot));
}

RawNode RawNode::Bootstrap(const Config& config, const std::vector<ConfChange>& founders) {
  std::vector<Entry> entries;
  for (const auto& cc : founders) {
    Entry e;
    e.term = 1;
    e.index = entries.size() + 1;
    e.type = EntryType::kConfChange;
    e.data = EncodeConfChange(cc);
    entries.push_back(std::move(e));
  }
  RaftLog log(SnapshotMeta{}, {});
  log.Append(entries);  // unstable: the first Ready persists them
  HardState hs{1, kNone, entries.size()};
  RawNode node(config, hs, std::move(log), ConfState{});
  // The founding hard state is new; make the first Ready carry it.
  node.prev_hard_ = HardState{};
  return node;
}

void RawNode::Campaign() {
  Message m;
  m.type = MessageType::kHup;
  m.from = raft_.id();
  raft_.Step(std::move(m));
}

ProposeError RawNode::Propose(std::string data) {
  Message m;
  m.type = MessageType::kPropose;
  m.from = raft_.id();
  m.entries.push_back(Entry{0, 0, EntryType::kNormal, std::move(data)});
  return raft_.Step(std::move(m));
}

ProposeError RawNode::ProposeConfChange(const ConfChange& cc) {
  Message m;
  m.type = MessageType::kPropose;
  m.from = raft_.id();
  m.entries.push_back(Entry{0, 0, EntryType::kConfChange, EncodeConfChange(cc)});
  return raft_.Step(std::move(m));
}

void RawNode::Step(Message m) {
  // Local messages never come from the network.
  if (IsLocal(m.type)) return;
  raft_.Step(std::move(m));
}

ProposeError RawNode::ReadIndex(std::string context) {
  Message m;
  m.type = MessageType::kReadIndex;
  m.from = raft_.id();
  m.context = std::move(context);
  return raft_.Step(std::move(m));
}

void RawNode::TransferLeader(NodeId target) {
  Message m;
  m.type = MessageType::kTransferLeader;
  m.from = target;
  raft_.Step(std::move(m));
}

void RawNode::ReportUnreachable(NodeId peer) {
  Message m;
  m.type = MessageType::kUnreachable;
  m.from = peer;
  raft_.Step(std::move(m));
}

bool MaySendBeforePersist(const Raft& node, const Message& m) {
  return node.role() == Role::kLeader && m.from == node.id() && m.term == node.term() &&
         (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat);
}

void RawNode::ReportPeerDown(NodeId peer) {
  Message m;
  m.type = MessageType::kPeerDown;
  m.from = peer;
  raft_.Step(std::move(m));
}

void RawNode::ReportSnapshot(NodeId peer, bool failed) {
  Message m;
  m.type = MessageType::kSnapshotStatus;
  m.from = peer;
  m.reject = failed;
  raft_.Step(std::move(m));
}

bool RawNode::HasReady() const {
  const RaftLog& log = raft_.log();
  return SoftState{raft_.leader(), raft_.role()} != prev_soft_ ||
         raft_.hard_state() != prev_hard_ || log.pending_snapshot() ||
         log.stable() < log.last_index() || log.HasNextCommittedEntries() ||
         !raft_.msgs().empty() || !raft_.read_states().empty();
}

Ready RawNode::GetReady() {
  Ready rd;
  RaftLog& log = raft_.log();
  SoftState soft{raft_.leader(), raft_.role()};
  if (soft != prev_soft_) rd.soft_state = soft;
  HardState hard = raft_.hard_state();
  if (hard != prev_hard_) rd.hard_state = hard;
  if (log.pending_snapshot()) rd.snapshot = *log.pending_snapshot();
  rd.entries = log.UnstableEntries();
  rd.committed_entries = log.NextCommittedEntries(raft_.config().max_committed_size_per_ready);
  rd.messages = std::move(raft_.msgs());
  raft_.msgs().clear();
  rd.read_states = std::move(raft_.read_states());
  raft_.read_states().clear();
  rd.must_sync = !rd.entries.empty() || !rd.snapshot.empty() ||
                 (rd.hard_state && (hard.term != prev_hard_.term || hard.vote != prev_hard_.vote));
  return rd;
}

void RawNode::Advance(const Ready& rd) {
  if (rd.soft_state) prev_soft_ = *rd.soft_state;
  if (rd.hard_state) prev_hard_ = *rd.hard_state;
  if (!rd.snapshot.empty()) {
    raft_.log().SnapshotApplied(rd.snapshot.meta.index);
    raft_.SetSnapshot(rd.snapshot);  // to send on, should this member lead
  }
  if (!rd.entries.empty()) raft_.OnStable(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed_entries.empty()) raft_.log().AppliedTo(rd.committed_entries.back().index);
}

Status RawNode::GetStatus() const {
  Status s;
  s.id = raft_.id();
  s.hard_state = raft_.hard_state();
  s.soft_state = {raft_.leader(), raft_.role()};
  s.applied = raft_.log().applied();
  if (raft_.role() == Role::kLeader) s.progress = raft_.progress();
  s.lead_transferee = raft_.lead_transferee();
  return s;
}

}  // namespace flotilla::raft

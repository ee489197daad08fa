// Raft core, the leader's side: replication with flow control, the commit
// rule, heartbeats, CheckQuorum, ReadIndex and leader transfer.
#include <algorithm>

#include "raft/raft.h"

namespace flotilla::raft {

bool Raft::MaybeSendAppend(NodeId to, bool send_if_empty) {
  auto it = progress_.find(to);
  if (it == progress_.end() || to == id_) return false;
  Progress& pr = it->second;
  if (pr.IsPaused()) return false;
  Message m;
  m.to = to;
  auto prev_term = log_.term(pr.next - 1);
  auto entries = log_.Slice(pr.next, log_.last_index() + 1, config_.max_size_per_msg);
  if (!prev_term || !entries) {
    // The entries the follower needs were compacted: send the snapshot.
    if (!pr.recent_active || snapshot_.empty()) return false;
    m.type = MessageType::kSnapshot;
    m.snapshot = snapshot_;
    pr.BecomeSnapshot(snapshot_.meta.index);
    Send(std::move(m));
    return true;
  }
  if (entries->empty() && !send_if_empty) return false;
  m.type = MessageType::kAppend;
  m.index = pr.next - 1;
  m.log_term = *prev_term;
  m.entries = std::move(*entries);
  m.commit = log_.committed();
  if (!m.entries.empty()) {
    Index last = m.entries.back().index;
    if (pr.state == ProgressState::kReplicate) {
      pr.OptimisticUpdate(last);
      pr.inflights.Add(last);
    } else if (pr.state == ProgressState::kProbe) {
      pr.probe_sent = true;
    }
  } else if (pr.state == ProgressState::kProbe) {
    pr.probe_sent = true;
  }
  Send(std::move(m));
  return true;
}

void Raft::SendHeartbeat(NodeId to, const std::string& context) {
  const Progress& pr = progress_.at(to);
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = to;
  // Never tell a follower to commit entries it may not have.
  m.commit = std::min(pr.match, log_.committed());
  m.context = context;
  Send(std::move(m));
}

void Raft::BroadcastAppend() {
  for (const auto& [id, pr] : progress_) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::BroadcastHeartbeat(const std::string& context) {
  for (const auto& [id, pr] : progress_) {
    if (id != id_) SendHeartbeat(id, context);
  }
}

bool Raft::MaybeCommit() {
  // The highest index a quorum of voters holds (the sorted matches' median).
  if (voters_.empty()) return false;
  std::vector<Index> matches;
  for (NodeId n : voters_) {
    auto it = progress_.find(n);
    matches.push_back(it == progress_.end() ? 0 : it->second.match);
  }
  std::sort(matches.begin(), matches.end(), std::greater<>());
  Index quorum_index = matches[Quorum() - 1];
  // Section 5.4.2: only entries of the current term commit by counting.
  if (quorum_index <= log_.committed() || log_.term(quorum_index) != term_) return false;
  log_.CommitTo(quorum_index);
  return true;
}

bool Raft::CommittedInCurrentTerm() const {
  return log_.term(log_.committed()) == term_;
}

ProposeError Raft::AppendEntries(std::vector<Entry> entries) {
  Index next = log_.last_index() + 1;
  for (auto& e : entries) {
    e.term = term_;
    e.index = next++;
    if (e.type == EntryType::kConfChange) {
      if (pending_conf_index_ > log_.applied()) return ProposeError::kConfChangePending;
      pending_conf_index_ = e.index;
    }
  }
  log_.Append(entries);
  BroadcastAppend();
  return ProposeError::kNone;
}

void Raft::OnStable(Index index, Term t) {
  log_.StableTo(index, t);
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(id_);
  if (it == progress_.end()) return;
  if (it->second.MaybeUpdate(log_.stable())) CommitAndBroadcast();
}

bool Raft::CommitAndBroadcast() {
  if (!MaybeCommit()) return false;
  BroadcastAppend();
  if (!pending_reads_.empty() && CommittedInCurrentTerm()) {
    auto reads = std::move(pending_reads_);
    pending_reads_.clear();
    for (const auto& m : reads) HandleReadIndex(m);
  }
  return true;
}

void Raft::SetSnapshot(Snapshot snapshot) {
  if (snapshot.meta.index <= snapshot_.meta.index) return;
  log_.Compact(snapshot.meta);
  snapshot_ = std::move(snapshot);
}

ProposeError Raft::StepLeader(Message& m) {
  switch (m.type) {
    case MessageType::kBeat:
      BroadcastHeartbeat(read_only_.last_context());
      return ProposeError::kNone;
    case MessageType::kCheckQuorum: {
      size_t active = 0;
      for (auto& [id, pr] : progress_) {
        if (IsVoter(id) && (id == id_ || pr.recent_active)) ++active;
        if (id != id_) pr.recent_active = false;
      }
      if (active < Quorum()) BecomeFollower(term_, kNone);
      return ProposeError::kNone;
    }
    case MessageType::kPropose: {
      if (m.entries.empty()) return ProposeError::kNone;
      if (!progress_.count(id_)) return ProposeError::kNoLeader;  // removed
      if (lead_transferee_ != kNone) return ProposeError::kTransferring;
      return AppendEntries(std::move(m.entries));
    }
    case MessageType::kReadIndex:
      HandleReadIndex(m);
      return ProposeError::kNone;
    case MessageType::kTransferLeader:
      HandleTransferLeader(m);
      return ProposeError::kNone;
    default:
      break;
  }
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return ProposeError::kNone;
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::kAppendResponse:
      pr.recent_active = true;
      HandleAppendResponse(m, pr);
      break;
    case MessageType::kHeartbeatResponse:
      pr.recent_active = true;
      HandleHeartbeatResponse(m, pr);
      break;
    case MessageType::kSnapshotStatus:
      if (pr.state != ProgressState::kSnapshot) break;
      // Either way, probe from what the follower has; wait for its next
      // answer before sending more.
      if (m.reject) pr.pending_snapshot = 0;
      pr.BecomeProbe();
      pr.probe_sent = true;
      break;
    case MessageType::kUnreachable:
      if (pr.state == ProgressState::kReplicate) pr.BecomeProbe();
      break;
    default:
      break;
  }
  return ProposeError::kNone;
}

void Raft::HandleAppendResponse(const Message& m, Progress& pr) {
  if (m.reject) {
    if (pr.MaybeDecrTo(m.index, m.reject_hint)) {
      if (pr.state == ProgressState::kReplicate) pr.BecomeProbe();
      SendAppend(m.from);
    }
    return;
  }
  bool was_paused = pr.IsPaused();
  if (!pr.MaybeUpdate(m.index)) {
    if (was_paused && !pr.IsPaused()) SendAppend(m.from);
    return;
  }
  switch (pr.state) {
    case ProgressState::kProbe:
      pr.BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      if (pr.match >= pr.pending_snapshot) {
        pr.BecomeProbe();
        pr.BecomeReplicate();
      }
      break;
    case ProgressState::kReplicate:
      pr.inflights.FreeLE(m.index);
      break;
  }
  if (!CommitAndBroadcast() && was_paused) {
    SendAppend(m.from);
  }
  // Stream the rest of the log while there is room.
  while (MaybeSendAppend(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr.match == log_.last_index()) {
    Message t;
    t.type = MessageType::kTimeoutNow;
    t.to = m.from;
    Send(std::move(t));
  }
}

void Raft::HandleHeartbeatResponse(const Message& m, Progress& pr) {
  pr.probe_sent = false;
  // A full window may mean lost appends: free one slot so one more goes out.
  if (pr.state == ProgressState::kReplicate && pr.inflights.full()) pr.inflights.FreeFirst();
  if (pr.match < log_.last_index()) SendAppend(m.from);
  if (m.context.empty()) return;
  const auto* acks = read_only_.Ack(m.from, m.context);
  if (!acks) return;
  size_t voters_acked = IsVoter(id_) ? 1 : 0;
  for (NodeId n : *acks) voters_acked += IsVoter(n) && n != id_;
  if (voters_acked >= Quorum()) ReleaseReads(m.context);
}

void Raft::HandleReadIndex(const Message& m) {
  // Until an entry of this term commits, the commit index may be behind
  // what an earlier leader (or this member before a crash) acknowledged
  // (thesis 6.4): hold the read. This holds for a lone voter too, whose
  // commit index after a restart may be one written lazily.
  if (!CommittedInCurrentTerm()) {
    pending_reads_.push_back(m);
    return;
  }
  if (voters_.size() == 1 && IsVoter(id_)) {
    AnswerRead(ReadRequest{log_.committed(), m.from, m.context, {}});
    return;
  }
  if (read_only_.Add(log_.committed(), m.from, m.context)) BroadcastHeartbeat(m.context);
}

void Raft::ReleaseReads(const std::string& context) {
  for (const auto& r : read_only_.Release(context)) AnswerRead(r);
}

void Raft::AnswerRead(const ReadRequest& r) {
  if (r.from == id_ || r.from == kNone) {
    read_states_.push_back({r.index, r.context});
    return;
  }
  Message resp;
  resp.type = MessageType::kReadIndexResponse;
  resp.to = r.from;
  resp.index = r.index;
  resp.context = r.context;
  Send(std::move(resp));
}

void Raft::HandleTransferLeader(const Message& m) {
  NodeId target = m.from;
  if (!IsVoter(target) || target == id_ || target == lead_transferee_) return;
  lead_transferee_ = target;
  election_elapsed_ = 0;  // it must finish within an election timeout
  if (progress_.at(target).match == log_.last_index()) {
    Message t;
    t.type = MessageType::kTimeoutNow;
    t.to = target;
    Send(std::move(t));
  } else {
    SendAppend(target);
  }
}

}  // namespace flotilla::raft

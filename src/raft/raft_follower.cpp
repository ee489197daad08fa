// Raft core, the follower's side: appends, heartbeats and snapshots from the
// leader, and forwarding of what only the leader can do.
#include <algorithm>

#include "raft/raft.h"

namespace flotilla::raft {

ProposeError Raft::StepFollower(Message& m) {
  switch (m.type) {
    case MessageType::kPropose:
    case MessageType::kReadIndex:
    case MessageType::kTransferLeader:
      if (lead_ == kNone) return ProposeError::kNoLeader;
      m.to = lead_;
      if (m.type == MessageType::kReadIndex || m.type == MessageType::kPropose) m.from = id_;
      msgs_.push_back(std::move(m));  // as is: the leader treats it as local
      return ProposeError::kNone;
    case MessageType::kAppend:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleAppend(m);
      break;
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      break;
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleSnapshot(m);
      break;
    case MessageType::kTimeoutNow:
      // The leader hands over: campaign at once, without a pre-vote, and
      // tell voters to ignore their lease (thesis 3.10).
      if (promotable() && !HasUnappliedConfChanges()) Campaign(false, true);
      break;
    case MessageType::kReadIndexResponse:
      read_states_.push_back({m.index, m.context});
      break;
    default:
      break;
  }
  return ProposeError::kNone;
}

void Raft::HandleAppend(const Message& m) {
  Message r;
  r.type = MessageType::kAppendResponse;
  r.to = m.from;
  if (m.index < log_.committed()) {
    // Already have (and committed) everything up to our commit index.
    r.index = log_.committed();
    Send(std::move(r));
    return;
  }
  if (auto last_new = log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries)) {
    r.index = *last_new;
  } else {
    r.index = m.index;
    r.reject = true;
    r.reject_hint = std::min(m.index, log_.last_index());
  }
  Send(std::move(r));
}

void Raft::HandleHeartbeat(const Message& m) {
  log_.CommitTo(std::min(m.commit, log_.last_index()));
  Message r;
  r.type = MessageType::kHeartbeatResponse;
  r.to = m.from;
  r.context = m.context;
  Send(std::move(r));
}

void Raft::HandleSnapshot(const Message& m) {
  const SnapshotMeta& meta = m.snapshot.meta;
  Message r;
  r.type = MessageType::kAppendResponse;
  r.to = m.from;
  if (meta.index <= log_.committed()) {
    r.index = log_.committed();  // stale: we are past it
  } else if (log_.MatchTerm(meta.index, meta.term)) {
    // We have the entries the snapshot covers: just commit them.
    log_.CommitTo(meta.index);
    r.index = log_.committed();
  } else {
    log_.Restore(m.snapshot);
    voters_ = meta.conf.voters;
    learners_ = meta.conf.learners;
    r.index = log_.last_index();
  }
  Send(std::move(r));
}

}  // namespace flotilla::raft

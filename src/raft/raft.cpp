// Raft core: construction, roles, elections and the term rules of Step.
// Leader-side replication lives in raft_leader.cpp, follower-side handling
// in raft_follower.cpp.
#include "raft/raft.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace flotilla::raft {

const char* ToString(Role r) {
  switch (r) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "?";
}

namespace {
const char kTransferContext[] = "transfer";

bool Contains(const std::vector<NodeId>& v, NodeId n) {
  return std::binary_search(v.begin(), v.end(), n);
}
}  // namespace

Raft::Raft(const Config& config, const HardState& hs, RaftLog log, const ConfState& conf)
    : config_(config),
      id_(config.id),
      log_(std::move(log)),
      voters_(conf.voters),
      rand_(config.seed ^ (config.id * 0x2545f4914f6cdd1dull)) {
  learners_ = conf.learners;
  std::sort(voters_.begin(), voters_.end());
  std::sort(learners_.begin(), learners_.end());
  term_ = hs.term;
  vote_ = hs.vote;
  if (hs.commit > log_.committed()) log_.CommitTo(std::min(hs.commit, log_.last_index()));
  BecomeFollower(term_, kNone);
}

bool Raft::IsVoter(NodeId n) const {
  return Contains(voters_, n);
}

bool Raft::promotable() const {
  return IsVoter(id_) && !log_.pending_snapshot();
}

ConfState Raft::conf_state() const {
  return {voters_, learners_};
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      config_.election_tick + static_cast<int>(rand_.Below(config_.election_tick));
}

void Raft::Reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  lead_transferee_ = kNone;
  votes_.clear();
  progress_.clear();
  read_only_.Reset();
  pending_reads_.clear();
}

void Raft::BecomeFollower(Term term, NodeId lead) {
  Reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void Raft::BecomePreCandidate() {
  // Not a real candidate: term and vote stay as they are (thesis 9.6).
  votes_.clear();
  lead_ = kNone;
  role_ = Role::kPreCandidate;
}

void Raft::BecomeCandidate() {
  Reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::BecomeLeader() {
  Reset(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  auto add = [&](NodeId n, bool learner) {
    Progress pr(config_.max_inflight_msgs);
    pr.next = log_.last_index() + 1;
    pr.learner = learner;
    pr.recent_active = true;  // give everyone an election timeout to answer
    if (n == id_) {
      pr.match = log_.stable();
      pr.BecomeReplicate();
    }
    progress_.emplace(n, std::move(pr));
  };
  for (NodeId n : voters_) add(n, false);
  for (NodeId n : learners_) add(n, true);
  // A change of an earlier term still unapplied blocks new ones until it is
  // applied. A new change may be proposed at once otherwise: membership
  // takes effect on apply, and its entry commits only after this term's
  // no-op (as in etcd-io/raft).
  pending_conf_index_ = log_.last_index();
  // Section 5.4.2: entries of earlier terms commit only through one of ours.
  Entry noop{term_, log_.last_index() + 1, EntryType::kNormal, ""};
  log_.Append({noop});
  BroadcastAppend();
}

void Raft::Campaign(bool pre_vote, bool transfer) {
  Term vote_term;
  MessageType type;
  if (pre_vote) {
    BecomePreCandidate();
    vote_term = term_ + 1;
    type = MessageType::kPreVote;
  } else {
    BecomeCandidate();
    vote_term = term_;
    type = MessageType::kVote;
  }
  auto [granted, rejected] = Poll(id_, true);
  (void)rejected;
  if (granted >= Quorum()) {
    // A one-voter cluster wins at once.
    if (pre_vote) {
      Campaign(false, transfer);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (NodeId n : voters_) {
    if (n == id_) continue;
    Message m;
    m.type = type;
    m.to = n;
    m.term = vote_term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    if (transfer) m.context = kTransferContext;
    Send(std::move(m));
  }
}

std::pair<size_t, size_t> Raft::Poll(NodeId from, bool granted) {
  votes_.emplace(from, granted);
  size_t yes = 0, no = 0;
  for (NodeId n : voters_) {
    auto it = votes_.find(n);
    if (it == votes_.end()) continue;
    (it->second ? yes : no)++;
  }
  return {yes, no};
}

bool Raft::HasUnappliedConfChanges() const {
  if (log_.committed() <= log_.applied()) return false;
  auto ents = log_.Slice(log_.applied() + 1, log_.committed() + 1, SIZE_MAX);
  if (!ents) return false;
  for (const auto& e : *ents) {
    if (e.type == EntryType::kConfChange) return true;
  }
  return false;
}

void Raft::Send(Message m) {
  m.from = id_;
  // Votes carry their own (future) term; everything else is of this term.
  bool vote_msg = m.type == MessageType::kVote || m.type == MessageType::kPreVote ||
                  m.type == MessageType::kVoteResponse || m.type == MessageType::kPreVoteResponse;
  if (!vote_msg && m.type != MessageType::kPropose && m.type != MessageType::kReadIndex &&
      m.type != MessageType::kTransferLeader) {
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

void Raft::Tick() {
  if (role_ == Role::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    Message m;
    m.type = MessageType::kHup;
    m.from = id_;
    Step(std::move(m));
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_tick) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      Message m;
      m.type = MessageType::kCheckQuorum;
      m.from = id_;
      Step(std::move(m));
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (role_ == Role::kLeader) lead_transferee_ = kNone;
  }
  if (role_ != Role::kLeader) return;
  if (heartbeat_elapsed_ >= config_.heartbeat_tick) {
    heartbeat_elapsed_ = 0;
    Message m;
    m.type = MessageType::kBeat;
    m.from = id_;
    Step(std::move(m));
  }
}

ProposeError Raft::Step(Message m) {
  // The term rules (Figure 2, "all servers"), with PreVote and leases.
  if (m.term == 0 || IsLocal(m.type)) {
    // local message
  } else if (m.term > term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      bool force = m.context == kTransferContext;
      bool in_lease =
          config_.check_quorum && lead_ != kNone && election_elapsed_ < config_.election_tick;
      // A member that hears from a live leader ignores the election (a
      // partitioned member rejoining must not depose it, thesis 4.2.3).
      if (!force && in_lease) return ProposeError::kNone;
    }
    if (m.type == MessageType::kPreVote) {
      // Never change our term for a pre-vote.
    } else if (m.type == MessageType::kPreVoteResponse && !m.reject) {
      // The pre-vote's future term; we become a candidate if we win.
    } else if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnapshot) {
      BecomeFollower(m.term, m.from);
    } else {
      BecomeFollower(m.term, kNone);
    }
  } else if (m.term < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kAppend)) {
      // A stale leader (e.g. after a partition) learns of the newer term,
      // which it would not from pre-votes we ignore.
      Message r;
      r.type = MessageType::kAppendResponse;
      r.to = m.from;
      Send(std::move(r));
    } else if (m.type == MessageType::kPreVote) {
      Message r;
      r.type = MessageType::kPreVoteResponse;
      r.to = m.from;
      r.term = term_;
      r.reject = true;
      Send(std::move(r));
    }
    return ProposeError::kNone;
  }

  switch (m.type) {
    case MessageType::kPeerDown:
      // Our leader's connection closed: its process died, most often. Rather
      // than wait out a whole election timeout, stop trusting its lease and
      // campaign after a short random delay (1 to election_tick / 2 ticks:
      // spread so that followers who saw the same close rarely collide).
      // Harmless when the leader lives on: its next heartbeat restores it
      // here, and members still hearing from it refuse the pre-vote.
      if (role_ == Role::kFollower && lead_ != kNone && m.from == lead_) {
        lead_ = kNone;
        int delay = 1 + static_cast<int>(rand_.Below(std::max(1, config_.election_tick / 2)));
        election_elapsed_ = std::max(election_elapsed_, randomized_election_timeout_ - delay);
      }
      return ProposeError::kNone;
    case MessageType::kHup:
      if (role_ == Role::kLeader || !promotable() || HasUnappliedConfChanges()) {
        return ProposeError::kNone;
      }
      Campaign(config_.pre_vote, false);
      return ProposeError::kNone;
    case MessageType::kVote:
    case MessageType::kPreVote: {
      bool can_vote = vote_ == m.from || (vote_ == kNone && lead_ == kNone) ||
                      (m.type == MessageType::kPreVote && m.term > term_);
      Message r;
      r.to = m.from;
      r.type =
          m.type == MessageType::kVote ? MessageType::kVoteResponse : MessageType::kPreVoteResponse;
      if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
        r.term = m.term;
        if (m.type == MessageType::kVote) {
          election_elapsed_ = 0;
          vote_ = m.from;
        }
      } else {
        r.term = term_;
        r.reject = true;
      }
      Send(std::move(r));
      return ProposeError::kNone;
    }
    default:
      break;
  }
  switch (role_) {
    case Role::kLeader:
      return StepLeader(m);
    case Role::kPreCandidate:
    case Role::kCandidate:
      return StepCandidate(m);
    case Role::kFollower:
      return StepFollower(m);
  }
  return ProposeError::kNone;
}

ProposeError Raft::StepCandidate(Message& m) {
  MessageType my_response =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  switch (m.type) {
    case MessageType::kPropose:
      return ProposeError::kNoLeader;
    case MessageType::kReadIndex:
      return ProposeError::kNoLeader;
    case MessageType::kAppend:
      BecomeFollower(m.term, m.from);
      HandleAppend(m);
      break;
    case MessageType::kHeartbeat:
      BecomeFollower(m.term, m.from);
      HandleHeartbeat(m);
      break;
    case MessageType::kSnapshot:
      BecomeFollower(m.term, m.from);
      HandleSnapshot(m);
      break;
    default:
      if (m.type != my_response) break;
      {
        auto [granted, rejected] = Poll(m.from, !m.reject);
        if (granted >= Quorum()) {
          if (role_ == Role::kPreCandidate) {
            Campaign(false, false);
          } else {
            BecomeLeader();
          }
        } else if (rejected >= Quorum()) {
          BecomeFollower(term_, kNone);
        }
      }
      break;
  }
  return ProposeError::kNone;
}

ConfState Raft::ApplyConfChange(const ConfChange& cc) {
  auto erase = [](std::vector<NodeId>& v, NodeId n) { std::erase(v, n); };
  auto insert = [](std::vector<NodeId>& v, NodeId n) {
    if (!Contains(v, n)) v.insert(std::upper_bound(v.begin(), v.end(), n), n);
  };
  switch (cc.type) {
    case ConfChangeType::kAddNode:
      erase(learners_, cc.node);
      insert(voters_, cc.node);
      break;
    case ConfChangeType::kAddLearner:
      if (IsVoter(cc.node)) break;  // demotion is not supported
      insert(learners_, cc.node);
      break;
    case ConfChangeType::kRemoveNode:
      erase(voters_, cc.node);
      erase(learners_, cc.node);
      break;
  }
  if (role_ == Role::kLeader) {
    if (cc.type == ConfChangeType::kRemoveNode) {
      progress_.erase(cc.node);
      if (lead_transferee_ == cc.node) lead_transferee_ = kNone;
    } else {
      auto it = progress_.find(cc.node);
      if (it == progress_.end()) {
        Progress pr(config_.max_inflight_msgs);
        pr.next = log_.last_index() + 1;
        pr.recent_active = true;
        it = progress_.emplace(cc.node, std::move(pr)).first;
      }
      it->second.learner = !IsVoter(cc.node);
    }
    // The quorum changed: entries may now be committed.
    CommitAndBroadcast();
  }
  return conf_state();
}

void Raft::CheckInvariants() const {
  log_.CheckInvariants();
  auto fail = [](const char* what) {
    std::fprintf(stderr, "raft invariant broken: %s\n", what);
    std::abort();
  };
  if (role_ == Role::kLeader && lead_ != id_) fail("leader does not lead");
  if (role_ == Role::kCandidate && vote_ != id_) fail("candidate did not vote for itself");
  for (const auto& [id, pr] : progress_) {
    if (pr.match >= pr.next) fail("progress match >= next");
  }
}

}  // namespace flotilla::raft

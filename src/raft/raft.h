// Raft: the consensus core of one member, a pure state machine (Figure 2 of
// the Raft paper, with etcd-io/raft's PreVote, CheckQuorum, flow control,
// ReadIndex, leader transfer and single-server membership change).
//
// Inputs are Step(message) and Tick(); outputs accumulate in `msgs()`,
// `read_states()` and the log, and RawNode hands them out as a Ready. No
// I/O, no clocks, no threads, no randomness but the seeded one: the same
// inputs give the same outputs, which is what makes simulation possible.
//
// Membership takes effect when the application applies a kConfChange entry
// and calls ApplyConfChange. A leader has at most one unapplied membership
// change in its log at a time, which keeps single-server changes safe
// (thesis section 4.1); a change of a new leader commits only after the
// leader's no-op of its term, which settles any change of an earlier term.
//
// Threading: none; the caller serializes every call.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "raft/config.h"
#include "raft/log.h"
#include "raft/progress.h"
#include "raft/rand.h"
#include "raft/read_only.h"

namespace flotilla::raft {

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
const char* ToString(Role r);

struct ReadState {
  Index index = 0;  // apply up to here, then the read is linearizable
  std::string context;
  bool operator==(const ReadState&) const = default;
};

// Why Propose refused (the proposal was not appended anywhere).
enum class ProposeError : uint8_t {
  kNone,
  kNoLeader,          // no known leader to forward to
  kTransferring,      // the leader is handing over leadership
  kConfChangePending  // another membership change is not applied yet
};

class Raft {
 public:
  // `hs`, `log` and `conf` are what the member recovered from disk.
  Raft(const Config& config, const HardState& hs, RaftLog log, const ConfState& conf);

  void Tick();
  // Any message: local ones (kHup, kBeat, kPropose, ...) or from a peer.
  // Proposals that cannot be taken return the reason.
  ProposeError Step(Message m);

  ConfState ApplyConfChange(const ConfChange& cc);
  // The application saved a snapshot at `meta.index` (<= applied): keep it
  // for lagging followers and drop the log entries it covers.
  void SetSnapshot(Snapshot snapshot);

  NodeId id() const { return id_; }
  Term term() const { return term_; }
  NodeId vote() const { return vote_; }
  NodeId leader() const { return lead_; }
  Role role() const { return role_; }
  NodeId lead_transferee() const { return lead_transferee_; }
  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  ConfState conf_state() const;
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  const std::map<NodeId, Progress>& progress() const { return progress_; }
  const Config& config() const { return config_; }
  std::vector<Message>& msgs() { return msgs_; }
  const std::vector<Message>& msgs() const { return msgs_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  const std::vector<ReadState>& read_states() const { return read_states_; }
  // The leader's own entries reached its disk (RawNode::Advance).
  void OnStable(Index index, Term t);

  // Aborts when an invariant of the core is broken (tests and debug builds).
  void CheckInvariants() const;

 private:
  bool promotable() const;
  bool IsVoter(NodeId n) const;
  size_t Quorum() const { return voters_.size() / 2 + 1; }

  void Reset(Term term);
  void BecomeFollower(Term term, NodeId lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void Campaign(bool pre_vote, bool transfer);
  void ResetRandomizedElectionTimeout();
  // Records a vote; returns granted and rejected counts so far.
  std::pair<size_t, size_t> Poll(NodeId from, bool granted);

  void Send(Message m);
  void SendAppend(NodeId to) { MaybeSendAppend(to, true); }
  bool MaybeSendAppend(NodeId to, bool send_if_empty);
  void SendHeartbeat(NodeId to, const std::string& context);
  void BroadcastAppend();
  void BroadcastHeartbeat(const std::string& context);
  bool MaybeCommit();
  // MaybeCommit, then tell followers and release reads held for a commit.
  bool CommitAndBroadcast();
  ProposeError AppendEntries(std::vector<Entry> entries);
  bool CommittedInCurrentTerm() const;
  bool HasUnappliedConfChanges() const;

  ProposeError StepLeader(Message& m);
  ProposeError StepCandidate(Message& m);
  ProposeError StepFollower(Message& m);
  void HandleAppend(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  void HandleAppendResponse(const Message& m, Progress& pr);
  void HandleHeartbeatResponse(const Message& m, Progress& pr);
  void HandleReadIndex(const Message& m);
  void ReleaseReads(const std::string& context);
  void AnswerRead(const ReadRequest& r);
  void HandleTransferLeader(const Message& m);
  void TickElection();
  void TickHeartbeat();

  Config config_;
  NodeId id_;
  Term term_ = 0;
  NodeId vote_ = kNone;
  NodeId lead_ = kNone;
  Role role_ = Role::kFollower;
  RaftLog log_;
  std::vector<NodeId> voters_;           // sorted
  std::map<NodeId, Progress> progress_;  // leader: voters and learners
  std::map<NodeId, bool> votes_;
  Snapshot snapshot_;  // the newest the application saved, for followers
  ReadOnly read_only_;
  std::vector<Message> pending_reads_;  // arrived before the leader's first commit
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;
  NodeId lead_transferee_ = kNone;
  Index pending_conf_index_ = 0;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  SplitMix64 rand_;
  std::vector<NodeId> learners_;  // sorted
};

}  // namespace flotilla::raft

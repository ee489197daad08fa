// InteractionEnv: raft members driven one text command at a time, printing
// what each step did, for the transcript tests (testdata/*.txt). After
// etcd-io/raft's rafttest.InteractionEnv: nothing happens unless a command
// says so. Ticks, Readies and message deliveries are each explicit, so a
// transcript pins the exact interleaving it describes.
//
// Each member has a "disk" (hard state, snapshot, log) written from its
// Readies, and a state machine (the applied data, the membership). Sent
// messages wait in one network queue, in send order, until delivered,
// dropped, or lost on a cut link.
//
// Commands (IDs are node ids; key=(a,b) is a list):
//
//   add-nodes N [voters=(..)] [learners=(..)] [index=I] [prevote=B] [checkquorum=B]
//             [election=T] [heartbeat=T] [max-inflight=N] [max-size=BYTES] [seed=S]
//       N new members, numbered after the existing ones. They found a cluster
//       with the given membership: founding conf-change entries at term 1,
//       or a snapshot at index I. Without voters/learners the first nodes
//       found a cluster of themselves and later ones start empty (to join by
//       conf change). Defaults: election=3 heartbeat=1 prevote and
//       checkquorum on. Founding Readies are handled silently.
//   campaign ID | tick ID [N] | tick-election ID | tick-heartbeat ID
//   propose ID DATA | propose-conf-change ID add|remove|add-learner NODE
//   read-index ID CTX | transfer-leadership from=ID to=ID
//   report-unreachable ID PEER | report-snapshot ID PEER ok|fail
//   process-ready ID...     print the Ready, persist it, send, apply, Advance
//   deliver-msgs [drop=(..)] [type=MsgX] [from=ID] ID...
//                           step the queued messages to ID... into them, in
//                           send order (only those of type MsgX / from ID);
//                           drop= discards the ones to those members instead
//   stabilize [ID...]       process-ready and deliver until nothing moves
//   isolate ID | cut A B | heal    links: a message sent or delivered while
//                           its link is cut is lost (printed "dropped: ...")
//   compact ID              snapshot the applied state, truncate the log
//   restart ID [crash]      a new member from the disk; volatile state lost.
//                           crash: what was written without an fdatasync
//                           (a Ready with MustSync=false: a new commit index)
//                           is lost too
//   raft-log ID             the entries on ID's disk
//   raft-state              role, term and leader of every member
//   status ID               ID's term, vote, commit, applied; a leader's progress
//                           of each follower (etcd's Progress.String)
//   applied ID              what ID's state machine holds
//
// After each step, a member whose role or term changed prints
// "N became <role> at term T". Each command also checks, and prints as
// "VIOLATION: ..." lines, what must never happen: a message whose promise
// (vote, acknowledged entry, term) its sender's disk does not back yet,
// committed entries handed out before they were persisted locally, two
// leaders in one term, two members applying different entries at one index.
//
// Threading: none; one test drives an environment.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "raft/raw_node.h"

namespace flotilla::raft::testing {

// A command line: "name arg... key=value key=(a,b)".
struct Command {
  std::string name;
  std::vector<std::string> args;
  std::map<std::string, std::vector<std::string>> kv;

  // Typed access; errors name the command.
  base::Result<NodeId> Id(size_t i) const;  // args[i] as a node id
  base::Result<uint64_t> U64(const std::string& key, uint64_t def) const;
  base::Result<bool> Bool(const std::string& key, bool def) const;
  base::Result<std::vector<NodeId>> Ids(const std::string& key) const;  // sorted
};
base::Result<Command> ParseCommand(const std::string& line);

class InteractionEnv {
 public:
  // Runs one command and returns its output: lines each ending in '\n',
  // "ok\n" when it printed nothing, "error: ...\n" on a bad command.
  std::string Run(const Command& cmd);

 private:
  struct Node {
    Config config;
    std::unique_ptr<RawNode> raw;
    // Disk.
    HardState hard_state;
    HardState synced_hard_state;  // as of the last fdatasync
    Snapshot snapshot;
    std::vector<Entry> log;
    // State machine.
    std::vector<std::string> applied;
    ConfState conf;
  };
  using Handler = base::Status (InteractionEnv::*)(const Command&);
  static const std::map<std::string, Handler>& Handlers();

  // Commands (interaction.cpp).
  base::Status AddNodes(const Command& c);
  base::Status Campaign(const Command& c);
  base::Status Tick(const Command& c);
  base::Status TickElection(const Command& c);
  base::Status TickHeartbeat(const Command& c);
  base::Status Propose(const Command& c);
  base::Status ProposeConfChange(const Command& c);
  base::Status ReadIndex(const Command& c);
  base::Status TransferLeadership(const Command& c);
  base::Status ReportUnreachable(const Command& c);
  base::Status ReportSnapshot(const Command& c);
  // Disk and inspection (interaction_state.cpp).
  base::Status Compact(const Command& c);
  base::Status Restart(const Command& c);
  base::Status RaftLogCmd(const Command& c);
  base::Status RaftState(const Command& c);
  base::Status StatusCmd(const Command& c);
  base::Status Applied(const Command& c);
  // Readies and messages (interaction_network.cpp).
  base::Status ProcessReadyCmd(const Command& c);
  base::Status DeliverMsgs(const Command& c);
  base::Status Stabilize(const Command& c);
  base::Status Isolate(const Command& c);
  base::Status Cut(const Command& c);
  base::Status Heal(const Command& c);

  bool ProcessReady(NodeId id);
  void Persist(Node& n, const Ready& rd);
  void Apply(NodeId id, Node& n, const Ready& rd);
  // Delivers (or drops, when `drop`) the queued messages to `to` that pass
  // the filters; returns how many left the queue.
  size_t Deliver(NodeId to, bool drop, const std::string& type, NodeId from);
  void CheckSent(NodeId id, const Node& n, const Ready& rd);
  void CheckCommittedLocal(NodeId id, const Node& n, const Ready& rd);
  void CheckApplied(NodeId id, const Entry& e);
  void CheckLeaders();
  void Violation(const std::string& what);  // printed once per distinct text

  // Runs `step` on member `id`, then prints its role/term change, if any.
  template <typename F>
  void Observe(NodeId id, F&& step);
  base::Result<Node*> Get(const Command& c, size_t i = 0);  // args[i] names a member
  void Print(const std::string& line);                      // one line, indented
  std::vector<NodeId> Ids() const;

  std::map<NodeId, Node> nodes_;
  // The network: sent messages in send order. A message sent on a cut link
  // is lost even if the link heals before it is delivered.
  struct InFlight {
    Message msg;
    bool lost = false;
  };
  std::vector<InFlight> queue_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::map<Term, NodeId> leaders_;                     // every leader seen, by term
  std::map<Index, std::pair<NodeId, Entry>> applied_;  // the first applied at each index
  std::set<std::string> violations_;
  std::string out_;
  int indent_ = 0;
};

template <typename F>
void InteractionEnv::Observe(NodeId id, F&& step) {
  Role role = nodes_.at(id).raw->raft().role();
  Term term = nodes_.at(id).raw->raft().term();
  step();
  const Raft& r = nodes_.at(id).raw->raft();
  if (r.role() != role || r.term() != term) {
    Print(std::to_string(id) + " became " + ToString(r.role()) + " at term " +
          std::to_string(r.term()));
  }
  CheckLeaders();
}

}  // namespace flotilla::raft::testing

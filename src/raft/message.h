// The vocabulary of the raft core: log entries, snapshots, membership and the
// messages members exchange (after etcd-io/raft's raftpb, cut to what this
// core uses). Plain values: copyable, comparable, no behaviour. The wire and
// disk encodings live in codec.h (docs/formats/raft.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flotilla::raft {

// Identifiers. A NodeId is never 0 (0 means "none"); terms and indexes start
// at 1, and 0 means "before anything".
using NodeId = uint64_t;
using Term = uint64_t;
using Index = uint64_t;
inline constexpr NodeId kNone = 0;

enum class EntryType : uint8_t {
  kNormal = 0,      // data is the application's command (empty: a leader's no-op)
  kConfChange = 1,  // data is an encoded ConfChange
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;
  bool operator==(const Entry&) const = default;
};

// A single-server membership change. It takes effect when the application
// applies its entry and calls RawNode::ApplyConfChange.
enum class ConfChangeType : uint8_t {
  kAddNode = 0,     // add a voter, or promote a learner
  kRemoveNode = 1,  // remove a voter or a learner
  kAddLearner = 2,  // add a non-voting member that receives the log
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddNode;
  NodeId node = kNone;
  std::string context;  // opaque to raft (the member's attributes)
  bool operator==(const ConfChange&) const = default;
};

// Who is in the cluster. Sorted, disjoint.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  bool operator==(const ConfState&) const = default;
};

struct SnapshotMeta {
  Index index = 0;
  Term term = 0;
  ConfState conf;
  bool operator==(const SnapshotMeta&) const = default;
};

struct Snapshot {
  SnapshotMeta meta;
  std::string data;  // the application's state machine image
  bool empty() const { return meta.index == 0; }
  bool operator==(const Snapshot&) const = default;
};

// What must survive a crash besides the log (Figure 2: currentTerm,
// votedFor; commit too, so a restart re-applies no further than needed).
struct HardState {
  Term term = 0;
  NodeId vote = kNone;
  Index commit = 0;
  bool operator==(const HardState&) const = default;
};

enum class MessageType : uint8_t {
  // Local (IsLocal): never sent over the network, except kPropose, which a
  // follower forwards to the leader (with term 0, as a local message).
  kHup = 0,             // start an election (timeout, or Campaign())
  kBeat = 1,            // leader: send heartbeats
  kPropose = 2,         // append entries; a follower forwards it to the leader
  kUnreachable = 3,     // the transport could not reach `from`
  kSnapshotStatus = 4,  // the transport finished (reject=failed) sending a snapshot to `from`
  kCheckQuorum = 5,     // leader: step down if a quorum was not heard from
  kPeerDown = 6,        // the transport saw `from`'s connection to us close
  // Between members.
  kAppend = 10,
  kAppendResponse = 11,
  kVote = 12,
  kVoteResponse = 13,
  kPreVote = 14,
  kPreVoteResponse = 15,
  kSnapshot = 16,
  kHeartbeat = 17,
  kHeartbeatResponse = 18,
  kTransferLeader = 19,  // to the leader: hand leadership to `from`
  kTimeoutNow = 20,      // leader to transferee: campaign now
  kReadIndex = 21,       // to the leader: confirm leadership for a read
  kReadIndexResponse = 22,
};

const char* ToString(MessageType t);
// kHup, kBeat, kUnreachable, kSnapshotStatus, kCheckQuorum, kPeerDown (not
// kPropose).
bool IsLocal(MessageType t);
bool IsResponse(MessageType t);

struct Message {
  MessageType type = MessageType::kHup;
  NodeId to = kNone;
  NodeId from = kNone;
  Term term = 0;
  Term log_term = 0;  // kAppend: term of `index`; votes: candidate's last term
  Index index = 0;    // kAppend: entry preceding `entries`; responses: last matched
  std::vector<Entry> entries;
  Index commit = 0;
  Snapshot snapshot;  // kSnapshot only
  bool reject = false;
  Index reject_hint = 0;  // kAppendResponse reject: the follower's last index
  std::string context;    // heartbeats and read index: the read request's id; votes: "transfer"
  bool operator==(const Message&) const = default;
};

}  // namespace flotilla::raft

// RawNode: the application's handle on the raft core, and Ready, the
// contract between them (etcd-io/raft's RawNode).
//
// The application loops:
//
//   tick / step / propose ...            as inputs arrive
//   if (node.HasReady()) {
//     Ready rd = node.GetReady();
//     persist rd.snapshot, rd.entries, rd.hard_state   (fdatasync if rd.must_sync)
//     send rd.messages                                  (only after persisting!)
//     apply rd.snapshot, then rd.committed_entries      (in order)
//     node.Advance(rd);
//   }
//
// THE DURABILITY CONTRACT: the entries, hard state and snapshot of a Ready
// must be on disk before any of its messages is sent. A vote or an append
// acknowledgement promises the sender that this member will remember; if
// the member crashed after sending and before syncing, it could vote twice
// in one term or lose an entry a quorum counted on, and raft's safety
// (Figure 3) would be gone.
//
// The one exception (thesis 10.2.1): a leader may send its appends and
// heartbeats of the current term (MaySendBeforePersist, decided right after
// GetReady) while the same Ready is being written, so that its own fsync
// and its followers' overlap. Nothing in them asks the receiver to trust
// what the leader has not yet synced: its term and vote were synced before
// it asked for votes, and it counts its own new entries toward a commit
// only after Advance says they are stable.
//
// Committed entries are handed out only once they are on this member's disk.
// Step may be called between GetReady and Advance (new inputs land in the
// next Ready); GetReady may not be called again before Advance.
//
// Threading: none; the caller serializes every call.
#pragma once

#include <optional>
#include <vector>

#include "raft/raft.h"

namespace flotilla::raft {

struct SoftState {
  NodeId leader = kNone;
  Role role = Role::kFollower;
  bool operator==(const SoftState&) const = default;
};

struct Ready {
  std::optional<SoftState> soft_state;   // changed since the last Ready; not persisted
  std::optional<HardState> hard_state;   // changed since the last Ready: persist
  Snapshot snapshot;                     // from the leader (if !empty): persist, then apply
  std::vector<Entry> entries;            // persist (replacing any entries at >= their index)
  std::vector<Entry> committed_entries;  // apply, in order
  std::vector<Message> messages;         // send after persisting
  std::vector<ReadState> read_states;    // linearizable reads once applied up to their index
  // An fdatasync is needed (entries, or a new term or vote). A commit index
  // alone can be written lazily: it is rebuilt after a crash.
  bool must_sync = false;
};

// Whether `m`, of a Ready just taken from `node`, may be sent before the
// Ready is persisted (see the exception above).
bool MaySendBeforePersist(const Raft& node, const Message& m);

// What a member found on disk at start.
struct Restored {
  HardState hard_state;
  Snapshot snapshot;           // the newest applied snapshot (may be empty)
  std::vector<Entry> entries;  // the log after the snapshot
};

// Cumulative view for status pages.
struct Status {
  NodeId id = kNone;
  HardState hard_state;
  SoftState soft_state;
  Index applied = 0;
  std::map<NodeId, Progress> progress;  // on the leader
  NodeId lead_transferee = kNone;
};

class RawNode {
 public:
  // A member of a new cluster: the founding membership becomes the first
  // entries (one kAddNode conf change per peer at term 1, committed), so
  // every founding member starts from the same log.
  static RawNode Bootstrap(const Config& config, const std::vector<ConfChange>& founders);
  // A member restarting from disk, or joining an existing cluster (empty).
  RawNode(const Config& config, Restored restored);

  void Tick() { raft_.Tick(); }
  // Starts an election now (skipping the timeout).
  void Campaign();
  ProposeError Propose(std::string data);
  ProposeError ProposeConfChange(const ConfChange& cc);
  // A message from a peer (or a transport report).
  void Step(Message m);
  // Asks for a linearizable read; its ReadState comes out in a later Ready.
  ProposeError ReadIndex(std::string context);
  // Asks the leader to hand leadership to `target`.
  void TransferLeader(NodeId target);
  // Applies a committed kConfChange entry; returns the new membership.
  ConfState ApplyConfChange(const ConfChange& cc) { return raft_.ApplyConfChange(cc); }
  // The application saved a snapshot of its state at `snapshot.meta.index`.
  void Compact(Snapshot snapshot) { raft_.SetSnapshot(std::move(snapshot)); }
  // The transport's reports.
  void ReportUnreachable(NodeId peer);
  void ReportSnapshot(NodeId peer, bool failed);
  // `peer`'s connection to us closed (kPeerDown): if it led us, campaign
  // soon rather than after a whole election timeout.
  void ReportPeerDown(NodeId peer);

  bool HasReady() const;
  Ready GetReady();
  void Advance(const Ready& rd);

  Status GetStatus() const;
  const Raft& raft() const { return raft_; }
  Raft& raft() { return raft_; }

 private:
  RawNode(const Config& config, const HardState& hs, RaftLog log, const ConfState& conf);
  Raft raft_;
  SoftState prev_soft_;
  HardState prev_hard_;
};

}  // namespace flotilla::raft

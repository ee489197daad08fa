// RaftLog: the replicated log as one member holds it in memory.
//
//   [compacted ... snapshot.index] [entries ...................... last]
//                                   ^first      stable^   committed^
//
// Everything up to `snapshot.index` lives only in the snapshot. `entries`
// holds the rest; those up to `stable` are on this member's disk, the rest
// still have to be persisted (they go out in the next Ready). `committed`
// is the highest index known committed; `applied` the highest the
// application applied. Invariants (CheckInvariants): snapshot.index <=
// applied <= committed, applied <= stable <= last, entries are contiguous
// from snapshot.index + 1, terms never decrease along the log.
//
// A snapshot received from the leader is held as `pending_snapshot` until the
// application persisted and applied it (Ready.snapshot).
#pragma once

#include <optional>
#include <vector>

#include "raft/message.h"

namespace flotilla::raft {

class RaftLog {
 public:
  RaftLog() = default;
  // Restarts from what the disk holds: an applied snapshot (may be empty)
  // and the entries after it, all stable.
  RaftLog(const SnapshotMeta& snapshot, std::vector<Entry> entries);

  Index first_index() const { return snapshot_.index + 1; }
  Index last_index() const { return snapshot_.index + entries_.size(); }
  Term last_term() const { return *term(last_index()); }
  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  Index stable() const { return stable_; }
  const SnapshotMeta& snapshot_meta() const { return snapshot_; }

  // The term of entry i: nullopt when i was compacted away (i < snapshot
  // index) or is past the end.
  std::optional<Term> term(Index i) const;
  bool MatchTerm(Index i, Term t) const { return term(i) == t; }
  // Section 5.4.1: is a log ending at (index, term) at least as up to date?
  bool IsUpToDate(Index index, Term t) const;

  // Leader: appends its own new entries (indexes already assigned).
  void Append(const std::vector<Entry>& entries);
  // Follower: the append-entries consistency check and conflict rule of
  // Figure 2. Returns the index of the last new entry, or nullopt when the
  // log has no entry (prev_index, prev_term).
  std::optional<Index> MaybeAppend(Index prev_index, Term prev_term, Index leader_commit,
                                   const std::vector<Entry>& entries);
  // Entries [lo, hi) up to max_bytes (at least one if any); nullopt when lo
  // was compacted away.
  std::optional<std::vector<Entry>> Slice(Index lo, Index hi, size_t max_bytes) const;

  void CommitTo(Index i);   // never moves back
  void AppliedTo(Index i);  // never moves back
  // The entries up to (i, t) reached the disk. Ignored when the log changed
  // under that index meanwhile (a conflicting append replaced it).
  void StableTo(Index i, Term t);

  // Not yet persisted, in order.
  std::vector<Entry> UnstableEntries() const;
  // Committed, persisted and not yet handed to the application.
  std::vector<Entry> NextCommittedEntries(size_t max_bytes) const;
  bool HasNextCommittedEntries() const;

  // Replaces the log with a snapshot from the leader (not yet persisted).
  void Restore(const Snapshot& snapshot);
  const std::optional<Snapshot>& pending_snapshot() const { return pending_snapshot_; }
  // The application persisted and applied the pending snapshot.
  void SnapshotApplied(Index index);

  // Drops entries up to and including i (i <= applied), keeping their
  // successor's predecessor term in the snapshot metadata `meta`.
  void Compact(const SnapshotMeta& meta);

  // Aborts (assertion) when an invariant is broken; for tests and debug.
  void CheckInvariants() const;

 private:
  const Entry& at(Index i) const { return entries_[i - snapshot_.index - 1]; }
  Index FindConflict(const std::vector<Entry>& entries) const;
  void TruncateAndAppend(const std::vector<Entry>& entries);

  SnapshotMeta snapshot_;
  std::vector<Entry> entries_;
  std::optional<Snapshot> pending_snapshot_;
  Index committed_ = 0;
  Index applied_ = 0;
  Index stable_ = 0;
};

size_t EntryBytes(const Entry& e);

}  // namespace flotilla::raft

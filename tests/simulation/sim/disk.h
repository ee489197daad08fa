// Disk: one member's simulated stable storage, modelled as a write-ahead log.
//
// Writes (a snapshot, a run of entries, a hard state) are appended to an
// unsynced buffer in order; Sync() makes them durable. A crash (power loss)
// keeps a random prefix of the unsynced writes, as an append-only file that
// reached the platter only partly would, and may tear the write at the cut:
// of a run of entries only a prefix survives (a torn hard state or snapshot
// record fails its checksum and is dropped whole). Whatever was synced
// survives every crash.
//
// The durable state is what a restarting member reads (Restored): the newest
// snapshot, the entries after it and the last hard state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "raft/raw_node.h"
#include "rng.h"

namespace flotilla::sim {

struct DiskState {
  raft::HardState hard_state;
  raft::Snapshot snapshot;
  std::vector<raft::Entry> entries;  // contiguous, after snapshot.meta.index

  raft::Index last_index() const {
    return entries.empty() ? snapshot.meta.index : entries.back().index;
  }
  // The term of entry i if the disk holds it (or it is the snapshot's).
  std::optional<raft::Term> term(raft::Index i) const;
};

// What a crash did to the unsynced writes, for the trace.
struct CrashLoss {
  size_t unsynced = 0;  // writes pending at the crash
  size_t kept = 0;      // of which survived whole
  bool torn = false;    // the next one survived in part
};

class Disk {
 public:
  // A snapshot received from the leader replaces the whole log; the
  // member's own snapshot (compaction) only drops the entries it covers.
  void WriteSnapshot(const raft::Snapshot& s, bool replaces_log);
  // Replaces the entries at and after entries.front().index.
  void WriteEntries(const std::vector<raft::Entry>& entries);
  void WriteHardState(const raft::HardState& hs);
  void Sync();
  // `tear`: cut inside the last multi-entry write if there is one, rather
  // than at a random write.
  CrashLoss Crash(Rng& rng, bool tear = false);

  const DiskState& durable() const { return durable_; }
  size_t unsynced() const { return unsynced_.size(); }
  uint64_t syncs() const { return syncs_; }
  // Set when a write would leave a gap in the log (a driver or raft bug).
  const std::string& error() const { return error_; }
  raft::Restored Restore() const;

 private:
  struct Write {
    enum class Kind : uint8_t { kSnapshot, kEntries, kHardState } kind;
    raft::Snapshot snapshot;
    bool replaces_log = false;
    std::vector<raft::Entry> entries;
    raft::HardState hard_state;
  };
  void Apply(const Write& w);

  DiskState durable_;
  std::vector<Write> unsynced_;
  uint64_t syncs_ = 0;
  std::string error_;
};

}  // namespace flotilla::sim

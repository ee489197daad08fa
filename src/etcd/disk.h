// Disk: a store member's durable state, the WAL and the snapshots of
// member/{wal,snap} in the data dir, written by one writer thread so that the
// loop thread never waits for fdatasync.
//
// Persist() writes what a raft Ready asks to keep (snapshot, then entries
// and hard state in one WAL write, then one fdatasync if the Ready must
// sync) and reports back on the loop thread; tasks run in the order they
// were posted, so a Ready handed over while the previous one syncs goes
// into the next write (group commit). A failed write or sync leaves the WAL
// broken: every later task reports the same error.
//
// Snapshot files hold [u8 version][bytes: raft::EncodeConfState][kv image]
// (docs/formats/raft.md); WAL entries hold [u8 raft entry type][data].
//
// Threading: construct, Open and Stop on one thread; the rest from the loop
// thread; callbacks run on the loop thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/fs.h"
#include "base/status.h"
#include "net/event_loop.h"
#include "raft/raw_node.h"

namespace flotilla::etcd {

struct OpenedDisk {
  bool existed = false;     // false: a new, empty data dir was created
  std::string metadata;     // as given to Open when the WAL was created
  raft::Restored restored;  // the snapshot (data = kv image) and the log
};

class Disk {
 public:
  Disk(net::EventLoop& loop, base::Fs& fs, std::string data_dir);
  ~Disk();

  // Opens the data dir, or creates it with `new_metadata` at the head of
  // the WAL. Starts the writer thread.
  base::Status Open(const std::string& new_metadata, OpenedDisk& out);
  void Stop();

  struct Persisted {
    base::Status status;
    int64_t sync_nanos = -1;  // -1 when no sync was needed
  };
  // Snapshot (if not empty; its data is the kv image), entries and hard
  // state, then fdatasync when `sync`.
  void Persist(raft::Snapshot snapshot, std::vector<raft::Entry> entries,
               std::optional<raft::HardState> hs, bool sync, std::function<void(Persisted)> done);
  // Saves a snapshot this member took and releases WAL segments up to
  // `release_to` (the previous snapshot, kept as a fallback).
  // The writer thread only reads `snapshot`; the caller keeps it until done.
  void SaveSnapshot(std::shared_ptr<const raft::Snapshot> snapshot, raft::Index release_to,
                    std::function<void(base::Status)> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::etcd

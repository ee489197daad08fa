// Wal: the write-ahead log of a store member (format: docs/formats/wal.md).
//
// A directory of segment files "<seq:016x>-<first index:016x>.wal". Each
// record is [u32 length][u32 crc32c of type+payload][u8 type][payload]; record
// types are entries, hard state, snapshot markers and a metadata record that
// opens every segment (followed by the current hard state). Append() buffers records in the current
// segment's file; Sync() makes everything appended durable (fdatasync), so a caller batching many
// Appends before one Sync gets group commit. Segments are cut at ~64 MiB or
// on demand (Cut), and ReleaseTo() deletes segments wholly covered by a
// snapshot.
//
// Recovery (Open) replays every segment in order. A torn last record (short
// length, short payload, or a bad checksum with nothing valid after it) is
// truncated away and logged; any other damage stops Open with a
// kCorruption Status naming the file and byte offset. Entries appended at an
// index <= the last one replace the log's tail from that index on (raft's
// rule), both in memory and on replay.
//
// Gaps are refused: an Append must continue the log (index <= last + 1) or
// start an empty one. A log that jumps ahead because a snapshot was installed
// records that first with MarkSnapshot(). Segments are created complete
// (temp file, fsync, rename, fsync of the directory) and the previous segment
// is synced before a new one starts, so only the last segment can be torn.
//
// Errors: after a failed write or sync the Wal is broken (what reached the
// disk is unknown) and every later call returns that first error; reopen to
// recover.
//
// Threading: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/status.h"

namespace flotilla::storage {

struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  std::string data;
};

struct HardState {
  uint64_t term = 0;
  uint64_t vote = 0;
  uint64_t commit = 0;
  bool operator==(const HardState&) const = default;
};

// What recovery found: the hard state and the entries after `after_index`.
struct Recovered {
  std::string metadata;  // as given to Create()
  HardState hard_state;
  std::vector<Entry> entries;
  bool truncated_tail = false;  // a torn last record was cut off
};

struct WalOptions {
  // A segment is cut once it reaches this size (checked after each Sync).
  uint64_t segment_bytes = 64ull << 20;
};

class Wal {
 public:
  ~Wal();

  // Creates a new log in `dir` (which must hold no segments). `metadata` is
  // stored at the head of every segment (e.g. member and cluster ids).
  static base::Result<std::unique_ptr<Wal>> Create(base::Fs& fs, const std::string& dir,
                                                   std::string metadata,
                                                   const WalOptions& options = {});
  // Opens an existing log and recovers the entries with index > after_index
  // (the index of the snapshot the caller loaded, 0 for none). Fails with
  // kCorruption when the log does not reach back to after_index + 1, and
  // kNotFound when `dir` holds no segments. When the snapshot is newer than
  // the whole log, the log continues at after_index + 1.
  static base::Result<std::unique_ptr<Wal>> Open(base::Fs& fs, const std::string& dir,
                                                 uint64_t after_index, Recovered* recovered,
                                                 const WalOptions& options = {});
  static bool Exists(base::Fs& fs, const std::string& dir);

  // `entries` must have consecutive indexes; the first may be <= last_index()
  // + 1 (raft's overwrite rule), or anything on an empty log. One write.
  base::Status Append(const std::vector<Entry>& entries);
  base::Status SetHardState(const HardState& hs);
  // Append(entries) and SetHardState(hs) in one write, as raft's Ready asks.
  base::Status Save(const HardState& hs, const std::vector<Entry>& entries);
  // Records that a snapshot covers the log up to `index`. When index >
  // last_index() (a snapshot installed from the leader) the log jumps: the
  // next Append starts at index + 1 and replay forgets the older entries.
  base::Status MarkSnapshot(uint64_t term, uint64_t index);
  // fdatasync of everything appended so far.
  base::Status Sync();
  // Starts a new segment (after a snapshot, so older ones can be released).
  base::Status Cut();
  // Deletes segments whose entries are all <= index (keeps the one in use).
  base::Status ReleaseTo(uint64_t index);

  uint64_t last_index() const;
  uint64_t bytes_since_sync() const;

 private:
  struct Impl;  // wal_impl.h
  explicit Wal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::storage

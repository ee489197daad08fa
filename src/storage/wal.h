// Wal: the write-ahead log of a store member (format: docs/formats/wal.md).
//
// A directory of segment files "<seq:016x>-<first index:016x>.wal". Each
// record is [u32 length][u32 crc32c of type+payload][u8 type][payload]; record
// types are entries, hard state and a metadata record that opens every
// segment. Append() buffers records in the current segment's file; Sync()
// makes everything appended durable (fdatasync), so a caller batching many
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

class Wal {
 public:
  ~Wal();

  // Creates a new log in `dir` (which must hold no segments). `metadata` is
  // stored at the head of every segment (e.g. member and cluster ids).
  static base::Result<std::unique_ptr<Wal>> Create(base::Fs& fs, const std::string& dir,
                                                   std::string metadata);
  // Opens an existing log and recovers the entries with index > after_index
  // (the index of the snapshot the caller loaded, 0 for none).
  static base::Result<std::unique_ptr<Wal>> Open(base::Fs& fs, const std::string& dir,
                                                 uint64_t after_index, Recovered* recovered);
  static bool Exists(base::Fs& fs, const std::string& dir);

  base::Status Append(const std::vector<Entry>& entries);
  base::Status SetHardState(const HardState& hs);
  // fdatasync of everything appended so far.
  base::Status Sync();
  // Starts a new segment (after a snapshot, so older ones can be released).
  base::Status Cut();
  // Deletes segments whose entries are all <= index (keeps the one in use).
  base::Status ReleaseTo(uint64_t index);

  uint64_t last_index() const;
  uint64_t bytes_since_sync() const;

 private:
  struct Impl;
  explicit Wal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::storage

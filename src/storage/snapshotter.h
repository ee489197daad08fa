// Snapshotter: durable snapshots of the state machine (docs/formats/snapshot.md).
//
// Files "<term:016x>-<index:016x>.snap" in one directory, each
// [magic "FLSNAP01"][u64 term][u64 index][u64 length][u32 crc32c][payload],
// written atomically (temp file, fsync, rename, fsync dir). Load() returns the
// newest snapshot that verifies; a damaged newer file is renamed *.broken
// and logged, and an older one is used. Old snapshots beyond `keep` are
// removed after each Save (`keep` < 1 counts as 1).
//
// Threading: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/fs.h"
#include "base/status.h"

namespace flotilla::storage {

struct Snapshot {
  uint64_t term = 0;
  uint64_t index = 0;
  std::string data;
};

class Snapshotter {
 public:
  Snapshotter(base::Fs& fs, std::string dir, int keep = 2)
      : fs_(fs), dir_(std::move(dir)), keep_(keep) {}

  base::Status Save(const Snapshot& snap);
  // The newest valid snapshot, nullopt when there is none.
  base::Result<std::optional<Snapshot>> Load();

 private:
  base::Fs& fs_;
  std::string dir_;
  int keep_;
};

}  // namespace flotilla::storage

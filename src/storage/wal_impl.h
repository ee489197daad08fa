// Wal::Impl: the state behind a Wal, shared by its write path (wal.cpp) and
// recovery (wal_open.cpp). Internal to the storage module.
//
// Invariants: `segments` is non-empty, oldest first, with consecutive seqs;
// `file` appends to segments.back(); `unsynced` counts the bytes written to
// it since the last successful sync; `buffer` is empty between calls. Once
// `failed` holds an error the Wal refuses all further work.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/fs.h"
#include "base/status.h"
#include "storage/wal.h"

namespace flotilla::storage {

// One segment file as the Wal tracks it.
struct WalSegment {
  uint64_t seq = 0;
  std::string path;
  uint64_t max_index = 0;  // the highest entry index or snapshot mark in it
};

struct Wal::Impl {
  Impl(base::Fs& f, std::string d, const WalOptions& o) : fs(f), dir(std::move(d)), options(o) {}

  // Metadata record, then the hard state when there is one.
  std::string SegmentHeader() const;
  // Writes a complete new segment (temp, sync, rename, dir sync), makes it current.
  base::Status CreateSegment(uint64_t seq, uint64_t first_index);
  base::Status Write(std::string_view bytes);
  base::Status SyncFile();
  base::Status Cut();
  void EncodeEntries(const std::vector<Entry>& entries);
  base::Status Flush();  // writes and clears `buffer`
  void NoteIndex(uint64_t index);

  base::Fs& fs;
  std::string dir;
  WalOptions options;
  std::string metadata;
  std::vector<WalSegment> segments;
  std::unique_ptr<base::WritableFile> file;
  uint64_t last_index = 0;
  HardState hard_state;
  uint64_t unsynced = 0;
  std::string buffer;
  base::Status failed;
};

}  // namespace flotilla::storage

// WAL segments: their file names and the scan of one segment's bytes.
//
// A segment is named "<seq:016x>-<first index:016x>.wal": seq counts up by
// one per segment (so a missing middle segment shows), first index is
// last_index + 1 when the segment was started. ScanSegment splits a
// segment's bytes into verified records and classifies what follows them:
// nothing, a torn tail (damage with no verifying record after it, e.g. a
// half-written last record or a zero-filled end) or corruption (damage
// followed by a record that verifies). Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/record.h"

namespace flotilla::storage {

inline constexpr std::string_view kSegmentSuffix = ".wal";

std::string SegmentName(uint64_t seq, uint64_t first_index);
bool ParseSegmentName(std::string_view name, uint64_t& seq, uint64_t& first_index);

struct SegmentScan {
  enum class Tail { kClean, kTorn, kCorrupt };

  std::vector<Record> records;  // verified, in file order; views into the input
  uint64_t valid_bytes = 0;     // end of the last verified record
  Tail tail = Tail::kClean;
  std::string problem;  // why the bytes at valid_bytes are not a record
};

SegmentScan ScanSegment(std::string_view bytes);

}  // namespace flotilla::storage

#include "storage/segment.h"

#include <fmt/format.h>

#include <algorithm>

#include "storage/numbered_name.h"

namespace flotilla::storage {

std::string SegmentName(uint64_t seq, uint64_t first_index) {
  return NumberedName(seq, first_index, kSegmentSuffix);
}

bool ParseSegmentName(std::string_view name, uint64_t& seq, uint64_t& first_index) {
  return ParseNumberedName(name, kSegmentSuffix, seq, first_index);
}

SegmentScan ScanSegment(std::string_view bytes) {
  SegmentScan scan;
  RecordReader reader(bytes);
  Record rec;
  RecordReader::Outcome outcome;
  while ((outcome = reader.Next(rec)) == RecordReader::Outcome::kRecord)
    scan.records.push_back(rec);
  scan.valid_bytes = reader.offset();
  if (outcome == RecordReader::Outcome::kEnd) return scan;

  std::string_view rest = bytes.substr(scan.valid_bytes);
  if (std::all_of(rest.begin(), rest.end(), [](char c) { return c == '\0'; })) {
    scan.tail = SegmentScan::Tail::kTorn;
    scan.problem = fmt::format("zero-filled tail ({} bytes)", rest.size());
  } else {
    scan.tail = AnyRecordAfter(bytes, scan.valid_bytes) ? SegmentScan::Tail::kCorrupt
                                                        : SegmentScan::Tail::kTorn;
    scan.problem = reader.problem();
  }
  return scan;
}

}  // namespace flotilla::storage

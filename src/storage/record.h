// WAL record framing (docs/formats/wal.md).
//
// A record is [u32 length][u32 crc32c][u8 type][payload], integers little
// endian; `length` counts the payload bytes only and the checksum covers the
// type byte and the payload. Encoders append whole records to a caller's
// buffer so one Wal::Append becomes one write. RecordReader walks a segment's
// bytes and stops at the first record that does not verify, reporting what
// was wrong and where; deciding whether that is a torn tail or corruption is
// the caller's business (see ClassifyDamage in segment.h).
//
// Pure functions over byte strings: no I/O, no state, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/wal.h"

namespace flotilla::storage {

enum class RecordType : uint8_t {
  kMetadata = 1,   // payload: the opaque metadata given to Wal::Create
  kEntry = 2,      // payload: u64 term, u64 index, entry data (the rest)
  kHardState = 3,  // payload: u64 term, u64 vote, u64 commit
  kSnapshot = 4,   // payload: u64 term, u64 index (see Wal::MarkSnapshot)
};

inline constexpr size_t kRecordHeaderSize = 9;
// Longer records are refused on write and distrusted on read, so a garbage
// length never makes recovery allocate or skip gigabytes.
inline constexpr uint32_t kMaxRecordPayload = 64u << 20;

bool IsKnownRecordType(uint8_t type);

void EncodeMetadataRecord(std::string& out, std::string_view metadata);
void EncodeEntryRecord(std::string& out, const Entry& entry);
void EncodeHardStateRecord(std::string& out, const HardState& hs);
void EncodeSnapshotRecord(std::string& out, uint64_t term, uint64_t index);

// Payload decoders; false when the payload has the wrong shape.
bool DecodeEntry(std::string_view payload, Entry& entry);
bool DecodeHardState(std::string_view payload, HardState& hs);
bool DecodeSnapshot(std::string_view payload, uint64_t& term, uint64_t& index);

struct Record {
  uint8_t type = 0;
  std::string_view payload;  // points into the reader's input
  uint64_t offset = 0;       // of the record's first byte
};

class RecordReader {
 public:
  enum class Outcome { kRecord, kEnd, kDamaged };

  explicit RecordReader(std::string_view bytes) : bytes_(bytes) {}

  // kRecord: `record` holds the next verified record (its type may still be
  // unknown). kEnd: clean end of input. kDamaged: the bytes at offset() do not
  // form a record; problem() says why. After kEnd or kDamaged it stays put.
  Outcome Next(Record& record);

  uint64_t offset() const { return pos_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string_view bytes_;
  uint64_t pos_ = 0;
  std::string problem_;
};

// A record that verifies (length in bounds, checksum matches) starts at `pos`.
bool VerifiesAt(std::string_view bytes, uint64_t pos);
// A verifying record starts anywhere in (pos, end).
bool AnyRecordAfter(std::string_view bytes, uint64_t pos);

}  // namespace flotilla::storage

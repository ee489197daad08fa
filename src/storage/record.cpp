#include "storage/record.h"

#include <fmt/format.h>

#include "base/codec.h"
#include "base/crc32c.h"

namespace flotilla::storage {
namespace {

uint32_t LoadU32(std::string_view b, uint64_t pos) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(b[pos + i])) << (8 * i);
  return v;
}

void StoreU32(std::string& b, size_t pos, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[pos + i] = static_cast<char>(v >> (8 * i));
}

// Appends the header placeholder and the type byte, returns the record start.
size_t BeginRecord(std::string& out, RecordType type) {
  size_t start = out.size();
  out.append(8, '\0');
  out += static_cast<char>(type);
  return start;
}

void FinishRecord(std::string& out, size_t start) {
  size_t len = out.size() - start - kRecordHeaderSize;
  StoreU32(out, start, static_cast<uint32_t>(len));
  StoreU32(out, start + 4, base::Crc32cExtend(0, out.data() + start + 8, len + 1));
}

// Payload sizes a record of each known type can have; a cheap filter before
// the checksum when hunting for records after damage.
bool PlausibleLength(uint8_t type, uint32_t len) {
  switch (static_cast<RecordType>(type)) {
    case RecordType::kMetadata:
      return false;  // only ever at offset 0
    case RecordType::kEntry:
      return len >= 16;
    case RecordType::kHardState:
      return len == 24;
    case RecordType::kSnapshot:
      return len == 16;
  }
  return false;
}

}  // namespace

bool IsKnownRecordType(uint8_t type) {
  return type >= 1 && type <= 4;
}

void EncodeMetadataRecord(std::string& out, std::string_view metadata) {
  size_t start = BeginRecord(out, RecordType::kMetadata);
  out.append(metadata);
  FinishRecord(out, start);
}

void EncodeEntryRecord(std::string& out, const Entry& entry) {
  size_t start = BeginRecord(out, RecordType::kEntry);
  base::Encoder enc(out);
  enc.U64(entry.term);
  enc.U64(entry.index);
  out.append(entry.data);
  FinishRecord(out, start);
}

void EncodeHardStateRecord(std::string& out, const HardState& hs) {
  size_t start = BeginRecord(out, RecordType::kHardState);
  base::Encoder enc(out);
  enc.U64(hs.term);
  enc.U64(hs.vote);
  enc.U64(hs.commit);
  FinishRecord(out, start);
}

void EncodeSnapshotRecord(std::string& out, uint64_t term, uint64_t index) {
  size_t start = BeginRecord(out, RecordType::kSnapshot);
  base::Encoder enc(out);
  enc.U64(term);
  enc.U64(index);
  FinishRecord(out, start);
}

bool DecodeEntry(std::string_view payload, Entry& entry) {
  base::Decoder dec(payload);
  if (!dec.U64(entry.term) || !dec.U64(entry.index)) return false;
  entry.data.assign(payload.substr(dec.position()));
  return true;
}

bool DecodeHardState(std::string_view payload, HardState& hs) {
  base::Decoder dec(payload);
  return dec.U64(hs.term) && dec.U64(hs.vote) && dec.U64(hs.commit) && dec.done();
}

bool DecodeSnapshot(std::string_view payload, uint64_t& term, uint64_t& index) {
  base::Decoder dec(payload);
  return dec.U64(term) && dec.U64(index) && dec.done();
}

RecordReader::Outcome RecordReader::Next(Record& record) {
  if (!problem_.empty()) return Outcome::kDamaged;
  uint64_t rem = bytes_.size() - pos_;
  if (rem == 0) return Outcome::kEnd;
  if (rem < kRecordHeaderSize) {
    problem_ = fmt::format("incomplete record header ({} bytes)", rem);
    return Outcome::kDamaged;
  }
  uint32_t len = LoadU32(bytes_, pos_);
  if (len > kMaxRecordPayload) {
    problem_ = fmt::format("record length {} exceeds the limit of {}", len, kMaxRecordPayload);
    return Outcome::kDamaged;
  }
  if (kRecordHeaderSize + len > rem) {
    problem_ = fmt::format("record length {} runs past the end of the file ({} bytes left)", len,
                           rem - kRecordHeaderSize);
    return Outcome::kDamaged;
  }
  if (!VerifiesAt(bytes_, pos_)) {
    problem_ = "checksum mismatch";
    return Outcome::kDamaged;
  }
  record.type = static_cast<uint8_t>(bytes_[pos_ + 8]);
  record.payload = bytes_.substr(pos_ + kRecordHeaderSize, len);
  record.offset = pos_;
  pos_ += kRecordHeaderSize + len;
  return Outcome::kRecord;
}

bool VerifiesAt(std::string_view bytes, uint64_t pos) {
  if (pos > bytes.size() || bytes.size() - pos < kRecordHeaderSize) return false;
  uint32_t len = LoadU32(bytes, pos);
  if (len > kMaxRecordPayload || bytes.size() - pos - kRecordHeaderSize < len) return false;
  return base::Crc32cExtend(0, bytes.data() + pos + 8, len + 1u) == LoadU32(bytes, pos + 4);
}

bool AnyRecordAfter(std::string_view bytes, uint64_t pos) {
  for (uint64_t p = pos + 1; p + kRecordHeaderSize <= bytes.size(); ++p) {
    uint8_t type = static_cast<uint8_t>(bytes[p + 8]);
    if (!PlausibleLength(type, LoadU32(bytes, p))) continue;
    if (VerifiesAt(bytes, p)) return true;
  }
  return false;
}

}  // namespace flotilla::storage

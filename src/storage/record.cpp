#include "storage/record.h"

#include <fmt/format.h>

#include <initializer_list>

#include "base/codec.h"
#include "base/crc32c.h"

namespace flotilla::storage {
namespace {

uint32_t LoadU32(std::string_view b, uint64_t pos) {
  uint32_t v = 0;
  base::Decoder(b.substr(pos, 4)).U32(v);
  return v;
}

// The checksum of the record at `start`: its type byte and payload.
uint32_t RecordCrc(std::string_view b, uint64_t start, uint32_t len) {
  return base::Crc32c(b.substr(start + 8, len + 1u));
}

// Appends the header placeholder and the type byte, returns the record start.
size_t BeginRecord(std::string& out, RecordType type) {
  size_t start = out.size();
  out.append(8, '\0');
  out += static_cast<char>(type);
  return start;
}

void FinishRecord(std::string& out, size_t start) {
  auto len = static_cast<uint32_t>(out.size() - start - kRecordHeaderSize);
  std::string header;
  base::Encoder enc(header);
  enc.U32(len);
  enc.U32(RecordCrc(out, start, len));
  out.replace(start, header.size(), header);
}

// A record whose payload is a fixed list of u64s.
void EncodeU64Record(std::string& out, RecordType type, std::initializer_list<uint64_t> values) {
  size_t start = BeginRecord(out, type);
  base::Encoder enc(out);
  for (uint64_t v : values) enc.U64(v);
  FinishRecord(out, start);
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
  EncodeU64Record(out, RecordType::kHardState, {hs.term, hs.vote, hs.commit});
}

void EncodeSnapshotRecord(std::string& out, uint64_t term, uint64_t index) {
  EncodeU64Record(out, RecordType::kSnapshot, {term, index});
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
  return RecordCrc(bytes, pos, len) == LoadU32(bytes, pos + 4);
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

#include "base/codec.h"

namespace flotilla::base {

void Encoder::U32(uint32_t v) {
  for (int i = 0; i < 4; ++i) out_ += static_cast<char>(v >> (8 * i));
}

void Encoder::U64(uint64_t v) {
  for (int i = 0; i < 8; ++i) out_ += static_cast<char>(v >> (8 * i));
}

void Encoder::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_ += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out_ += static_cast<char>(v);
}

bool Decoder::U8(uint8_t& v) {
  if (!ok_ || pos_ + 1 > in_.size()) return Fail();
  v = static_cast<uint8_t>(in_[pos_++]);
  return true;
}

bool Decoder::U32(uint32_t& v) {
  if (!ok_ || in_.size() - pos_ < 4) return Fail();
  v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 4;
  return true;
}

bool Decoder::U64(uint64_t& v) {
  if (!ok_ || in_.size() - pos_ < 8) return Fail();
  v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return true;
}

bool Decoder::Varint(uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b;
    if (!U8(b)) return false;
    v |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return Fail();
}

bool Decoder::Bytes(std::string_view& s) {
  uint64_t n;
  if (!Varint(n) || n > in_.size() - pos_) return Fail();
  s = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Decoder::Bytes(std::string& s) {
  std::string_view v;
  if (!Bytes(v)) return false;
  s.assign(v);
  return true;
}

}  // namespace flotilla::base

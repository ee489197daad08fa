// Encoder / Decoder: the little binary codec of WAL entries and snapshots.
//
// Fixed-width little-endian integers, LEB128 varints, and length-prefixed
// strings. A Decoder never reads past its input: every getter returns false
// (and poisons the decoder) on a short or malformed buffer, so corrupt bytes
// give an error, never undefined behaviour. Formats built on it are written
// down in docs/formats/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flotilla::base {

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}
  void U8(uint8_t v) { out_ += static_cast<char>(v); }
  void U32(uint32_t v);
  void U64(uint64_t v);
  void Varint(uint64_t v);
  void Bytes(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }

 private:
  std::string& out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool U8(uint8_t& v);
  bool U32(uint32_t& v);
  bool U64(uint64_t& v);
  bool Varint(uint64_t& v);
  bool Bytes(std::string& s);
  bool Bytes(std::string_view& s);  // a view into the input
  bool Bool(bool& v) {
    uint8_t b;
    if (!U8(b) || b > 1) return Fail();
    v = b;
    return true;
  }

  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }
  size_t position() const { return pos_; }

 private:
  bool Fail() { return ok_ = false; }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace flotilla::base

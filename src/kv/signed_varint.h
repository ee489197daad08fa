// Signed integers on top of base::Encoder/Decoder's unsigned varints, by
// zigzag encoding (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...), so times and TTLs near
// zero stay short. Used by the kv codecs (request.cpp, snapshot.cpp).
#pragma once

#include <cstdint>

#include "base/codec.h"

namespace flotilla::kv {

inline void PutSigned(base::Encoder& enc, int64_t v) {
  enc.Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

inline bool GetSigned(base::Decoder& dec, int64_t& v) {
  uint64_t u;
  if (!dec.Varint(u)) return false;
  v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

}  // namespace flotilla::kv

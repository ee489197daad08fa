// Wire form of a Request (version 1), as it is stored in WAL entries:
//
//   u8      format version (1)
//   u8      op (Op, 1..8)
//   u8      flags: 1 dir, 2 recursive, 4 sorted, 8 unique, 16 refresh,
//                  32 prev_value present
//   bytes   path
//   bytes   value
//   bytes   prev_value          (only when flagged)
//   varint  prev_index
//   svarint expiration          (zigzag varint, Unix ns, 0 = permanent)
//   svarint time                (zigzag varint, Unix ns)
//
// bytes = varint length + raw bytes. Nothing may follow.
#include "kv/request.h"

#include "base/codec.h"
#include "kv/signed_varint.h"

namespace flotilla::kv {
namespace {

constexpr uint8_t kRequestVersion = 1;

enum Flag : uint8_t {
  kDir = 1,
  kRecursive = 2,
  kSorted = 4,
  kUnique = 8,
  kRefresh = 16,
  kHasPrevValue = 32,
  kAllFlags = 63,
};

base::Status Malformed(const char* what) {
  return base::Status(base::Code::kCorruption, std::string("kv request: ") + what);
}

}  // namespace

void Request::Encode(std::string& out) const {
  base::Encoder enc(out);
  enc.U8(kRequestVersion);
  enc.U8(static_cast<uint8_t>(op));
  uint8_t flags = (dir ? kDir : 0) | (recursive ? kRecursive : 0) | (sorted ? kSorted : 0) |
                  (unique ? kUnique : 0) | (refresh ? kRefresh : 0) |
                  (prev_value ? kHasPrevValue : 0);
  enc.U8(flags);
  enc.Bytes(path);
  enc.Bytes(value);
  if (prev_value) enc.Bytes(*prev_value);
  enc.Varint(prev_index);
  PutSigned(enc, expiration);
  PutSigned(enc, time);
}

base::Result<Request> Request::Decode(std::string_view in) {
  base::Decoder dec(in);
  uint8_t version, op, flags;
  if (!dec.U8(version)) return Malformed("truncated");
  if (version != kRequestVersion) return Malformed("unknown format version");
  if (!dec.U8(op) || !dec.U8(flags)) return Malformed("truncated");
  if (op < static_cast<uint8_t>(Op::kSet) || op > static_cast<uint8_t>(Op::kSync)) {
    return Malformed("unknown op");
  }
  if (flags & ~kAllFlags) return Malformed("unknown flags");

  Request r;
  r.op = static_cast<Op>(op);
  r.dir = flags & kDir;
  r.recursive = flags & kRecursive;
  r.sorted = flags & kSorted;
  r.unique = flags & kUnique;
  r.refresh = flags & kRefresh;
  bool ok = dec.Bytes(r.path) && dec.Bytes(r.value);
  if (ok && (flags & kHasPrevValue)) ok = dec.Bytes(r.prev_value.emplace());
  ok = ok && dec.Varint(r.prev_index) && GetSigned(dec, r.expiration) && GetSigned(dec, r.time);
  if (!ok) return Malformed("truncated");
  if (!dec.done()) return Malformed("trailing bytes");
  return r;
}

}  // namespace flotilla::kv

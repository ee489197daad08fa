// Request: one write (or quorum read) against the v2 key space, as it travels
// through the log. The store applies it deterministically: the result depends
// only on the store's state and the request, whose `time` is the proposer's
// clock, never the applier's. Encode/Decode give its WAL representation: the
// entry data after a type byte (docs/formats/snapshot-kv.md, last section;
// the entry framing is docs/formats/wal.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "kv/event.h"

namespace flotilla::kv {

enum class Op : uint8_t {
  kSet = 1,               // PUT, create or replace a file (or create a dir with dir=true)
  kCreate = 2,            // PUT prevExist=false, or POST (unique=true: in-order key)
  kUpdate = 3,            // PUT prevExist=true without prev value/index
  kCompareAndSwap = 4,    // PUT with prevValue/prevIndex
  kDelete = 5,            // DELETE
  kCompareAndDelete = 6,  // DELETE with prevValue/prevIndex
  kGet = 7,               // quorum GET: a read ordered with the writes
  kSync = 8,              // expire every key whose expiration <= time
};

struct Request {
  Op op = Op::kGet;
  std::string path;  // full store path, e.g. "/1/message"
  std::string value;
  bool dir = false;
  bool recursive = false;
  bool sorted = false;
  bool unique = false;   // kCreate: the child name is the new index, %020d
  bool refresh = false;  // refresh the TTL only, keep the value, do not notify
  std::optional<std::string> prev_value;
  Index prev_index = 0;
  base::UnixNanos expiration = 0;  // absolute; 0: permanent
  base::UnixNanos time = 0;        // the proposer's clock

  void Encode(std::string& out) const;
  static base::Result<Request> Decode(std::string_view in);
};

}  // namespace flotilla::kv

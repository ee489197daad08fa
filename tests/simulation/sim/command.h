// Command: the data of a client's write in a log entry: the request id (8
// bytes, little endian), then the kv::Request's encoding. The id lets the
// member that proposed the write find its waiting client when it applies it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "kv/request.h"
#include "kv/store.h"

namespace flotilla::sim {

struct Command {
  uint64_t request_id = 0;
  kv::Request request;
};

std::string EncodeCommand(uint64_t request_id, const kv::Request& request);
base::Result<Command> DecodeCommand(std::string_view data);

// A digest of what the store answered, to compare replicas entry by entry.
uint64_t OutcomeDigest(const kv::Outcome& outcome);

}  // namespace flotilla::sim

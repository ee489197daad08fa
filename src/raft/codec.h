// Binary encodings of the raft vocabulary (docs/formats/raft.md): messages
// for the peer transport, conf changes for log entries. Decoders never read
// past their input and reject unknown types with a clear Status.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "raft/message.h"

namespace flotilla::raft {

void EncodeMessage(const Message& m, std::string& out);
base::Result<Message> DecodeMessage(std::string_view in);

std::string EncodeConfChange(const ConfChange& cc);
base::Result<ConfChange> DecodeConfChange(std::string_view in);

}  // namespace flotilla::raft

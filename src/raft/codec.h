// Binary encodings of the raft vocabulary (docs/formats/raft.md): messages
// for the peer transport, conf changes inside log entries, and the
// standalone conf state, snapshot meta, hard state and entry encodings a
// member's disk may keep.
//
// Every top-level encoding starts with a format version byte. Decoders never
// read past their input, reject unknown versions, message types, entry
// types and conf change types, trailing bytes, and conf states that are not
// sorted and disjoint, with a kCorruption Status naming what was wrong.
// Decode(Encode(x)) == x for every value the raft core produces.
//
// Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "raft/message.h"

namespace flotilla::raft {

// Appends the encoding of `m` to `out` (the peer transport frames it).
void EncodeMessage(const Message& m, std::string& out);
base::Result<Message> DecodeMessage(std::string_view in);

std::string EncodeConfChange(const ConfChange& cc);
base::Result<ConfChange> DecodeConfChange(std::string_view in);

std::string EncodeConfState(const ConfState& cs);
base::Result<ConfState> DecodeConfState(std::string_view in);

std::string EncodeSnapshotMeta(const SnapshotMeta& meta);
base::Result<SnapshotMeta> DecodeSnapshotMeta(std::string_view in);

std::string EncodeHardState(const HardState& hs);
base::Result<HardState> DecodeHardState(std::string_view in);

std::string EncodeEntry(const Entry& e);
base::Result<Entry> DecodeEntry(std::string_view in);

}  // namespace flotilla::raft

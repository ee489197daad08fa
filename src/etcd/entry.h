// What a store member puts in raft log entries (docs/formats/raft.md).
//
// A normal entry carries a proposal: the proposing member and a sequence
// number it chose (so the proposer can answer its client when the entry is
// applied, on whichever member the leader was), then the kv::Request. An
// empty normal entry is a leader's no-op. A conf-change entry's context
// carries the same proposal id and the member's raftAttributes JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "kv/request.h"

namespace flotilla::etcd {

struct ProposalId {
  uint64_t member = 0;
  uint64_t seq = 0;
  bool operator==(const ProposalId&) const = default;
};

std::string EncodeProposal(const ProposalId& id, const kv::Request& request);
base::Status DecodeProposal(std::string_view data, ProposalId& id, kv::Request& request);

std::string EncodeConfContext(const ProposalId& id, std::string_view member_json);
base::Status DecodeConfContext(std::string_view data, ProposalId& id, std::string& member_json);

}  // namespace flotilla::etcd

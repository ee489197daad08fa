#include "etcd/entry.h"

#include "base/codec.h"

namespace flotilla::etcd {
namespace {
constexpr uint8_t kProposalVersion = 1;

void EncodeId(base::Encoder& e, const ProposalId& id) {
  e.U8(kProposalVersion);
  e.U64(id.member);
  e.U64(id.seq);
}

bool DecodeId(base::Decoder& d, ProposalId& id) {
  uint8_t version;
  return d.U8(version) && version == kProposalVersion && d.U64(id.member) && d.U64(id.seq);
}
}  // namespace

std::string EncodeProposal(const ProposalId& id, const kv::Request& request) {
  std::string out;
  out.reserve(request.path.size() + request.value.size() + 64);
  base::Encoder e(out);
  EncodeId(e, id);
  request.Encode(out);
  return out;
}

base::Status DecodeProposal(std::string_view data, ProposalId& id, kv::Request& request) {
  base::Decoder d(data);
  if (!DecodeId(d, id)) return base::Status(base::Code::kCorruption, "bad proposal header");
  auto r = kv::Request::Decode(data.substr(d.position()));
  if (!r.ok()) return r.status();
  request = std::move(*r);
  return base::Status::Ok();
}

std::string EncodeConfContext(const ProposalId& id, std::string_view member_json) {
  std::string out;
  base::Encoder e(out);
  EncodeId(e, id);
  e.Bytes(member_json);
  return out;
}

base::Status DecodeConfContext(std::string_view data, ProposalId& id, std::string& member_json) {
  base::Decoder d(data);
  if (!DecodeId(d, id) || !d.Bytes(member_json) || !d.done())
    return base::Status(base::Code::kCorruption, "bad conf change context");
  return base::Status::Ok();
}

}  // namespace flotilla::etcd

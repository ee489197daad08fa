#include "raft/codec.h"

#include "base/codec.h"

namespace flotilla::raft {
namespace {

constexpr uint8_t kMessageVersion = 1;
constexpr uint8_t kConfChangeVersion = 1;
constexpr uint64_t kMaxCount = 1u << 24;

base::Status Corrupt(const std::string& what) {
  return base::Status(base::Code::kCorruption, what);
}

bool ValidMessageType(uint8_t t) {
  return t <= 5 || (t >= 10 && t <= 22);
}

void EncodeIds(base::Encoder& e, const std::vector<NodeId>& ids) {
  e.Varint(ids.size());
  for (NodeId id : ids) e.Varint(id);
}

bool DecodeIds(base::Decoder& d, std::vector<NodeId>& ids) {
  uint64_t n;
  if (!d.Varint(n) || n > kMaxCount) return false;
  ids.clear();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t id;
    if (!d.Varint(id)) return false;
    ids.push_back(id);
  }
  return true;
}

}  // namespace

const char* ToString(MessageType t) {
  switch (t) {
    case MessageType::kHup:
      return "MsgHup";
    case MessageType::kBeat:
      return "MsgBeat";
    case MessageType::kPropose:
      return "MsgProp";
    case MessageType::kUnreachable:
      return "MsgUnreachable";
    case MessageType::kSnapshotStatus:
      return "MsgSnapStatus";
    case MessageType::kCheckQuorum:
      return "MsgCheckQuorum";
    case MessageType::kAppend:
      return "MsgApp";
    case MessageType::kAppendResponse:
      return "MsgAppResp";
    case MessageType::kVote:
      return "MsgVote";
    case MessageType::kVoteResponse:
      return "MsgVoteResp";
    case MessageType::kPreVote:
      return "MsgPreVote";
    case MessageType::kPreVoteResponse:
      return "MsgPreVoteResp";
    case MessageType::kSnapshot:
      return "MsgSnap";
    case MessageType::kHeartbeat:
      return "MsgHeartbeat";
    case MessageType::kHeartbeatResponse:
      return "MsgHeartbeatResp";
    case MessageType::kTransferLeader:
      return "MsgTransferLeader";
    case MessageType::kTimeoutNow:
      return "MsgTimeoutNow";
    case MessageType::kReadIndex:
      return "MsgReadIndex";
    case MessageType::kReadIndexResponse:
      return "MsgReadIndexResp";
  }
  return "MsgUnknown";
}

bool IsLocal(MessageType t) {
  switch (t) {
    case MessageType::kHup:
    case MessageType::kBeat:
    case MessageType::kUnreachable:
    case MessageType::kSnapshotStatus:
    case MessageType::kCheckQuorum:
      return true;
    default:
      return false;
  }
}

bool IsResponse(MessageType t) {
  switch (t) {
    case MessageType::kAppendResponse:
    case MessageType::kVoteResponse:
    case MessageType::kPreVoteResponse:
    case MessageType::kHeartbeatResponse:
    case MessageType::kReadIndexResponse:
      return true;
    default:
      return false;
  }
}

void EncodeMessage(const Message& m, std::string& out) {
  base::Encoder e(out);
  e.U8(kMessageVersion);
  e.U8(static_cast<uint8_t>(m.type));
  e.Varint(m.to);
  e.Varint(m.from);
  e.Varint(m.term);
  e.Varint(m.log_term);
  e.Varint(m.index);
  e.Varint(m.commit);
  e.U8((m.reject ? 1 : 0) | (m.snapshot.empty() ? 0 : 2));
  e.Varint(m.reject_hint);
  e.Bytes(m.context);
  e.Varint(m.entries.size());
  for (const auto& en : m.entries) {
    e.Varint(en.term);
    e.Varint(en.index);
    e.U8(static_cast<uint8_t>(en.type));
    e.Bytes(en.data);
  }
  if (!m.snapshot.empty()) {
    e.Varint(m.snapshot.meta.index);
    e.Varint(m.snapshot.meta.term);
    EncodeIds(e, m.snapshot.meta.conf.voters);
    EncodeIds(e, m.snapshot.meta.conf.learners);
    e.Bytes(m.snapshot.data);
  }
}

base::Result<Message> DecodeMessage(std::string_view in) {
  base::Decoder d(in);
  Message m;
  uint8_t version, type, flags;
  if (!d.U8(version) || version != kMessageVersion) return Corrupt("raft message: bad version");
  if (!d.U8(type) || !ValidMessageType(type)) return Corrupt("raft message: unknown type");
  m.type = static_cast<MessageType>(type);
  if (!(d.Varint(m.to) && d.Varint(m.from) && d.Varint(m.term) && d.Varint(m.log_term) &&
        d.Varint(m.index) && d.Varint(m.commit) && d.U8(flags) && flags <= 3 &&
        d.Varint(m.reject_hint) && d.Bytes(m.context))) {
    return Corrupt("raft message: truncated or malformed header");
  }
  m.reject = flags & 1;
  uint64_t n;
  if (!d.Varint(n) || n > kMaxCount) return Corrupt("raft message: bad entry count");
  m.entries.reserve(std::min<uint64_t>(n, 1024));
  for (uint64_t i = 0; i < n; ++i) {
    Entry en;
    uint8_t et;
    if (!(d.Varint(en.term) && d.Varint(en.index) && d.U8(et) && et <= 1 && d.Bytes(en.data)))
      return Corrupt("raft message: malformed entry " + std::to_string(i));
    en.type = static_cast<EntryType>(et);
    m.entries.push_back(std::move(en));
  }
  if (flags & 2) {
    auto& s = m.snapshot;
    if (!(d.Varint(s.meta.index) && d.Varint(s.meta.term) && DecodeIds(d, s.meta.conf.voters) &&
          DecodeIds(d, s.meta.conf.learners) && d.Bytes(s.data)) ||
        s.meta.index == 0) {
      return Corrupt("raft message: malformed snapshot");
    }
  }
  if (!d.done()) return Corrupt("raft message: trailing bytes");
  return m;
}

std::string EncodeConfChange(const ConfChange& cc) {
  std::string out;
  base::Encoder e(out);
  e.U8(kConfChangeVersion);
  e.U8(static_cast<uint8_t>(cc.type));
  e.Varint(cc.node);
  e.Bytes(cc.context);
  return out;
}

base::Result<ConfChange> DecodeConfChange(std::string_view in) {
  base::Decoder d(in);
  ConfChange cc;
  uint8_t version, type;
  if (!(d.U8(version) && version == kConfChangeVersion && d.U8(type) && type <= 2 &&
        d.Varint(cc.node) && d.Bytes(cc.context) && d.done())) {
    return Corrupt("conf change: malformed");
  }
  cc.type = static_cast<ConfChangeType>(type);
  return cc;
}

}  // namespace flotilla::raft

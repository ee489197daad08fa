#include "etcd/peer_wire.h"

#include "base/codec.h"
#include "base/crc32c.h"
#include "raft/codec.h"

namespace flotilla::etcd {
namespace {

constexpr std::string_view kMagic = "FLRP";  // flotilla raft peer
constexpr uint8_t kVersion = 1;

uint32_t ReadU32(std::string_view b) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(b[i])) << (8 * i);
  return v;
}

}  // namespace

std::string EncodeHello(const PeerHello& hello) {
  std::string out(kMagic);
  base::Encoder e(out);
  e.U8(kVersion);
  e.U64(hello.cluster_id);
  e.U64(hello.from);
  e.U64(hello.to);
  return out;
}

base::Result<PeerHello> DecodeHello(std::string_view in) {
  if (in.size() != kPeerHelloBytes) {
    return base::Status(base::Code::kCorruption, "peer hello: wrong size");
  }
  if (in.substr(0, kMagic.size()) != kMagic) {
    return base::Status(base::Code::kCorruption, "peer hello: bad magic (not a flotilla peer)");
  }
  base::Decoder d(in.substr(kMagic.size()));
  uint8_t version = 0;
  PeerHello h;
  d.U8(version);
  d.U64(h.cluster_id);
  d.U64(h.from);
  d.U64(h.to);
  if (version != kVersion) {
    return base::Status(base::Code::kCorruption,
                        "peer hello: unknown version " + std::to_string(version));
  }
  return h;
}

namespace {

// Fills in the header of the frame whose body runs from start + header to
// the end of `out`.
size_t SealFrame(size_t start, std::string& out) {
  std::string_view body = std::string_view(out).substr(start + kFrameHeaderBytes);
  std::string header;
  base::Encoder e(header);
  e.U32(static_cast<uint32_t>(body.size()));
  e.U32(base::Crc32c(body));
  out.replace(start, kFrameHeaderBytes, header);
  return out.size() - start;
}

}  // namespace

size_t AppendFrame(const raft::Message& m, std::string& out) {
  size_t start = out.size();
  out.append(kFrameHeaderBytes, '\0');
  raft::EncodeMessage(m, out);
  return SealFrame(start, out);
}

size_t AppendFrame(std::string_view body, std::string& out) {
  size_t start = out.size();
  out.append(kFrameHeaderBytes, '\0');
  out.append(body);
  return SealFrame(start, out);
}

bool IsMembershipQuery(const PeerHello& hello) {
  return hello == PeerHello{};
}

std::string EncodeClusterInfo(const ClusterInfo& info) {
  std::string out;
  base::Encoder e(out);
  e.U64(info.cluster_id);
  e.Varint(info.members.size());
  for (const auto& m : info.members) {
    e.U64(m.id.value);
    e.Bytes(m.name);
    e.Varint(m.peer_urls.size());
    for (const auto& u : m.peer_urls) e.Bytes(u);
    e.Varint(m.client_urls.size());
    for (const auto& u : m.client_urls) e.Bytes(u);
  }
  e.Varint(info.removed.size());
  for (uint64_t id : info.removed) e.U64(id);
  return out;
}

namespace {

// A count read from the wire, bounded by the bytes left so that garbage
// cannot make us reserve much.
bool Count(base::Decoder& d, size_t left, uint64_t& n) {
  return d.Varint(n) && n <= left;
}

bool Strings(base::Decoder& d, size_t left, std::vector<std::string>& out) {
  uint64_t n = 0;
  if (!Count(d, left, n)) return false;
  out.resize(n);
  for (auto& s : out)
    if (!d.Bytes(s)) return false;
  return true;
}

}  // namespace

base::Result<ClusterInfo> DecodeClusterInfo(std::string_view in) {
  base::Decoder d(in);
  ClusterInfo info;
  uint64_t n = 0;
  bool ok = d.U64(info.cluster_id) && Count(d, in.size(), n);
  for (uint64_t i = 0; ok && i < n; ++i) {
    Member& m = info.members.emplace_back();
    ok = d.U64(m.id.value) && d.Bytes(m.name) && Strings(d, in.size(), m.peer_urls) &&
         Strings(d, in.size(), m.client_urls);
  }
  ok = ok && Count(d, in.size(), n);
  for (uint64_t i = 0; ok && i < n; ++i) ok = d.U64(info.removed.emplace_back());
  if (!ok || !d.done()) {
    return base::Status(base::Code::kCorruption, "membership answer: does not decode");
  }
  return info;
}

void FrameReader::Append(std::string_view bytes) {
  if (failed_) return;
  // Drop what was parsed before growing, so the buffer holds one frame at most.
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

FrameReader::Step FrameReader::Take(std::string_view& body, base::Status& error) {
  if (failed_) {
    error = base::Status(base::Code::kCorruption, "peer stream: already failed");
    return Step::kError;
  }
  std::string_view rest = std::string_view(buf_).substr(pos_);
  if (rest.size() < kFrameHeaderBytes) return Step::kNeedMore;
  uint32_t len = ReadU32(rest);
  uint32_t crc = ReadU32(rest.substr(4));
  if (len > max_) {
    failed_ = true;
    error = base::Status(base::Code::kCorruption, "peer frame of " + std::to_string(len) +
                                                      " bytes is over the limit of " +
                                                      std::to_string(max_));
    return Step::kError;
  }
  // No reserve for the claimed length: memory follows the bytes that came.
  if (rest.size() - kFrameHeaderBytes < len) return Step::kNeedMore;
  body = rest.substr(kFrameHeaderBytes, len);
  if (base::Crc32c(body) != crc) {
    failed_ = true;
    error = base::Status(base::Code::kCorruption, "peer frame: checksum mismatch");
    return Step::kError;
  }
  pos_ += kFrameHeaderBytes + len;
  return Step::kMessage;
}

FrameReader::Step FrameReader::Next(raft::Message& out, base::Status& error) {
  std::string_view body;
  Step step = Take(body, error);
  if (step != Step::kMessage) return step;
  auto m = raft::DecodeMessage(body);
  if (!m.ok()) {
    failed_ = true;
    error = m.status();
    return Step::kError;
  }
  out = std::move(*m);
  return Step::kMessage;
}

FrameReader::Step FrameReader::NextBody(std::string& out, base::Status& error) {
  std::string_view body;
  Step step = Take(body, error);
  if (step == Step::kMessage) out.assign(body);
  return step;
}

}  // namespace flotilla::etcd

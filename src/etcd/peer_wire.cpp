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

size_t AppendFrame(const raft::Message& m, std::string& out) {
  size_t start = out.size();
  out.append(kFrameHeaderBytes, '\0');
  raft::EncodeMessage(m, out);
  std::string_view body = std::string_view(out).substr(start + kFrameHeaderBytes);
  std::string header;
  base::Encoder e(header);
  e.U32(static_cast<uint32_t>(body.size()));
  e.U32(base::Crc32c(body));
  out.replace(start, kFrameHeaderBytes, header);
  return out.size() - start;
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

FrameReader::Step FrameReader::Next(raft::Message& out, base::Status& error) {
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
  std::string_view body = rest.substr(kFrameHeaderBytes, len);
  if (base::Crc32c(body) != crc) {
    failed_ = true;
    error = base::Status(base::Code::kCorruption, "peer frame: checksum mismatch");
    return Step::kError;
  }
  auto m = raft::DecodeMessage(body);
  if (!m.ok()) {
    failed_ = true;
    error = m.status();
    return Step::kError;
  }
  pos_ += kFrameHeaderBytes + len;
  out = std::move(*m);
  return Step::kMessage;
}

}  // namespace flotilla::etcd

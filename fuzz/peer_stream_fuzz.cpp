// Fuzzes what a member reads from a peer connection (docs/formats/raft.md,
// "Peer protocol"): a hello, then a byte stream cut into arbitrary reads and
// split into frames by FrameReader. Nothing may crash; every message that
// comes out must frame and parse again to itself. The same bytes are also
// read as a membership query's answer, which must decode or be refused, and
// round-trip when it decodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "etcd/peer_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flotilla;
  if (size < 1) return 0;
  size_t chunk = data[0] % 64 + 1;  // how the socket happens to cut the stream
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)etcd::DecodeHello(in.substr(0, etcd::kPeerHelloBytes));
  if (auto info = etcd::DecodeClusterInfo(in); info.ok()) {
    // What decodes must encode and decode again to the same value (the
    // input itself may spell a varint longer than the encoder would).
    std::string once = etcd::EncodeClusterInfo(*info);
    auto again = etcd::DecodeClusterInfo(once);
    if (!again.ok() || etcd::EncodeClusterInfo(*again) != once) std::abort();
  }
  etcd::FrameReader reader(4096);
  for (size_t at = 0; at < in.size(); at += chunk) {
    reader.Append(in.substr(at, chunk));
    for (;;) {
      raft::Message m;
      base::Status error;
      auto step = reader.Next(m, error);
      if (step == etcd::FrameReader::Step::kNeedMore) break;
      if (step == etcd::FrameReader::Step::kError) return 0;
      std::string again;
      etcd::AppendFrame(m, again);
      etcd::FrameReader check(1u << 30);
      check.Append(again);
      raft::Message m2;
      if (check.Next(m2, error) != etcd::FrameReader::Step::kMessage || !(m2 == m)) std::abort();
    }
  }
  return 0;
}

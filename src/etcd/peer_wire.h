// The bytes of the peer protocol (docs/formats/raft.md, "Peer protocol"):
// the hello that opens a connection and the frames of raft messages that
// follow it. Pure: PeerTransport does the I/O, these only make and check
// bytes, so garbage from the network is tested and fuzzed without sockets.
//
//   sender                                  receiver
//     | -- hello (29 bytes) ---------------->  checks magic, version,
//     |                                        cluster id, receiver id;
//     | -- [len][crc32c][message] ---------->  closes on any mismatch
//     | -- [len][crc32c][message] ---------->
//     |    ... many frames per write, no replies on this connection
//
// A hello whose three fields are all 0 is a membership query instead: the
// receiver answers with one frame holding its ClusterInfo and closes. A
// member started with --initial-cluster-state existing asks this of its
// peers to learn the cluster id and its own member id (etcd asks its peers'
// /members for the same reason).
//
// Stateless functions; a FrameReader belongs to one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "etcd/member.h"
#include "raft/message.h"

namespace flotilla::etcd {

struct PeerHello {
  uint64_t cluster_id = 0;
  raft::NodeId from = raft::kNone;
  raft::NodeId to = raft::kNone;
  bool operator==(const PeerHello&) const = default;
};

inline constexpr size_t kPeerHelloBytes = 29;
bool IsMembershipQuery(const PeerHello& hello);

// The answer to a membership query: the cluster's id, its members and the
// ids of removed members, as the answering member's store has them.
struct ClusterInfo {
  uint64_t cluster_id = 0;
  std::vector<Member> members;
  std::vector<uint64_t> removed;
};
std::string EncodeClusterInfo(const ClusterInfo& info);
base::Result<ClusterInfo> DecodeClusterInfo(std::string_view in);
inline constexpr size_t kFrameHeaderBytes = 8;

std::string EncodeHello(const PeerHello& hello);
// Exactly kPeerHelloBytes; kCorruption for a wrong magic or version.
base::Result<PeerHello> DecodeHello(std::string_view in);

// Appends one frame holding `m` (or raw bytes) to `out`; returns the
// frame's size.
size_t AppendFrame(const raft::Message& m, std::string& out);
size_t AppendFrame(std::string_view body, std::string& out);

// Splits the bytes after the hello into messages. Feed it what the socket
// gives, then call Next until it needs more. Buffers at most one frame
// (header plus max_message_bytes) beyond what Append was last given.
class FrameReader {
 public:
  explicit FrameReader(size_t max_message_bytes) : max_(max_message_bytes) {}

  enum class Step {
    kNeedMore,  // no whole frame buffered
    kMessage,   // `out` holds the next message
    kError,     // `error` says why; the stream is unusable from here on
  };

  void Append(std::string_view bytes);
  Step Next(raft::Message& out, base::Status& error);
  // The next frame's bytes, undecoded (a membership query's answer).
  Step NextBody(std::string& out, base::Status& error);
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  Step Take(std::string_view& body, base::Status& error);

  size_t max_;
  std::string buf_;
  size_t pos_ = 0;  // start of the first unparsed byte in buf_
  bool failed_ = false;
};

}  // namespace flotilla::etcd

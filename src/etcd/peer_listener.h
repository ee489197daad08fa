// PeerListener: the receiving half of PeerTransport. It accepts members'
// connections, checks each hello, splits the stream into raft messages and
// hands every message to the handler (docs/formats/raft.md, "Peer
// protocol").
//
// A connection is closed, with a warning naming the remote address, when
// its hello is wrong (magic, version, cluster id, receiver id) or does not
// come within hello_timeout, or when a frame is over max_message_bytes, has
// a bad checksum, does not decode, or holds a message that is local or not
// from the hello's sender to us. The listener keeps accepting whatever one
// connection does. A new connection from a member replaces its previous
// one (the sender reconnected; the old socket may linger half-open). At
// most max_connections are open at once, and each buffers at most one
// frame, so memory stays bounded whatever arrives.
//
// When a greeted sender's connection ends from its side (closed, reset),
// the handler gets a local kPeerDown from it: often the sender's process
// died, and raft may elect sooner (connections we close ourselves, e.g.
// replaced ones, are not reported).
//
// A membership query (peer_wire.h) is answered with one frame holding
// cluster_info() and the connection is closed; without cluster_info the
// query is refused like a wrong hello.
//
// Threading: the loop thread only; the handler runs on it. The EventLoop
// outlives the listener.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "net/event_loop.h"
#include "raft/message.h"

namespace flotilla::etcd {

struct ListenerOptions {
  uint64_t cluster_id = 0;
  raft::NodeId self = raft::kNone;
  size_t max_message_bytes = 64u << 20;
  size_t max_connections = 256;
  std::chrono::milliseconds hello_timeout{5000};
  // The encoded ClusterInfo for membership queries (called on the loop).
  std::function<std::string()> cluster_info;
};

class PeerListener {
 public:
  using Handler = std::function<void(raft::Message)>;
  PeerListener(net::EventLoop& loop, ListenerOptions options, Handler handler);
  ~PeerListener();  // Close()
  PeerListener(const PeerListener&) = delete;
  PeerListener& operator=(const PeerListener&) = delete;

  // Binds host ("127.0.0.1", "::1", a name) and port (0: any free one);
  // returns the bound port. May be called for several addresses.
  base::Result<uint16_t> Listen(const std::string& host, uint16_t port);
  // Stops accepting and closes every connection; the handler is not
  // called again.
  void Close();
  size_t connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace flotilla::etcd

// PeerTransport: raft messages between store members over TCP
// (docs/formats/raft.md, "Peer protocol").
//
// Sending: each peer gets a queue and one outgoing connection, opened on
// demand. The connection starts with a hello (magic, version, cluster id,
// sender, receiver) and then carries frames [u32 length][u32 crc32c]
// [encoded raft::Message], written back to back, as many per write as are
// queued (pipelined: nothing waits for a reply; replies come on the peer's
// own connection to us). A failed connection is retried with exponential
// backoff between backoff_min and backoff_max.
//
// Loss is normal and raft is told about it, always asynchronously (posted
// to the loop, never from inside Send): a message that does not fit the
// queue (max_queue_messages, max_queue_bytes) is dropped, and when a
// connection fails everything queued or in flight on it is dropped; either
// way the handler gets a local kUnreachable with from = the peer (at most
// one pending per peer), and a kSnapshotStatus with reject = true for each
// dropped kSnapshot. A kSnapshot that was written out gives kSnapshotStatus
// with reject = false.
//
// Receiving is PeerListener's (peer_listener.h): it checks the hello and
// every frame and closes connections that break the protocol; a peer's
// connection that ends from its side gives the handler a local kPeerDown.
//
// A batch that is not written within write_timeout (the peer stopped
// reading: hung, stopped, or its network is gone without a reset) fails the
// connection like any other error.
//
// Per-peer link states, and the only transitions:
//
//   idle --Send--> connecting --connected--> connected
//                      |                         |
//                      +--failed--> backoff <----+ failed (write error or timeout, close, URLs
//                      changed)
//   backoff --timer, queue not empty--> connecting;  --timer, empty--> idle
//
// Threading: the EventLoop's thread only (Stats too); the handler runs on
// it. The EventLoop outlives the transport. Memory: per peer at most the
// queue bounds plus one batch in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/event_loop.h"
#include "raft/message.h"

namespace flotilla::etcd {

struct TransportOptions {
  uint64_t cluster_id = 0;
  raft::NodeId self = raft::kNone;
  size_t max_message_bytes = 64u << 20;  // encoded; both directions
  size_t max_queue_messages = 4096;      // per peer
  size_t max_queue_bytes = 64u << 20;    // per peer; one message may exceed it
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{1000};
  std::chrono::milliseconds dial_timeout{1000};   // resolve and connect
  std::chrono::milliseconds write_timeout{5000};  // one batch; a peer that stops reading fails
  std::chrono::milliseconds hello_timeout{5000};  // incoming connections
  // Answers membership queries (ListenerOptions::cluster_info).
  std::function<std::string()> cluster_info;
};

// What /v2/stats/leader reports about a follower.
struct PeerStats {
  uint64_t sent = 0;    // messages written to a connection
  uint64_t failed = 0;  // messages dropped, or lost with a connection
  uint64_t bytes = 0;   // bytes written, frames and hellos
  uint64_t writes = 0;  // write calls (each carries a batch of frames)
  bool connected = false;
};

class PeerTransport {
 public:
  PeerTransport(net::EventLoop& loop, TransportOptions options);
  ~PeerTransport();  // Close()
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Accepts peers' connections on host:port (port 0: any); returns the port.
  base::Result<uint16_t> Listen(const std::string& host, uint16_t port);
  // Gets every received message and every local report (see above).
  void SetHandler(std::function<void(raft::Message)> handler);
  // Adds a peer, or updates its URLs if known. URLs are "http://host:port";
  // connections try them in turn.
  void AddPeer(raft::NodeId id, const std::vector<std::string>& urls);
  // Changes a known peer's URLs (its connection is reopened); ignores an
  // unknown id, so a removed member stays removed.
  void UpdatePeer(raft::NodeId id, const std::vector<std::string>& urls);
  // Forgets a peer: its queue and connection go, without reports.
  void RemovePeer(raft::NodeId id);
  // Queues each message for its `to` and starts writing; never blocks.
  // Messages to unknown peers are dropped silently (as etcd does).
  void Send(std::vector<raft::Message> messages);
  // Closes every connection and the listeners; the handler is not called
  // again. Idempotent.
  void Close();
  std::map<raft::NodeId, PeerStats> Stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace flotilla::etcd

#include "etcd/peer_transport.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "base/log.h"
#include "etcd/peer_listener.h"
#include "etcd/peer_wire.h"
#include "net/http_client.h"

namespace flotilla::etcd {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using raft::Message;
using raft::MessageType;

namespace {

// One write carries at most this much (but always at least one frame), so a
// long queue does not make one huge gather list.
constexpr size_t kMaxBatchBytes = 4u << 20;
constexpr size_t kMaxBatchFrames = 1024;

enum class LinkState { kIdle, kConnecting, kConnected, kBackoff };

struct Frame {
  std::string bytes;
  MessageType type;
};

// The sending side of one peer. Callbacks of asynchronous operations carry
// the `generation` they started in and do nothing once it has moved on
// (the connection they belonged to failed, was replaced or removed).
struct Link {
  Link(asio::io_context& io, raft::NodeId i) : id(i), socket(io), resolver(io), timer(io) {}
  raft::NodeId id;
  std::vector<std::string> urls;
  size_t next_url = 0;
  LinkState state = LinkState::kIdle;
  uint64_t generation = 0;
  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer timer;  // dial deadline, write deadline, backoff after a failure
  std::deque<Frame> queue;
  size_t queued_bytes = 0;
  std::string hello;  // goes out ahead of the first batch of a connection
  std::vector<Frame> inflight;
  bool writing = false;
  std::chrono::milliseconds backoff{0};
  std::chrono::steady_clock::time_point connected_at;
  bool unreachable_pending = false;  // a kUnreachable report is posted
  bool down_logged = false;          // quiet repeated failures until it comes back
  char probe = 0;                    // a read target that notices the peer closing
  PeerStats stats;
};

}  // namespace

struct PeerTransport::Impl : std::enable_shared_from_this<PeerTransport::Impl> {
  Impl(net::EventLoop& l, TransportOptions o) : loop(l), options(o) {}

  net::EventLoop& loop;
  TransportOptions options;
  std::function<void(Message)> handler;
  std::unique_ptr<PeerListener> listener;
  std::map<raft::NodeId, std::shared_ptr<Link>> links;
  bool closed = false;

  void Report(Message m) {
    if (!closed && handler) handler(std::move(m));
  }

  void PostUnreachable(const std::shared_ptr<Link>& link) {
    if (link->unreachable_pending) return;
    link->unreachable_pending = true;
    asio::post(loop.context(), [self = shared_from_this(), link] {
      link->unreachable_pending = false;
      Message m;
      m.type = MessageType::kUnreachable;
      m.from = link->id;
      self->Report(std::move(m));
    });
  }

  void PostSnapshotStatus(raft::NodeId peer, bool reject) {
    asio::post(loop.context(), [self = shared_from_this(), peer, reject] {
      Message m;
      m.type = MessageType::kSnapshotStatus;
      m.from = peer;
      m.reject = reject;
      self->Report(std::move(m));
    });
  }

  // A message that will never be written.
  void Dropped(const std::shared_ptr<Link>& link, MessageType type) {
    link->stats.failed++;
    PostUnreachable(link);
    if (type == MessageType::kSnapshot) PostSnapshotStatus(link->id, true);
  }

  bool Current(const std::shared_ptr<Link>& link, uint64_t gen) const {
    return !closed && link->generation == gen;
  }

  // Ends whatever the link was doing: pending callbacks become stale.
  void Stop(Link& link) {
    ++link.generation;
    boost::system::error_code ignored;
    link.socket.close(ignored);
    link.resolver.cancel();
    link.timer.cancel();
    link.writing = false;
  }

  void Connect(const std::shared_ptr<Link>& link) {
    if (link->urls.empty()) return Fail(link, "no peer URLs");
    link->state = LinkState::kConnecting;
    uint64_t gen = ++link->generation;
    const std::string& raw = link->urls[link->next_url++ % link->urls.size()];
    auto url = net::ParseTcpUrl(raw);
    if (!url.ok()) return Fail(link, "peer URL " + raw + ": " + url.status().message());
    link->timer.expires_after(options.dial_timeout);
    link->timer.async_wait([self = shared_from_this(), link, gen](boost::system::error_code ec) {
      if (!ec && self->Current(link, gen)) self->Fail(link, "connect timed out");
    });
    link->resolver.async_resolve(
        url->host, std::to_string(url->port),
        [self = shared_from_this(), link, gen, raw](const boost::system::error_code& ec,
                                                    const tcp::resolver::results_type& eps) {
          if (!self->Current(link, gen)) return;
          if (ec) return self->Fail(link, "resolve " + raw + ": " + ec.message());
          asio::async_connect(
              link->socket, eps,
              [self, link, gen, raw](const boost::system::error_code& ec2, const tcp::endpoint&) {
                if (!self->Current(link, gen)) return;
                if (ec2) return self->Fail(link, raw + ": " + ec2.message());
                self->Connected(link, gen);
              });
        });
  }

  void Connected(const std::shared_ptr<Link>& link, uint64_t gen) {
    link->timer.cancel();
    link->state = LinkState::kConnected;
    link->connected_at = std::chrono::steady_clock::now();
    link->stats.connected = true;
    boost::system::error_code ignored;
    link->socket.set_option(tcp::no_delay(true), ignored);
    if (link->down_logged) FLOG_INFO("peer {:x}: connected again", link->id);
    link->down_logged = false;
    link->hello = EncodeHello({options.cluster_id, options.self, link->id});
    // The receiver never writes on this connection, so a read completes
    // only when it closes: the failure is noticed before the next write.
    link->socket.async_read_some(
        asio::buffer(&link->probe, 1),
        [self = shared_from_this(), link, gen](const boost::system::error_code& ec, size_t) {
          if (!self->Current(link, gen)) return;
          self->Fail(link, ec == asio::error::eof ? "closed by peer"
                           : ec                   ? ec.message()
                                                  : "peer wrote on a send-only connection");
        });
    Flush(link);
  }

  void Flush(const std::shared_ptr<Link>& link) {
    if (link->state != LinkState::kConnected || link->writing) return;
    if (link->queue.empty() && link->hello.empty()) return;
    std::vector<asio::const_buffer> buffers;
    size_t bytes = link->hello.size();
    if (!link->hello.empty()) buffers.push_back(asio::buffer(link->hello));
    while (!link->queue.empty() && link->inflight.size() < kMaxBatchFrames &&
           (link->inflight.empty() || bytes + link->queue.front().bytes.size() <= kMaxBatchBytes)) {
      Frame& f = link->inflight.emplace_back(std::move(link->queue.front()));
      link->queue.pop_front();
      link->queued_bytes -= f.bytes.size();
      bytes += f.bytes.size();
    }
    for (const Frame& f : link->inflight) buffers.push_back(asio::buffer(f.bytes));
    link->writing = true;
    uint64_t gen = link->generation;
    link->timer.expires_after(options.write_timeout);
    link->timer.async_wait([self = shared_from_this(), link, gen](boost::system::error_code ec) {
      if (!ec && self->Current(link, gen) && link->writing) self->Fail(link, "write timed out");
    });
    asio::async_write(link->socket, buffers,
                      [self = shared_from_this(), link, gen](const boost::system::error_code& ec,
                                                             size_t written) {
                        if (!self->Current(link, gen)) return;
                        link->writing = false;
                        if (ec) return self->Fail(link, "write: " + ec.message());
                        self->Written(link, written);
                      });
  }

  void Written(const std::shared_ptr<Link>& link, size_t written) {
    link->timer.cancel();
    link->stats.sent += link->inflight.size();
    link->stats.bytes += written;
    link->stats.writes++;
    for (const Frame& f : link->inflight) {
      if (f.type == MessageType::kSnapshot) PostSnapshotStatus(link->id, false);
    }
    link->inflight.clear();
    link->hello.clear();
    Flush(link);
  }

  // The connection (or the attempt) is over: drop what was meant for it,
  // tell raft, and try again after the backoff.
  void Fail(const std::shared_ptr<Link>& link, const std::string& why) {
    bool was_connected = link->state == LinkState::kConnected;
    Stop(*link);
    link->stats.connected = false;
    for (const Frame& f : link->inflight) Dropped(link, f.type);
    for (const Frame& f : link->queue) Dropped(link, f.type);
    link->inflight.clear();
    link->queue.clear();
    link->queued_bytes = 0;
    link->hello.clear();
    PostUnreachable(link);
    if (was_connected) {
      FLOG_WARN("peer {:x}: connection lost: {}", link->id, why);
    } else if (!link->down_logged) {
      FLOG_WARN("peer {:x}: cannot connect: {}", link->id, why);
    } else {
      FLOG_DEBUG("peer {:x}: cannot connect: {}", link->id, why);
    }
    link->down_logged = true;
    // A connection that stayed up a while earns a fresh start; one that is
    // refused right after its hello keeps backing off.
    if (was_connected &&
        std::chrono::steady_clock::now() - link->connected_at >= options.backoff_max) {
      link->backoff = std::chrono::milliseconds(0);
    }
    link->backoff = link->backoff.count() == 0 ? options.backoff_min
                                               : std::min(options.backoff_max, link->backoff * 2);
    link->state = LinkState::kBackoff;
    uint64_t gen = link->generation;
    link->timer.expires_after(link->backoff);
    link->timer.async_wait([self = shared_from_this(), link, gen](boost::system::error_code ec) {
      if (ec || !self->Current(link, gen)) return;
      link->state = LinkState::kIdle;
      if (!link->queue.empty()) self->Connect(link);
    });
  }

  void Enqueue(const std::shared_ptr<Link>& link, const Message& m) {
    if (link->queue.size() >= options.max_queue_messages) return Dropped(link, m.type);
    Frame f{std::string(), m.type};
    size_t size = AppendFrame(m, f.bytes);
    if (size - kFrameHeaderBytes > options.max_message_bytes) {
      FLOG_WARN("peer {:x}: {} of {} bytes is over the limit of {}; dropped", link->id,
                raft::ToString(m.type), size, options.max_message_bytes);
      return Dropped(link, m.type);
    }
    if (!link->queue.empty() && link->queued_bytes + size > options.max_queue_bytes) {
      return Dropped(link, m.type);
    }
    link->queued_bytes += size;
    link->queue.push_back(std::move(f));
  }

  void SetUrls(const std::shared_ptr<Link>& link, const std::vector<std::string>& urls) {
    if (link->urls == urls) return;
    link->urls = urls;
    link->next_url = 0;
    if (link->state == LinkState::kConnecting || link->state == LinkState::kConnected) {
      Fail(link, "peer URLs changed");
    }
  }
};

PeerTransport::PeerTransport(net::EventLoop& loop, TransportOptions options)
    : impl_(std::make_shared<Impl>(loop, options)) {}

PeerTransport::~PeerTransport() {
  Close();
}

base::Result<uint16_t> PeerTransport::Listen(const std::string& host, uint16_t port) {
  if (impl_->closed) return base::Status(base::Code::kCancelled, "peer transport is closed");
  if (!impl_->listener) {
    ListenerOptions lo;
    lo.cluster_id = impl_->options.cluster_id;
    lo.self = impl_->options.self;
    lo.max_message_bytes = impl_->options.max_message_bytes;
    lo.hello_timeout = impl_->options.hello_timeout;
    lo.cluster_info = impl_->options.cluster_info;
    std::weak_ptr<Impl> weak = impl_;
    impl_->listener = std::make_unique<PeerListener>(impl_->loop, lo, [weak](raft::Message m) {
      if (auto self = weak.lock()) self->Report(std::move(m));
    });
  }
  return impl_->listener->Listen(host, port);
}

void PeerTransport::SetHandler(std::function<void(raft::Message)> handler) {
  impl_->handler = std::move(handler);
}

void PeerTransport::AddPeer(raft::NodeId id, const std::vector<std::string>& urls) {
  if (impl_->closed || id == raft::kNone || id == impl_->options.self) return;
  auto& link = impl_->links[id];
  if (!link) link = std::make_shared<Link>(impl_->loop.context(), id);
  impl_->SetUrls(link, urls);
}

void PeerTransport::UpdatePeer(raft::NodeId id, const std::vector<std::string>& urls) {
  auto it = impl_->links.find(id);
  if (it != impl_->links.end()) impl_->SetUrls(it->second, urls);
}

void PeerTransport::RemovePeer(raft::NodeId id) {
  auto it = impl_->links.find(id);
  if (it == impl_->links.end()) return;
  impl_->Stop(*it->second);
  impl_->links.erase(it);
}

void PeerTransport::Send(std::vector<raft::Message> messages) {
  if (impl_->closed) return;
  std::vector<std::shared_ptr<Link>> touched;
  for (const Message& m : messages) {
    auto it = impl_->links.find(m.to);
    if (it == impl_->links.end()) {
      FLOG_DEBUG("peer transport: {} to unknown member {:x} dropped", raft::ToString(m.type), m.to);
      continue;
    }
    impl_->Enqueue(it->second, m);
    if (touched.empty() || touched.back() != it->second) touched.push_back(it->second);
  }
  // One flush per peer after queueing the whole batch, so it goes out in
  // as few writes as possible.
  for (const auto& link : touched) {
    if (link->queue.empty()) continue;
    if (link->state == LinkState::kIdle) {
      impl_->Connect(link);
    } else {
      impl_->Flush(link);
    }
  }
}

void PeerTransport::Close() {
  if (impl_->closed) return;
  impl_->closed = true;
  impl_->handler = nullptr;
  if (impl_->listener) impl_->listener->Close();
  for (auto& [id, link] : impl_->links) impl_->Stop(*link);
  impl_->links.clear();
}

std::map<raft::NodeId, PeerStats> PeerTransport::Stats() const {
  std::map<raft::NodeId, PeerStats> out;
  for (const auto& [id, link] : impl_->links) out[id] = link->stats;
  return out;
}

}  // namespace flotilla::etcd

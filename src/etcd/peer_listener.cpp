#include "etcd/peer_listener.h"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <map>
#include <vector>

#include "base/log.h"
#include "etcd/peer_wire.h"

namespace flotilla::etcd {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kReadChunk = 64u << 10;
constexpr std::chrono::milliseconds kAcceptRetry{100};

// One accepted connection: waiting for its hello, then reading frames.
struct Inbound {
  Inbound(tcp::socket s, size_t max_message_bytes)
      : socket(std::move(s)), timer(socket.get_executor()), reader(max_message_bytes) {}
  uint64_t id = 0;
  tcp::socket socket;
  asio::steady_timer timer;  // the hello deadline
  FrameReader reader;
  std::string remote;  // "127.0.0.1:54321", for logs
  std::string hello;   // the hello's bytes as they arrive
  std::string answer;  // a membership query's answer being written
  PeerHello peer;      // valid once greeted
  bool greeted = false;
  bool open = true;
  std::unique_ptr<char[]> chunk = std::make_unique<char[]>(kReadChunk);
};

std::string Remote(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

struct PeerListener::Impl : std::enable_shared_from_this<PeerListener::Impl> {
  Impl(net::EventLoop& l, ListenerOptions o, Handler h)
      : loop(l), options(o), handler(std::move(h)) {}

  net::EventLoop& loop;
  ListenerOptions options;
  Handler handler;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::map<uint64_t, std::shared_ptr<Inbound>> conns;
  std::map<raft::NodeId, uint64_t> by_member;  // the live connection of each sender
  uint64_t next_id = 1;
  bool closed = false;

  void Accept(const std::shared_ptr<tcp::acceptor>& acceptor) {
    acceptor->async_accept(
        [self = shared_from_this(), acceptor](const boost::system::error_code& ec, tcp::socket s) {
          if (self->closed) return;
          if (ec) {
            // EMFILE and the like: try again a little later rather than spin.
            FLOG_WARN("peer listener: accept: {}", ec.message());
            auto timer = std::make_shared<asio::steady_timer>(self->loop.context(), kAcceptRetry);
            timer->async_wait([self, acceptor, timer](const boost::system::error_code& e) {
              if (!e && !self->closed) self->Accept(acceptor);
            });
            return;
          }
          self->Start(std::move(s));
          self->Accept(acceptor);
        });
  }

  void Start(tcp::socket s) {
    std::string remote = Remote(s);
    if (conns.size() >= options.max_connections) {
      FLOG_WARN("peer listener: refused {}: already {} connections", remote, conns.size());
      boost::system::error_code ignored;
      s.close(ignored);
      return;
    }
    auto c = std::make_shared<Inbound>(std::move(s), options.max_message_bytes);
    c->id = next_id++;
    c->remote = std::move(remote);
    conns[c->id] = c;
    c->timer.expires_after(options.hello_timeout);
    c->timer.async_wait([self = shared_from_this(), c](const boost::system::error_code& ec) {
      if (!ec && c->open && !c->greeted) self->Drop(*c, "no hello in time", true);
    });
    Read(c);
  }

  void Read(const std::shared_ptr<Inbound>& c) {
    c->socket.async_read_some(
        asio::buffer(c->chunk.get(), kReadChunk),
        [self = shared_from_this(), c](const boost::system::error_code& ec, size_t n) {
          if (self->closed || !c->open) return;
          if (ec) {
            // The sender went away (restart, removal, its own backoff).
            self->Drop(*c, ec == asio::error::eof ? "closed by sender" : ec.message(), false);
            if (c->greeted) self->ReportDown(c->peer.from);
            return;
          }
          std::string_view data(c->chunk.get(), n);
          if (!c->greeted) {
            size_t take = std::min(n, kPeerHelloBytes - c->hello.size());
            c->hello.append(data.substr(0, take));
            data.remove_prefix(take);
            if (c->hello.size() < kPeerHelloBytes) return self->Read(c);
            if (!self->Greet(c)) return;
          }
          c->reader.Append(data);
          if (self->Deliver(*c)) self->Read(c);
        });
  }

  bool Greet(const std::shared_ptr<Inbound>& c) {
    auto hello = DecodeHello(c->hello);
    if (!hello.ok()) return Drop(*c, hello.status().message(), true);
    if (IsMembershipQuery(*hello) && options.cluster_info) return Answer(c);
    return Admit(*c, *hello);
  }

  // Writes the membership answer, then closes. Returns false: nothing more
  // is read from a query.
  bool Answer(const std::shared_ptr<Inbound>& c) {
    c->timer.cancel();
    AppendFrame(options.cluster_info(), c->answer);
    asio::async_write(c->socket, asio::buffer(c->answer),
                      [self = shared_from_this(), c](const boost::system::error_code& ec, size_t) {
                        if (self->closed || !c->open) return;
                        self->Drop(*c, ec ? ec.message() : "answered a membership query", false);
                      });
    return false;
  }

  // A sender's hello: checked, then its frames are read.
  bool Admit(Inbound& c, const PeerHello& hello) {
    if (hello.cluster_id != options.cluster_id || hello.to != options.self ||
        hello.from == raft::kNone) {
      return Drop(
          c,
          fmt::format("hello for cluster {:x} member {:x} from {:x}, but this is "
                      "cluster {:x} member {:x}",
                      hello.cluster_id, hello.to, hello.from, options.cluster_id, options.self),
          true);
    }
    c.peer = hello;
    c.greeted = true;
    c.timer.cancel();
    auto [it, added] = by_member.try_emplace(c.peer.from, c.id);
    if (!added) {
      auto old = conns.find(it->second);
      it->second = c.id;
      if (old != conns.end()) Drop(*old->second, "replaced by a new connection", false);
    }
    FLOG_DEBUG("peer listener: member {:x} connected from {}", c.peer.from, c.remote);
    return true;
  }

  // Hands every whole frame to the handler; false once the connection is gone.
  bool Deliver(Inbound& c) {
    for (;;) {
      raft::Message m;
      base::Status error;
      switch (c.reader.Next(m, error)) {
        case FrameReader::Step::kNeedMore:
          return true;
        case FrameReader::Step::kError:
          return Drop(c, error.message(), true);
        case FrameReader::Step::kMessage:
          break;
      }
      if (m.from != c.peer.from || m.to != options.self || raft::IsLocal(m.type)) {
        return Drop(c,
                    fmt::format("{} from {:x} to {:x} on the connection of {:x}",
                                raft::ToString(m.type), m.from, m.to, c.peer.from),
                    true);
      }
      if (handler) handler(std::move(m));
      // The handler may have closed us.
      if (closed || !c.open) return false;
    }
  }

  // Tells the handler that `from`'s connection closed (kPeerDown).
  void ReportDown(raft::NodeId from) {
    if (!handler) return;
    raft::Message m;
    m.type = raft::MessageType::kPeerDown;
    m.from = from;
    m.to = options.self;
    handler(std::move(m));
  }

  // Closes a connection; `bad` input is logged as a warning. Returns false.
  bool Drop(Inbound& c, const std::string& why, bool bad) {
    if (!c.open) return false;
    c.open = false;
    if (bad) {
      FLOG_WARN("peer listener: closing connection from {}: {}", c.remote, why);
    } else {
      FLOG_DEBUG("peer listener: connection from {} ended: {}", c.remote, why);
    }
    boost::system::error_code ignored;
    c.socket.close(ignored);
    c.timer.cancel();
    auto it = by_member.find(c.peer.from);
    if (c.greeted && it != by_member.end() && it->second == c.id) by_member.erase(it);
    conns.erase(c.id);  // pending handlers still hold it; they see !open
    return false;
  }
};

PeerListener::PeerListener(net::EventLoop& loop, ListenerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(loop, options, std::move(handler))) {}

PeerListener::~PeerListener() {
  Close();
}

base::Result<uint16_t> PeerListener::Listen(const std::string& host, uint16_t port) {
  std::string where = host + ":" + std::to_string(port);
  if (impl_->closed) return base::Status(base::Code::kCancelled, "listen on " + where + ": closed");
  boost::system::error_code ec;
  tcp::endpoint ep;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, port);
  } else {
    // A name ("localhost"): the first address it resolves to, at start-up.
    tcp::resolver resolver(impl_->loop.context());
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      return base::Status(base::Code::kInvalidArgument,
                          "listen for peers on " + where + ": cannot resolve host");
    }
    ep = results.begin()->endpoint();
  }
  auto acceptor = std::make_shared<tcp::acceptor>(impl_->loop.context());
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return base::Status(base::Code::kIoError, "listen for peers on " + where + ": " + ec.message());
  uint16_t bound = acceptor->local_endpoint(ec).port();
  impl_->acceptors.push_back(acceptor);
  impl_->Accept(acceptor);
  return bound;
}

void PeerListener::Close() {
  if (impl_->closed) return;
  impl_->closed = true;
  impl_->handler = nullptr;
  boost::system::error_code ignored;
  for (auto& a : impl_->acceptors) a->close(ignored);
  impl_->acceptors.clear();
  auto conns = impl_->conns;
  for (auto& [id, c] : conns) impl_->Drop(*c, "listener closed", false);
}

size_t PeerListener::connections() const {
  return impl_->conns.size();
}

}  // namespace flotilla::etcd

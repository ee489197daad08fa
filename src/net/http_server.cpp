#include "net/http_server.h"

#include <sys/stat.h>

#include <array>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <ctime>
#include <unordered_set>

#include "base/log.h"
#include "net/request_parser.h"
#include "net/socket_file.h"

namespace flotilla::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;
// Sessions hold TCP and unix-domain connections alike in this socket type.
using Socket = asio::generic::stream_protocol::socket;

namespace {

// A unix socket is created rw for its owner and group only, whatever the
// umask: access is granted through the group, as docker.sock's is.
constexpr mode_t kSocketMode = 0660;

// A write queue bound: a client that stops reading a stream is cut off.
constexpr size_t kMaxQueuedBytes = 16 << 20;

// "Sun, 22 Nov 2026 04:00:00 GMT", cached per second.
const std::string& HttpDate() {
  thread_local time_t cached_at = 0;
  thread_local std::string cached;
  time_t now = ::time(nullptr);
  if (now != cached_at) {
    struct tm tm {};
    gmtime_r(&now, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(buf, n);
    cached_at = now;
  }
  return cached;
}

void AppendHead(std::string& out, int status, const Headers& headers) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += StatusText(status);
  out += "\r\n";
  for (const auto& [k, v] : headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "Date: ";
  out += HttpDate();
  out += "\r\n";
}

// HttpRequest::remote for a new connection, as Go's RemoteAddr spells it.
std::string PeerText(tcp::socket& socket) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}
std::string PeerText(local::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  // A client socket is unnamed unless it bound a path; Go shows "@".
  return ec || ep.path().empty() ? "@" : ep.path();
}

// An error's text as Go spells it: "address already in use".
std::string ErrorText(const boost::system::error_code& ec) {
  std::string s = ec.message();
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string GoErrorResponse(int status) {
  // What Go's net/http writes for requests it cannot parse.
  std::string text = std::to_string(status) + " " + std::string(StatusText(status));
  return "HTTP/1.1 " + text +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" + text;
}

}  // namespace

class Session;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(EventLoop& l, Handler h, ServerOptions o) : loop(l), handler(std::move(h)), options(o) {}
  template <typename Acceptor>
  void Accept(std::shared_ptr<Acceptor> acceptor);

  struct UnixListener {
    std::shared_ptr<local::acceptor> acceptor;
    SocketFile file;
  };

  EventLoop& loop;
  Handler handler;
  ServerOptions options;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::vector<UnixListener> unix_listeners;
  std::unordered_set<Session*> sessions;
  bool closed = false;
  bool serving = false;
};

// One connection. It reads all the time (so a client that goes away is
// noticed even while its response is outstanding), parses one request at a
// time, and holds further bytes until the current exchange is answered.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<HttpServer::Impl> server, Socket socket, std::string remote)
      : server_(std::move(server)),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        parser_(server_->options.max_header_bytes, server_->options.max_body_bytes),
        remote_(std::move(remote)) {}

  void Start() {
    server_->sessions.insert(this);
    ArmTimer(server_->options.idle_timeout);
    Read();
  }

  void Shutdown() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    timer_.cancel();
    socket_.shutdown(Socket::shutdown_both, ec);
    socket_.close(ec);
    server_->sessions.erase(this);
    if (exchange_open_ && on_close_) {
      auto fn = std::move(on_close_);
      on_close_ = nullptr;
      fn();
    }
  }

  // --- called by the Exchange ---
  bool closed() const { return closed_; }
  // Each request's exchange has a sequence number; a stale one is ignored.
  bool Current(uint64_t seq) const { return !closed_ && exchange_open_ && seq == exchange_seq_; }
  void SetOnClose(std::function<void()> fn) { on_close_ = std::move(fn); }

  void Respond(HttpResponse&& r) {
    std::string out;
    out.reserve(256 + r.body.size());
    AppendHead(out, r.status, r.headers);
    if (r.status != 204 && r.status != 304) {
      out += "Content-Length: ";
      out += std::to_string(r.body.size());
      out += "\r\n";
    }
    if (!keep_alive_) out += "Connection: close\r\n";
    out += "\r\n";
    if (!head_request_) out += r.body;
    Queue(std::move(out));
    FinishExchange();
  }

  void BeginStream(int status, Headers&& headers) {
    if (streaming_) return;
    streaming_ = true;
    std::string out;
    AppendHead(out, status, headers);
    out += "Transfer-Encoding: chunked\r\n";
    if (!keep_alive_) out += "Connection: close\r\n";
    out += "\r\n";
    Queue(std::move(out));
  }

  void Chunk(std::string&& data) {
    if (!streaming_ || data.empty()) return;
    char size[20];
    int n = snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out;
    out.reserve(static_cast<size_t>(n) + data.size() + 2);
    out.append(size, static_cast<size_t>(n));
    out += data;
    out += "\r\n";
    Queue(std::move(out));
  }

  void EndChunks() {
    if (!streaming_) return;
    Queue("0\r\n\r\n");
    FinishExchange();
  }

  ExchangePtr MakeExchange();

 private:
  void ArmTimer(std::chrono::seconds after) {
    timer_.expires_after(after);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!ec && self) self->Shutdown();
    });
  }

  void Read() {
    if (closed_ || reading_) return;
    reading_ = true;
    socket_.async_read_some(asio::buffer(read_buf_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              self->reading_ = false;
                              if (self->closed_) return;
                              if (ec) return self->Shutdown();
                              self->input_.append(self->read_buf_.data(), n);
                              self->Process();
                              // Stop reading while too much is buffered behind an open exchange.
                              if (self->input_.size() < kMaxBufferedInput) self->Read();
                            });
  }

  // Parses and dispatches buffered requests while no exchange is open.
  void Process() {
    while (!closed_ && !exchange_open_ && !closing_after_write_ && input_pos_ < input_.size()) {
      bool was_started = parser_.started();
      size_t used = parser_.Feed(input_, input_pos_);
      input_pos_ += used;
      if (!was_started && parser_.started()) ArmTimer(server_->options.request_timeout);
      if (parser_.state() == RequestParser::State::kError) {
        closing_after_write_ = true;
        Queue(GoErrorResponse(parser_.error_status()));
        return;
      }
      if (parser_.state() == RequestParser::State::kNeedMore) {
        if (parser_.WantsContinue() && !sent_continue_) {
          sent_continue_ = true;
          Queue("HTTP/1.1 100 Continue\r\n\r\n");
        }
        break;
      }
      Dispatch();
    }
    if (input_pos_ == input_.size()) {
      input_.clear();
      input_pos_ = 0;
    } else if (input_pos_ > (64 << 10)) {
      input_.erase(0, input_pos_);
      input_pos_ = 0;
    }
    if (!exchange_open_ && !parser_.started() && !closed_) ArmTimer(server_->options.idle_timeout);
  }

  void Dispatch() {
    keep_alive_ = parser_.keep_alive();
    head_request_ = parser_.is_head();
    HttpRequest req = parser_.Take();
    req.remote = remote_;
    sent_continue_ = false;
    exchange_open_ = true;
    ++exchange_seq_;
    streaming_ = false;
    on_close_ = nullptr;
    timer_.cancel();  // the handler may take as long as it needs (watches)
    server_->handler(std::move(req), MakeExchange());
  }

  void FinishExchange() {
    exchange_open_ = false;
    on_close_ = nullptr;
    if (!keep_alive_) {
      closing_after_write_ = true;
      return;
    }
    // The next request may already be buffered. Defer: we may be inside the
    // handler, which must return before the next request is dispatched.
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->Process();
      if (self->input_.size() < kMaxBufferedInput) self->Read();
    });
  }

  void Queue(std::string data) {
    if (closed_) return;
    queued_bytes_ += data.size();
    pending_.push_back(std::move(data));
    if (queued_bytes_ > kMaxQueuedBytes) return Shutdown();
    if (!writing_) Write();
  }

  void Write() {
    writing_ = true;
    inflight_.clear();
    inflight_.swap(pending_);
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(inflight_.size());
    for (const auto& s : inflight_) bufs.emplace_back(s.data(), s.size());
    asio::async_write(socket_, bufs,
                      [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                        self->OnWrite(ec, n);
                      });
  }

  void OnWrite(boost::system::error_code ec, size_t n) {
    writing_ = false;
    queued_bytes_ -= n;
    if (closed_) return;
    if (ec) return Shutdown();
    if (!pending_.empty()) return Write();
    if (closing_after_write_) Shutdown();
  }

  static constexpr size_t kMaxBufferedInput = 1 << 20;

  std::shared_ptr<HttpServer::Impl> server_;
  Socket socket_;
  asio::steady_timer timer_;
  RequestParser parser_;
  std::string remote_;
  std::array<char, 16384> read_buf_{};
  std::string input_;
  size_t input_pos_ = 0;
  std::vector<std::string> pending_, inflight_;
  size_t queued_bytes_ = 0;
  std::function<void()> on_close_;
  uint64_t exchange_seq_ = 0;
  bool closed_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool exchange_open_ = false;
  bool streaming_ = false;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool sent_continue_ = false;
  bool closing_after_write_ = false;
};

namespace {

class SessionExchange final : public Exchange {
 public:
  SessionExchange(std::weak_ptr<Session> s, uint64_t seq) : session_(std::move(s)), seq_(seq) {}
  void Send(HttpResponse response) override {
    if (auto s = Live()) s->Respond(std::move(response));
  }
  void StartStream(int status, Headers headers) override {
    if (auto s = Live()) s->BeginStream(status, std::move(headers));
  }
  void WriteChunk(std::string data) override {
    if (auto s = Live()) s->Chunk(std::move(data));
  }
  void EndStream() override {
    if (auto s = Live()) s->EndChunks();
  }
  bool closed() const override {
    auto s = session_.lock();
    return !s || s->closed();
  }
  void OnClose(std::function<void()> fn) override {
    if (auto s = Live()) s->SetOnClose(std::move(fn));
  }

 private:
  std::shared_ptr<Session> Live() const {
    auto s = session_.lock();
    return (s && s->Current(seq_)) ? s : nullptr;
  }
  std::weak_ptr<Session> session_;
  uint64_t seq_;
};

}  // namespace

ExchangePtr Session::MakeExchange() {
  return std::make_shared<SessionExchange>(weak_from_this(), exchange_seq_);
}

template <typename Acceptor>
void HttpServer::Impl::Accept(std::shared_ptr<Acceptor> acceptor) {
  acceptor->async_accept(
      [self = shared_from_this(), acceptor](boost::system::error_code ec, auto socket) {
        if (self->closed) return;
        if (!ec) {
          if (self->sessions.size() >= self->options.max_connections) {
            boost::system::error_code ignore;
            socket.close(ignore);
          } else {
            std::string remote = PeerText(socket);
            std::make_shared<Session>(self, Socket(std::move(socket)), std::move(remote))->Start();
          }
        } else if (ec == asio::error::operation_aborted) {
          return;
        } else {
          FLOG_WARN("http: accept: {}", ec.message());
        }
        self->Accept(acceptor);
      });
}

HttpServer::HttpServer(EventLoop& loop, Handler handler, ServerOptions options)
    : impl_(std::make_shared<Impl>(loop, std::move(handler), options)) {}

HttpServer::~HttpServer() {
  Close();
}

base::Result<uint16_t> HttpServer::Listen(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return base::Status(base::Code::kInvalidArgument, "bad listen address " + host);
  auto acceptor = std::make_shared<tcp::acceptor>(impl_->loop.context());
  tcp::endpoint ep(addr, port);
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return base::Status(base::Code::kIoError,
                        "listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  uint16_t bound = acceptor->local_endpoint().port();
  impl_->acceptors.push_back(acceptor);
  if (impl_->serving) impl_->Accept(acceptor);
  return bound;
}

base::Status HttpServer::ListenUnix(const std::string& path) {
  auto fail = [&](const base::Status& st) { return st.WithContext("listen unix " + path); };
  if (impl_->closed) return fail(base::Status(base::Code::kUnavailable, "server closed"));
  FLOTILLA_RETURN_IF_ERROR(fail(SocketFile::Prepare(path)));
  auto acceptor = std::make_shared<local::acceptor>(impl_->loop.context());
  boost::system::error_code ec;
  acceptor->open(local(), ec);
  if (!ec) acceptor->bind(local::endpoint(path), ec);
  if (ec) {
    return fail(base::Status(base::Code::kIoError, "bind: " + ErrorText(ec)));
  }
  auto file = SocketFile::Claim(path, kSocketMode);
  if (!file.ok()) return fail(file.status());
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor->close(ec);
    file->Remove();
    return fail(base::Status(base::Code::kIoError, "listen: " + ErrorText(ec)));
  }
  impl_->unix_listeners.push_back({acceptor, std::move(*file)});
  if (impl_->serving) impl_->Accept(acceptor);
  return base::Status::Ok();
}

void HttpServer::Serve() {
  if (impl_->serving || impl_->closed) return;
  impl_->serving = true;
  for (auto& a : impl_->acceptors) impl_->Accept(a);
  for (auto& l : impl_->unix_listeners) impl_->Accept(l.acceptor);
}

void HttpServer::Close() {
  if (impl_->closed) return;
  impl_->closed = true;
  for (auto& a : impl_->acceptors) {
    boost::system::error_code ec;
    a->close(ec);
  }
  for (auto& l : impl_->unix_listeners) {
    boost::system::error_code ec;
    l.acceptor->close(ec);
    l.file.Remove();
  }
  auto sessions = impl_->sessions;
  for (Session* s : sessions) s->Shutdown();
}

size_t HttpServer::connections() const {
  return impl_->sessions.size();
}

}  // namespace flotilla::net

#include "net/async_http_client.h"

#include "net/client_errors.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <cerrno>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

namespace flotilla::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;
using base::Code;
using base::Status;
using boost::system::error_code;
using namespace client_errors;

constexpr size_t kChunkBytes = 16 * 1024;

Status Cancelled() {
  return Status(Code::kCancelled, "request cancelled");
}

struct Conn;

// One request from Do() or Stream() until its callback has been called.
struct Op {
  enum class Phase { kQueued, kDial, kWrite, kRead, kBody };

  CallId id{};
  AsyncRequest request;
  bool streaming = false;
  AsyncHttpClient::HeadFn on_head;
  AsyncHttpClient::DataFn on_data;
  AsyncHttpClient::ResponseFn done;
  std::optional<asio::steady_timer> deadline;
  Phase phase = Phase::kQueued;
  int attempts = 0;
  bool finished = false;
  HttpResponse head;  // Stream(): what `done` gets
  std::shared_ptr<Conn> conn;
};

// One connection of the pool, TCP or unix-domain. A connection that breaks, times out or is
// cancelled is closed and dropped from the pool, never reused: its aborted
// Beast operations may still touch its buffers until their handlers run,
// which every handler ignores by comparing `gen`.
struct Conn {
  explicit Conn(asio::io_context& io) : socket(io) {}

  Socket socket;
  beast::flat_buffer buffer;
  std::optional<tcp::resolver> resolver;
  std::optional<asio::steady_timer> dial_deadline;
  std::vector<Endpoint> endpoints;
  http::request<http::string_body> req;
  std::optional<http::response_parser<http::string_body>> parser;
  std::optional<http::response_parser<http::buffer_body>> stream_parser;
  std::vector<char> chunk;
  std::string local;  // "tcp a->b", "unix @->/path": for error messages
  bool connected = false;
  bool reused = false;  // has completed a response before
  uint64_t gen = 0;     // bumped on close; handlers of older generations return at once
  std::shared_ptr<Op> op;
};

}  // namespace

struct AsyncHttpClient::Impl : std::enable_shared_from_this<AsyncHttpClient::Impl> {
  Impl(EventLoop& l, Url e, AsyncClientOptions o)
      : io(l.context()), endpoint(std::move(e)), options(o) {
    if (options.max_connections == 0) options.max_connections = SIZE_MAX;
  }

  asio::io_context& io;
  Url endpoint;
  AsyncClientOptions options;
  bool closed = false;
  uint64_t next_id = 1;
  uint64_t dials = 0;
  std::vector<std::shared_ptr<Conn>> conns;  // open or dialling
  std::vector<std::shared_ptr<Conn>> idle;   // a stack: the most recently used on top
  std::deque<std::shared_ptr<Op>> queue;
  std::unordered_map<uint64_t, std::shared_ptr<Op>> ops;  // not yet finished

  CallId Submit(std::shared_ptr<Op> op, Duration timeout) {
    op->id = CallId{next_id++};
    ops.emplace(static_cast<uint64_t>(op->id), op);
    if (timeout > Duration::zero()) {
      op->deadline.emplace(io);
      op->deadline->expires_after(timeout);
      op->deadline->async_wait([self = shared_from_this(), op](error_code ec) {
        if (!ec && !self->closed) self->OnDeadline(op);
      });
    }
    queue.push_back(op);
    Pump();
    return op->id;
  }

  // Hands queued requests to idle connections, or to new ones while the pool
  // has room. Never calls a user callback.
  void Pump() {
    while (!queue.empty()) {
      std::shared_ptr<Conn> conn = TakeIdle();
      if (!conn) {
        if (conns.size() >= options.max_connections) return;
        conn = NewConn();
      }
      std::shared_ptr<Op> op = std::move(queue.front());
      queue.pop_front();
      Start(conn, op);
    }
  }

  // The most recently used idle connection that is still open. A server that
  // closed an idle connection has left an EOF (or stray bytes) to read; a
  // zero-time peek sees it, so the request goes out on a fresh connection
  // instead of failing with "EOF".
  std::shared_ptr<Conn> TakeIdle() {
    while (!idle.empty()) {
      std::shared_ptr<Conn> conn = std::move(idle.back());
      idle.pop_back();
      char c;
      ssize_t n = ::recv(conn->socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && conn->buffer.size() == 0) {
        return conn;
      }
      Close(conn);
    }
    return nullptr;
  }

  std::shared_ptr<Conn> NewConn() {
    auto conn = std::make_shared<Conn>(io);
    conns.push_back(conn);
    return conn;
  }

  // Closes `conn` and drops it from the pool (not from its op).
  void Close(const std::shared_ptr<Conn>& conn) {
    ++conn->gen;
    error_code ignored;
    if (conn->resolver) conn->resolver->cancel();
    if (conn->dial_deadline) conn->dial_deadline->cancel();
    conn->socket.shutdown(Socket::shutdown_both, ignored);
    conn->socket.close(ignored);
    std::erase(conns, conn);
    std::erase(idle, conn);
  }

  void Start(const std::shared_ptr<Conn>& conn, const std::shared_ptr<Op>& op) {
    conn->op = op;
    op->conn = conn;
    if (conn->connected) {
      Send(conn);
    } else {
      Dial(conn);
    }
  }

  // --- completion ---

  // Detaches `op` and calls its callback: directly when called from a
  // handler, through the loop when called from Do()/Cancel(). Connection
  // bookkeeping must be done before, since the callback may destroy us.
  void Finish(const std::shared_ptr<Op>& op, base::Result<HttpResponse> result, bool post) {
    op->finished = true;
    ops.erase(static_cast<uint64_t>(op->id));
    if (op->deadline) op->deadline->cancel();
    op->conn = nullptr;
    op->on_head = nullptr;
    op->on_data = nullptr;
    ResponseFn done = std::move(op->done);
    if (!post) {
      done(std::move(result));
      return;
    }
    asio::post(io, [weak = weak_from_this(), done = std::move(done),
                    result = std::move(result)]() mutable {
      auto self = weak.lock();
      if (self && !self->closed) done(std::move(result));
    });
  }

  // The response is complete: the connection goes back to the pool (or is
  // closed), queued work moves on, and only then the callback runs.
  void Succeed(const std::shared_ptr<Conn>& conn, base::Result<HttpResponse> result, bool keep) {
    std::shared_ptr<Op> op = std::move(conn->op);
    if (keep) {
      conn->reused = true;
      idle.push_back(conn);
    } else {
      Close(conn);
    }
    Pump();
    Finish(op, std::move(result), false);
  }

  void Fail(const std::shared_ptr<Conn>& conn, Status status) {
    std::shared_ptr<Op> op = std::move(conn->op);
    Close(conn);
    Pump();
    Finish(op, std::move(status), false);
  }

  // A broken connection: `what` names the step ("read tcp a->b: ").
  void FailIo(const std::shared_ptr<Conn>& conn, const error_code& ec, const std::string& what) {
    if (IsMalformed(ec)) {
      return Fail(conn, Status(Code::kIoError, "malformed HTTP response: " + ec.message()));
    }
    // The server closed the connection: Go reports a bare "EOF".
    if (ec == http::error::end_of_stream || ec == asio::error::eof) {
      return Fail(conn, Status(Code::kUnavailable, "EOF"));
    }
    Fail(conn, Status(Code::kUnavailable, what + GoErrorText(ec)));
  }

  bool MayRetry(const Conn& conn, const Op& op) const {
    return conn.reused && op.attempts == 0 && IsIdempotent(op.request.method);
  }

  // Sends the request again on a fresh connection, once.
  void Retry(const std::shared_ptr<Conn>& conn) {
    std::shared_ptr<Op> op = std::move(conn->op);
    Close(conn);
    ++op->attempts;
    Start(NewConn(), op);
  }

  void OnDeadline(const std::shared_ptr<Op>& op) {
    if (op->finished || op->phase == Op::Phase::kBody) return;
    std::string what;
    std::shared_ptr<Conn> conn = op->conn;
    switch (op->phase) {
      case Op::Phase::kQueued:
        std::erase(queue, op);
        break;
      case Op::Phase::kDial:
        what = DialText(*conn);
        break;
      case Op::Phase::kWrite:
        what = "write " + conn->local + ": ";
        break;
      default:
        what = "read " + conn->local + ": ";
        break;
    }
    Status status(Code::kTimeout, what + "i/o timeout");
    if (conn) return Fail(conn, std::move(status));
    Finish(op, std::move(status), false);
  }

  bool Cancel(CallId id) {
    auto it = ops.find(static_cast<uint64_t>(id));
    if (it == ops.end()) return false;
    std::shared_ptr<Op> op = it->second;
    if (std::shared_ptr<Conn> conn = op->conn) {
      conn->op = nullptr;
      Close(conn);
      Pump();
    } else {
      std::erase(queue, op);
    }
    Finish(op, Cancelled(), true);
    return true;
  }

  void Shutdown() {
    closed = true;
    for (auto& [id, op] : ops) {
      if (op->deadline) op->deadline->cancel();
      op->done = nullptr;
      op->on_head = nullptr;
      op->on_data = nullptr;
      op->conn = nullptr;
    }
    for (auto conn : std::vector(conns)) {
      conn->op = nullptr;
      Close(conn);
    }
    queue.clear();
    ops.clear();
  }

  // --- dialling ---

  std::string_view Network() const { return endpoint.is_unix() ? "unix" : "tcp"; }

  // How a failed dial starts: "dial tcp 10.0.0.1:2379: ", "dial unix
  // /run/fleet.sock: ", "dial tcp: lookup name: " while still resolving.
  // Like Go's serial dialer, it names the first address.
  std::string DialText(const Conn& conn) const {
    if (conn.endpoints.empty()) return "dial tcp: lookup " + endpoint.host + ": ";
    return "dial " + std::string(Network()) + " " + AddressText(conn.endpoints.front()) + ": ";
  }

  void Dial(const std::shared_ptr<Conn>& conn) {
    conn->op->phase = Op::Phase::kDial;
    ++dials;
    if (options.dial_timeout > Duration::zero()) {
      conn->dial_deadline.emplace(io);
      conn->dial_deadline->expires_after(options.dial_timeout);
      conn->dial_deadline->async_wait(
          [self = shared_from_this(), conn, gen = conn->gen](error_code ec) {
            if (ec || self->closed || conn->gen != gen || conn->connected) return;
            self->Fail(conn, Status(Code::kUnavailable, self->DialText(*conn) + "i/o timeout"));
          });
    }
    if (endpoint.is_unix()) {
      conn->endpoints = {Endpoint(local::endpoint(endpoint.socket_path))};
      return Connect(conn);
    }
    error_code ec;
    auto address = asio::ip::make_address(endpoint.host, ec);
    if (!ec) {
      conn->endpoints = {Endpoint(tcp::endpoint(address, endpoint.port))};
      return Connect(conn);
    }
    conn->resolver.emplace(io);
    conn->resolver->async_resolve(
        endpoint.host, std::to_string(endpoint.port),
        [self = shared_from_this(), conn, gen = conn->gen](error_code ec,
                                                           tcp::resolver::results_type results) {
          if (self->closed || conn->gen != gen) return;
          if (ec) {
            return self->Fail(
                conn, Status(Code::kUnavailable,
                             "dial tcp: lookup " + self->endpoint.host + ": " + GoErrorText(ec)));
          }
          for (const auto& r : results) conn->endpoints.emplace_back(r.endpoint());
          self->Connect(conn);
        });
  }

  void Connect(const std::shared_ptr<Conn>& conn) {
    asio::async_connect(
        conn->socket, conn->endpoints,
        [self = shared_from_this(), conn, gen = conn->gen](error_code ec, const Endpoint&) {
          if (self->closed || conn->gen != gen) return;
          self->OnConnect(conn, ec);
        });
  }

  void OnConnect(const std::shared_ptr<Conn>& conn, const error_code& ec) {
    if (conn->dial_deadline) conn->dial_deadline->cancel();
    if (ec) {
      return Fail(conn,
                  Status(Code::kUnavailable, DialText(*conn) + "connect: " + GoErrorText(ec)));
    }
    if (!endpoint.is_unix()) {
      error_code ignored;
      conn->socket.set_option(tcp::no_delay(true), ignored);
    }
    conn->local = ConnText(conn->socket, Network());
    conn->connected = true;
    Send(conn);
  }

  // --- the exchange ---

  void Send(const std::shared_ptr<Conn>& conn) {
    Op& op = *conn->op;
    op.phase = Op::Phase::kWrite;
    auto& req = conn->req;
    req.clear();
    req.version(11);
    req.method_string(op.request.method);
    req.target(op.request.target);
    req.set(http::field::host, endpoint.HostHeader());
    for (const auto& [k, v] : op.request.headers) req.set(k, v);
    if (!op.request.content_type.empty()) {
      req.set(http::field::content_type, op.request.content_type);
    }
    req.body() = op.request.body;
    req.keep_alive(true);
    req.prepare_payload();
    http::async_write(conn->socket, req,
                      [self = shared_from_this(), conn, gen = conn->gen](error_code ec, size_t) {
                        if (self->closed || conn->gen != gen) return;
                        self->OnWritten(conn, ec);
                      });
  }

  void OnWritten(const std::shared_ptr<Conn>& conn, const error_code& ec) {
    if (ec) {
      if (IsStaleConnection(ec) && MayRetry(*conn, *conn->op)) return Retry(conn);
      return FailIo(conn, ec, "write " + conn->local + ": ");
    }
    Op& op = *conn->op;
    op.phase = Op::Phase::kRead;
    auto handler = [self = shared_from_this(), conn, gen = conn->gen](error_code ec, size_t) {
      if (self->closed || conn->gen != gen) return;
      if (conn->op->streaming) {
        self->OnStreamHead(conn, ec);
      } else {
        self->OnResponse(conn, ec);
      }
    };
    if (op.streaming) {
      conn->stream_parser.emplace();
      conn->stream_parser->body_limit(boost::none);
      http::async_read_header(conn->socket, conn->buffer, *conn->stream_parser, std::move(handler));
    } else {
      conn->parser.emplace();
      conn->parser->body_limit(boost::none);
      // A response to HEAD has headers only, whatever Content-Length says.
      conn->parser->skip(op.request.method == "HEAD");
      http::async_read(conn->socket, conn->buffer, *conn->parser, std::move(handler));
    }
  }

  template <typename Message>
  static void CopyHead(const Message& msg, HttpResponse* out) {
    out->status = msg.result_int();
    out->headers.clear();
    for (const auto& field : msg) {
      out->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }

  void OnResponse(const std::shared_ptr<Conn>& conn, const error_code& ec) {
    auto& parser = *conn->parser;
    if (ec) {
      if (!parser.got_some() && IsStaleConnection(ec) && MayRetry(*conn, *conn->op)) {
        return Retry(conn);
      }
      return FailIo(conn, ec, "read " + conn->local + ": ");
    }
    auto& msg = parser.get();
    HttpResponse response;
    CopyHead(msg, &response);
    response.body = std::move(msg.body());
    bool keep = msg.keep_alive() && !parser.need_eof();
    conn->parser.reset();
    Succeed(conn, std::move(response), keep);
  }

  void OnStreamHead(const std::shared_ptr<Conn>& conn, const error_code& ec) {
    auto& parser = *conn->stream_parser;
    if (ec) {
      if (!parser.got_some() && IsStaleConnection(ec) && MayRetry(*conn, *conn->op)) {
        return Retry(conn);
      }
      return FailIo(conn, ec, "read " + conn->local + ": ");
    }
    std::shared_ptr<Op> op = conn->op;
    op->phase = Op::Phase::kBody;
    if (op->deadline) op->deadline->cancel();
    CopyHead(parser.get(), &op->head);
    if (op->on_head) {
      uint64_t gen = conn->gen;
      op->on_head(op->head);
      if (closed || conn->gen != gen) return;  // cancelled or destroyed meanwhile
    }
    conn->chunk.resize(kChunkBytes);
    ReadBody(conn);
  }

  void ReadBody(const std::shared_ptr<Conn>& conn) {
    auto& parser = *conn->stream_parser;
    if (parser.is_done()) return EndStream(conn);
    parser.get().body().data = conn->chunk.data();
    parser.get().body().size = conn->chunk.size();
    http::async_read_some(
        conn->socket, conn->buffer, parser,
        [self = shared_from_this(), conn, gen = conn->gen](error_code ec, size_t) {
          if (self->closed || conn->gen != gen) return;
          self->OnBody(conn, ec);
        });
  }

  void OnBody(const std::shared_ptr<Conn>& conn, error_code ec) {
    auto& parser = *conn->stream_parser;
    if (ec == http::error::need_buffer) ec = {};
    size_t n = conn->chunk.size() - parser.get().body().size;
    if (n > 0) {
      uint64_t gen = conn->gen;
      std::shared_ptr<Op> op = conn->op;
      bool more = !op->on_data || op->on_data(std::string_view(conn->chunk.data(), n));
      if (closed || conn->gen != gen) return;  // cancelled or destroyed meanwhile
      if (!more) return Succeed(conn, op->head, false);
    }
    if (ec) {
      if (ec == asio::error::eof && parser.is_done()) return EndStream(conn);
      return FailIo(conn, ec, "read " + conn->local + ": ");
    }
    ReadBody(conn);
  }

  void EndStream(const std::shared_ptr<Conn>& conn) {
    auto& msg = conn->stream_parser->get();
    bool keep = msg.keep_alive() && !conn->stream_parser->need_eof();
    HttpResponse head = std::move(conn->op->head);
    conn->stream_parser.reset();
    Succeed(conn, std::move(head), keep);
  }
};

AsyncHttpClient::AsyncHttpClient(EventLoop& loop, Url endpoint, AsyncClientOptions options)
    : endpoint_(endpoint), impl_(std::make_shared<Impl>(loop, std::move(endpoint), options)) {}

AsyncHttpClient::~AsyncHttpClient() {
  impl_->Shutdown();
}

CallId AsyncHttpClient::Do(AsyncRequest request, Duration timeout, ResponseFn done) {
  auto op = std::make_shared<Op>();
  op->request = std::move(request);
  op->done = std::move(done);
  return impl_->Submit(std::move(op), timeout);
}

CallId AsyncHttpClient::Stream(AsyncRequest request, Duration header_timeout, HeadFn on_head,
                               DataFn on_data, ResponseFn done) {
  auto op = std::make_shared<Op>();
  op->request = std::move(request);
  op->streaming = true;
  op->on_head = std::move(on_head);
  op->on_data = std::move(on_data);
  op->done = std::move(done);
  return impl_->Submit(std::move(op), header_timeout);
}

bool AsyncHttpClient::Cancel(CallId id) {
  return impl_->Cancel(id);
}

size_t AsyncHttpClient::open_connections() const {
  return impl_->conns.size();
}

size_t AsyncHttpClient::idle_connections() const {
  return impl_->idle.size();
}

size_t AsyncHttpClient::queued() const {
  return impl_->queue.size();
}

uint64_t AsyncHttpClient::dials() const {
  return impl_->dials;
}

}  // namespace flotilla::net

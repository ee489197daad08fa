#include "net/http_client.h"

#include "net/client_errors.h"

#include <sys/un.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <charconv>
#include <cstring>

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

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

std::string Url::HostPort() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

std::string Url::HostHeader() const {
  return is_unix() ? "localhost" : HostPort();
}

base::Result<Url> ParseUrl(std::string_view url) {
  auto bad = [&](const char* why) {
    return Status(Code::kInvalidArgument, "parse url \"" + std::string(url) + "\": " + why);
  };
  auto has_scheme = [&](std::string_view scheme) {
    return url.size() >= scheme.size() && IEquals(url.substr(0, scheme.size()), scheme);
  };
  constexpr std::string_view kUnix = "unix://";
  if (has_scheme(kUnix)) {
    std::string_view path = url.substr(kUnix.size());
    if (path.empty() || path[0] != '/') return bad("unix socket path must be absolute");
    if (path.find_first_of("?#") != std::string_view::npos) return bad("query not allowed");
    if (path.size() >= sizeof(sockaddr_un::sun_path)) return bad("unix socket path too long");
    Url out;
    out.scheme = "unix";
    out.port = 0;
    out.socket_path = std::string(path);
    return out;
  }
  constexpr std::string_view kScheme = "http://";
  if (!has_scheme(kScheme)) return bad("scheme must be http or unix");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("query not allowed");
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Url out;
  out.scheme = "http";
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("missing ']' in host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("junk after host");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("missing host");
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
      return bad("invalid port");
    }
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

bool LineSplitter::Feed(std::string_view data,
                        const std::function<bool(std::string_view line)>& fn) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      pending_.append(data);
      return true;
    }
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    if (!pending_.empty()) {
      pending_.append(line);
      line = pending_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool more = fn(line);
    pending_.clear();
    if (!more) return false;
  }
  return true;
}

struct HttpClient::Impl {
  asio::io_context ioc{1};
  beast::basic_stream<asio::generic::stream_protocol> stream{ioc};
  std::string conn_text;  // "tcp a->b", "unix @->/path": for error messages
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  bool connected = false;
  std::atomic<bool> cancelled{false};

  // Runs the io_context until the operation started by `start` completes.
  template <typename Start>
  error_code Run(Start&& start) {
    error_code result = asio::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void SetDeadline(std::chrono::steady_clock::time_point deadline) {
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      stream.expires_never();
    } else {
      stream.expires_at(deadline);
    }
  }

  void Disconnect() {
    error_code ignored;
    stream.socket().shutdown(Socket::shutdown_both, ignored);
    stream.close();
    buffer.clear();
    connected = false;
  }

  // An error Status for `ec`, kCancelled if Cancel() caused it.
  Status Fail(const error_code& ec, const std::string& what) {
    Disconnect();
    if (cancelled.exchange(false)) return Status(Code::kCancelled, "request cancelled");
    if (IsMalformed(ec)) return Status(Code::kIoError, "malformed HTTP response: " + ec.message());
    // The server closed the connection: Go reports a bare "EOF".
    if (ec == http::error::end_of_stream || ec == asio::error::eof) {
      return Status(Code::kUnavailable, "EOF");
    }
    Code code = ec == beast::error::timeout ? Code::kTimeout : Code::kUnavailable;
    return Status(code, what + GoErrorText(ec));
  }

  // The connection as error messages name it ("read " + Local() + ": ").
  const std::string& Local() const { return conn_text; }

  Status Connect(const Url& url, std::chrono::steady_clock::time_point deadline) {
    if (connected) return Status::Ok();
    buffer.clear();
    error_code ec;
    std::vector<Endpoint> endpoints;
    if (url.is_unix()) {
      endpoints.emplace_back(local::endpoint(url.socket_path));
    } else if (auto address = asio::ip::make_address(url.host, ec); !ec) {
      endpoints.emplace_back(tcp::endpoint(address, url.port));
    } else {
      tcp::resolver resolver(ioc);
      auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
      if (ec) {
        return Status(Code::kUnavailable, "dial tcp: lookup " + url.host + ": " + GoErrorText(ec));
      }
      for (const auto& r : results) endpoints.emplace_back(r.endpoint());
    }
    std::string_view network = url.is_unix() ? "unix" : "tcp";
    SetDeadline(deadline);
    ec = Run([&](auto handler) {
      stream.async_connect(endpoints, [handler](error_code e, const Endpoint&) { handler(e); });
    });
    if (ec) {
      // Like Go's serial dialer, name the first address.
      std::string prefix =
          "dial " + std::string(network) + " " + AddressText(endpoints.front()) + ": ";
      if (ec != beast::error::timeout) prefix += "connect: ";
      return Fail(ec, prefix);
    }
    if (!url.is_unix()) stream.socket().set_option(tcp::no_delay(true), ec);
    conn_text = ConnText(stream.socket(), network);
    connected = true;
    return Status::Ok();
  }

  void BuildRequest(const Url& url, const ClientRequest& r) {
    req.clear();
    req.version(11);
    req.method_string(r.method);
    req.target(r.target);
    req.set(http::field::host, url.HostHeader());
    for (const auto& [k, v] : r.headers) req.set(k, v);
    if (!r.content_type.empty()) req.set(http::field::content_type, r.content_type);
    req.body().assign(r.body.data(), r.body.size());
    req.keep_alive(true);
    req.prepare_payload();
  }

  Status Write(bool* stale) {
    error_code ec = Run([&](auto handler) { http::async_write(stream, req, handler); });
    if (ec) {
      *stale = IsStaleConnection(ec);
      return Fail(ec, "write " + Local() + ": ");
    }
    return Status::Ok();
  }
};

HttpClient::HttpClient(Url endpoint) : endpoint_(std::move(endpoint)), impl_(new Impl) {}

HttpClient::~HttpClient() {
  impl_->Disconnect();
}

void HttpClient::Close() {
  impl_->Disconnect();
}

void HttpClient::Cancel() {
  impl_->cancelled = true;
  Impl* impl = impl_.get();
  asio::post(impl->ioc, [impl] {
    error_code ignored;
    if (impl->cancelled) impl->stream.socket().close(ignored);
  });
}

base::Result<HttpResponse> HttpClient::Do(std::string_view method, std::string_view target,
                                          std::string_view body, std::string_view content_type,
                                          Duration timeout) {
  ClientRequest request;
  request.method = method;
  request.target = target;
  request.body = body;
  request.content_type = content_type;
  HttpResponse response;
  Status st = Do(request, timeout, &response);
  if (!st.ok()) return st;
  return response;
}

Status HttpClient::Do(const ClientRequest& request, Duration timeout, HttpResponse* out) {
  Impl& im = *impl_;
  if (im.cancelled.exchange(false)) {
    im.Disconnect();
    return Status(Code::kCancelled, "request cancelled");
  }
  auto deadline = timeout > Duration::zero() ? std::chrono::steady_clock::now() + timeout
                                             : std::chrono::steady_clock::time_point::max();
  im.BuildRequest(endpoint_, request);
  for (int attempt = 0;; ++attempt) {
    bool reused = im.connected;
    bool may_retry = reused && attempt == 0 && IsIdempotent(request.method);
    FLOTILLA_RETURN_IF_ERROR(im.Connect(endpoint_, deadline));
    im.SetDeadline(deadline);
    bool stale = false;
    Status st = im.Write(&stale);
    if (!st.ok()) {
      if (stale && may_retry) continue;
      return st;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    // A response to HEAD has headers only, whatever Content-Length says.
    parser.skip(request.method == "HEAD");
    out->body.clear();
    parser.get().body() = std::move(out->body);
    error_code ec =
        im.Run([&](auto handler) { http::async_read(im.stream, im.buffer, parser, handler); });
    if (ec) {
      if (may_retry && !parser.got_some() && IsStaleConnection(ec)) {
        im.Disconnect();
        continue;
      }
      return im.Fail(ec, "read " + im.Local() + ": ");
    }
    auto& msg = parser.get();
    out->status = msg.result_int();
    out->headers.clear();
    for (const auto& field : msg) {
      out->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    bool keep = msg.keep_alive() && !parser.need_eof();
    out->body = std::move(msg.body());
    if (!keep) im.Disconnect();
    return Status::Ok();
  }
}

base::Result<HttpResponse> HttpClient::Stream(const ClientRequest& request, Duration header_timeout,
                                              const DataFn& on_data) {
  Impl& im = *impl_;
  if (im.cancelled.exchange(false)) {
    im.Disconnect();
    return Status(Code::kCancelled, "request cancelled");
  }
  auto deadline = header_timeout > Duration::zero()
                      ? std::chrono::steady_clock::now() + header_timeout
                      : std::chrono::steady_clock::time_point::max();
  im.BuildRequest(endpoint_, request);
  HttpResponse head;
  for (int attempt = 0;; ++attempt) {
    bool may_retry = im.connected && attempt == 0 && IsIdempotent(request.method);
    FLOTILLA_RETURN_IF_ERROR(im.Connect(endpoint_, deadline));
    im.SetDeadline(deadline);
    bool stale = false;
    Status st = im.Write(&stale);
    if (!st.ok()) {
      if (stale && may_retry) continue;
      return st;
    }
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    error_code ec = im.Run(
        [&](auto handler) { http::async_read_header(im.stream, im.buffer, parser, handler); });
    if (ec) {
      if (may_retry && !parser.got_some() && IsStaleConnection(ec)) {
        im.Disconnect();
        continue;
      }
      return im.Fail(ec, "read " + im.Local() + ": ");
    }
    auto& msg = parser.get();
    head.status = msg.result_int();
    for (const auto& field : msg) {
      head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    bool keep = msg.keep_alive() && !parser.need_eof();
    im.stream.expires_never();
    char chunk[16 * 1024];
    while (!parser.is_done()) {
      msg.body().data = chunk;
      msg.body().size = sizeof chunk;
      ec = im.Run(
          [&](auto handler) { http::async_read_some(im.stream, im.buffer, parser, handler); });
      if (ec == http::error::need_buffer) ec = {};
      size_t n = sizeof chunk - msg.body().size;
      if (n > 0 && !on_data(std::string_view(chunk, n))) {
        im.Disconnect();
        return head;
      }
      if (ec) {
        if (ec == asio::error::eof && parser.is_done()) break;
        return im.Fail(ec, "read " + im.Local() + ": ");
      }
    }
    if (!keep) im.Disconnect();
    return head;
  }
}

base::Result<Url> ParseTcpUrl(std::string_view url) {
  auto u = ParseUrl(url);
  if (u.ok() && u->is_unix())
    return base::Status(base::Code::kInvalidArgument,
                        "unix URL not allowed here: " + std::string(url));
  return u;
}

}  // namespace flotilla::net

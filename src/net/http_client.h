// HttpClient: a small blocking HTTP/1.1 client for one endpoint.
//
// A client talks to one endpoint over one keep-alive connection, dialled
// lazily on the first request and redialled when the server closes it: TCP
// (TCP_NODELAY) for "http://host:port", a unix-domain socket for
// "unix:///path/to.sock" (then the Host header is "localhost", as Go's
// clients send over unix transports). Each call blocks until the exchange is done, the
// timeout fires or Cancel() is called. Buffers (read buffer, request, the
// caller's response) are reused across calls, so a load generator can run one
// client per thread without allocating per request.
//
// Threading: a client belongs to one thread at a time; only Cancel() may be
// called from another thread. Many clients may run on many threads at once.
//
// Errors are Status values with Go-style messages a CLI can show verbatim:
//   kUnavailable  "dial tcp 127.0.0.1:2379: connect: connection refused",
//                 "dial unix /run/fleet.sock: connect: no such file or
//                 directory", or the connection broke ("read tcp a->b:
//                 connection reset by peer", "read unix @->/run/fleet.sock:
//                 ...", "EOF" when the server closed it)
//   kTimeout      the timeout fired ("i/o timeout")
//   kCancelled    Cancel() was called
//   kIoError      the response was not valid HTTP
// A non-2xx status is not an error: the response is returned as is.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "net/http.h"

namespace flotilla::net {

// An absolute endpoint URL split into its parts. Two schemes:
//   http://host[:port][/path]  TCP; the port defaults to 80.
//   unix:///abs/path/to.sock   a unix-domain stream socket, as fleetctl's
//                              --endpoint and Docker's DOCKER_HOST spell it.
//                              Everything after "unix://" is the socket path
//                              (kept raw, no percent-decoding); host and path
//                              are empty, port is 0. HTTP over it is sent
//                              with "Host: localhost".
struct Url {
  std::string scheme;       // "http" or "unix" (lower case)
  std::string host;         // "127.0.0.1", "localhost", "::1" (no brackets); "" for unix
  uint16_t port = 80;       // 0 for unix
  std::string path;         // "" or "/..." (raw, still percent-encoded); "" for unix
  std::string socket_path;  // unix only: "/var/run/fleet.sock"; "" for http

  bool is_unix() const { return scheme == "unix"; }
  // "127.0.0.1:2379", "[::1]:2379"; http only.
  std::string HostPort() const;
  // What the Host header carries: HostPort(), or "localhost" for unix.
  std::string HostHeader() const;
};

// Parses "http://host[:port][/path]" and "unix:///abs/path". Query strings
// and fragments are refused, and so are socket paths that are relative or
// longer than a sockaddr_un holds (107 bytes on Linux). Callers that can only
// use TCP (peer URLs, etcd listen URLs) must check is_unix() themselves.
base::Result<Url> ParseUrl(std::string_view url);
// ParseUrl for addresses that must be TCP (peers, listeners): unix:// is
// refused ("unix URL not allowed here: ...").
base::Result<Url> ParseTcpUrl(std::string_view url);

struct ClientRequest {
  std::string_view method = "GET";
  std::string_view target = "/";  // origin-form: "/v2/keys/a?recursive=true"
  std::string_view body;          // sent with Content-Length when non-empty
                                  // or when the method is PUT/POST/PATCH
  std::string_view content_type;  // empty: no Content-Type header
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // extra
};

class HttpClient {
 public:
  using Duration = std::chrono::milliseconds;
  // Receives response body bytes as they arrive (chunk framing removed);
  // returns false to stop reading (the connection is then closed).
  using DataFn = std::function<bool(std::string_view data)>;

  explicit HttpClient(Url endpoint);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const Url& endpoint() const { return endpoint_; }

  // One request/response exchange. `timeout` bounds the whole exchange
  // (dial included); zero means no limit. On success *out holds the response
  // (its previous contents are overwritten, its capacity reused).
  base::Status Do(const ClientRequest& request, Duration timeout, HttpResponse* out);
  base::Result<HttpResponse> Do(std::string_view method, std::string_view target,
                                std::string_view body = {}, std::string_view content_type = {},
                                Duration timeout = Duration::zero());

  // Sends `request` and returns the status line and headers (body empty), after
  // feeding the body to `on_data` piece by piece until the server ends the
  // response, `on_data` returns false, or Cancel() is called (kCancelled).
  // `header_timeout` bounds the time until the headers are in; the body has
  // no time limit. For watches and other long-poll responses.
  base::Result<HttpResponse> Stream(const ClientRequest& request, Duration header_timeout,
                                    const DataFn& on_data);

  // From any thread: aborts the call in progress (or the next one) with
  // kCancelled and closes the connection.
  void Cancel();

  // Closes the connection; the next call redials.
  void Close();

 private:
  struct Impl;
  Url endpoint_;
  std::unique_ptr<Impl> impl_;
};

// Splits a byte stream into '\n'-terminated lines (the '\n' and a preceding
// '\r' removed). Feed() calls `fn` for each complete line; a partial line is
// kept for the next Feed(). Returns false as soon as `fn` does.
class LineSplitter {
 public:
  bool Feed(std::string_view data, const std::function<bool(std::string_view line)>& fn);
  // The incomplete last line, if any.
  const std::string& pending() const { return pending_; }

 private:
  std::string pending_;
};

}  // namespace flotilla::net

// AsyncHttpClient: an HTTP/1.1 client for one endpoint, on an EventLoop.
//
// For the parts of a daemon that live on the loop (the fleet engine and its
// agents) and must not block it: Do() sends a request and calls back with the
// whole response; Stream() calls back with the body piece by piece as it
// arrives (chunked watch streams, long polls). Both return a CallId that
// Cancel() takes.
//
// Connections: a pool of at most `max_connections` keep-alive connections,
// dialled lazily: TCP (TCP_NODELAY) for an http:// endpoint, unix-domain for
// a unix:///path endpoint (sent with "Host: localhost", see Url). A request takes the most
// recently used idle connection, else dials a new one, else waits in a FIFO
// queue until one is free. A long poll holds its connection until it ends,
// so size the pool above the number of concurrent long polls. An idle
// connection the server has closed is noticed when it is next taken (a
// zero-time peek) and redialled; if a reused connection breaks before any
// byte of the response arrives, an idempotent request (GET HEAD PUT DELETE
// OPTIONS) is sent once more on a fresh connection, as Go's Transport does.
//
// Errors are Status values with HttpClient's Go-style messages (see
// http_client.h): kUnavailable "dial tcp 127.0.0.1:2379: connect: connection
// refused", "dial unix /run/fleet.sock: connect: no such file or directory",
// "EOF", "read tcp a->b: connection reset by peer"; kTimeout "... i/o
// timeout" (the phase it fired in first: "dial tcp ...", "write tcp ...",
// "read unix @->/path ..."; a bare "i/o timeout" while still queued); kCancelled
// "request cancelled"; kIoError for bytes that are not HTTP. A non-2xx status
// is not an error.
//
// Callbacks: every request's completion callback runs exactly once, on the
// loop thread, never from inside Do(), Stream() or Cancel() (a request that
// fails at once is completed from the loop), unless the client is destroyed
// first: destroying the client abandons every outstanding request and no
// callback of it runs afterwards (nor during the destructor). Callbacks may
// call Do(), Cancel() and even destroy the client.
//
// Threading: everything, construction and destruction included, on the loop
// thread (or while the loop is not running). The loop outlives the client.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/event_loop.h"
#include "net/http.h"
#include "net/http_client.h"

namespace flotilla::net {

// A request the client owns until it completes.
struct AsyncRequest {
  std::string method = "GET";
  std::string target = "/";  // origin-form: "/v2/keys/a?recursive=true"
  std::string body;          // sent with Content-Length when non-empty or PUT/POST/PATCH
  std::string content_type;  // empty: no Content-Type header
  Headers headers;           // extra headers
};

// Names one request of one client. Never zero.
enum class CallId : uint64_t {};

struct AsyncClientOptions {
  size_t max_connections = 8;  // 0: no limit (a pool for many long polls)
  // Bounds connection set-up alone (0: only the request's timeout does).
  // Running out is kUnavailable "dial tcp 10.0.0.1:2379: i/o timeout", like
  // refusal, since the request was never sent: a caller may try elsewhere.
  std::chrono::milliseconds dial_timeout{0};
};

class AsyncHttpClient {
 public:
  using Duration = std::chrono::milliseconds;
  // Receives the response, or an error. After Stream() the body is empty.
  using ResponseFn = std::function<void(base::Result<HttpResponse>)>;
  // Stream(): the status line and headers, before any body byte.
  using HeadFn = std::function<void(const HttpResponse& head)>;
  // Stream(): body bytes as they arrive (chunk framing removed); false stops
  // reading (the connection is then closed and the call completes normally).
  using DataFn = std::function<bool(std::string_view data)>;

  AsyncHttpClient(EventLoop& loop, Url endpoint, AsyncClientOptions options = {});
  ~AsyncHttpClient();
  AsyncHttpClient(const AsyncHttpClient&) = delete;
  AsyncHttpClient& operator=(const AsyncHttpClient&) = delete;

  const Url& endpoint() const { return endpoint_; }

  // One request/response exchange. `timeout` bounds all of it, time in the
  // queue and dialling included; zero means no limit (a long poll).
  CallId Do(AsyncRequest request, Duration timeout, ResponseFn done);

  // As Do(), but the body goes to `on_data` as it arrives and `done` gets the
  // head once the response has ended (or stopped, or failed). `header_timeout`
  // bounds the time until the headers are in; the body has no time limit.
  // `on_head` and `on_data` may be empty.
  CallId Stream(AsyncRequest request, Duration header_timeout, HeadFn on_head, DataFn on_data,
                ResponseFn done);

  // Aborts a request that has not completed: its callback gets kCancelled
  // (later, from the loop) and its connection, if it had one, is closed.
  // Unknown or completed ids are ignored. Returns whether it was pending.
  bool Cancel(CallId id);

  // For tests and metrics.
  size_t open_connections() const;  // dialled or dialling
  size_t idle_connections() const;
  size_t queued() const;   // requests waiting for a connection
  uint64_t dials() const;  // connections dialled since construction

  struct Impl;  // defined in async_http_client.cpp

 private:
  Url endpoint_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace flotilla::net

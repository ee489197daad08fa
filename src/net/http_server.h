// HttpServer: an HTTP/1.1 server on the EventLoop, for TCP and unix-domain
// socket listeners (etcd's client API on TCP; fleet's API on
// /var/run/fleet.sock). Connections from either kind of listener are the
// same sessions under the same ServerOptions.
//
// Each accepted connection is a session that reads one request at a time
// (keep-alive and pipelining are honoured in order), hands it to the Handler
// on the loop thread, and writes whatever the handler answers through the
// request's Exchange, now or later. An Exchange answers once: either with a
// whole response (Send) or as a chunked stream (StartStream, WriteChunk...,
// EndStream), which is how long-poll and streaming watches are served. While
// a response is outstanding the session keeps reading, so a client that goes
// away is noticed at once and the Exchange's OnClose callback runs (watches
// use it to drop their watcher).
//
// Bad input gets what Go's net/http gives: malformed requests a "400 Bad
// Request" and a closed connection, oversized headers 431, oversized bodies
// 413. "Expect: 100-continue" is answered. Everything runs on the loop
// thread; Exchange methods must be called there too.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "net/event_loop.h"
#include "net/http.h"

namespace flotilla::net {

class Exchange {
 public:
  virtual ~Exchange() = default;
  // Answers with a complete response (Content-Length is added).
  virtual void Send(HttpResponse response) = 0;
  // Starts a chunked response: headers now, body in chunks.
  virtual void StartStream(int status, Headers headers) = 0;
  virtual void WriteChunk(std::string data) = 0;
  virtual void EndStream() = 0;
  // True once the client has gone away (writes are then dropped).
  virtual bool closed() const = 0;
  // `fn` runs once if the client goes away before the response is complete.
  virtual void OnClose(std::function<void()> fn) = 0;
};
using ExchangePtr = std::shared_ptr<Exchange>;

using Handler = std::function<void(HttpRequest&& request, ExchangePtr exchange)>;

struct ServerOptions {
  size_t max_header_bytes = 1 << 20;  // Go's DefaultMaxHeaderBytes
  size_t max_body_bytes = 10 << 20;   // Go's ParseForm limit
  // A request must arrive whole within this time once it has started.
  std::chrono::seconds request_timeout{60};
  // An idle keep-alive connection is closed after this long.
  std::chrono::seconds idle_timeout{600};
  size_t max_connections = 20000;
};

class HttpServer {
 public:
  HttpServer(EventLoop& loop, Handler handler, ServerOptions options = {});
  ~HttpServer();

  // Binds and listens on host:port; port 0 picks a free one. Returns the
  // bound port. Connections wait in the kernel's backlog until Serve().
  base::Result<uint16_t> Listen(const std::string& host, uint16_t port);
  // Binds and listens on a unix-domain stream socket at `path` (at most 107
  // bytes), created with mode 0660 whatever the umask. A socket file left at
  // `path` by a server that is gone (connecting is refused) is replaced; a
  // live one fails with kIoError "listen unix PATH: address already in use",
  // and anything that is not a socket fails ("... file exists and is not a
  // socket") and is left alone. Close() removes the file again, unless it
  // has been replaced meanwhile. Requests from it have remote "@" (an
  // unnamed client socket, as Go's RemoteAddr shows it). See socket_file.h.
  base::Status ListenUnix(const std::string& path);
  // Starts accepting on every bound address (and on any bound later).
  void Serve();
  // Stops accepting, closes every connection and removes the socket files
  // ListenUnix created. Loop thread only; the destructor calls it.
  void Close();
  size_t connections() const;

  struct Impl;  // shared with the sessions; defined in http_server.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace flotilla::net

// ClientApi: the etcd client HTTP API of one member, as etcd 3.4 serves it
// with --enable-v2: /v2/keys (reads, writes, watches), /v2/members,
// /v2/machines, /v2/stats/{self,store,leader}, /version, /health and
// Prometheus /metrics. Requests come from net::HttpServer on the loop thread;
// writes go through Server::Propose and are answered once applied.
//
// Every response carries etcd's CORS headers; key and member responses carry
// X-Etcd-Cluster-Id; key responses X-Etcd-Index, X-Raft-Index and
// X-Raft-Term. Bodies are byte-compatible with etcd's (kv/json.h).
#pragma once

#include "etcd/server.h"
#include "net/http_server.h"

namespace flotilla::etcd {

class ClientApi {
 public:
  explicit ClientApi(Server& server) : server_(server) {}

  // The net::Handler of the client listener.
  void Handle(net::HttpRequest&& request, net::ExchangePtr exchange);

 private:
  void HandleKeys(net::HttpRequest& request, const std::string& key, net::ExchangePtr exchange);
  void HandleMembers(net::HttpRequest& request, std::string_view rest, net::ExchangePtr exchange);
  void HandleStats(std::string_view which, net::ExchangePtr exchange);
  void HandleMetrics(net::ExchangePtr exchange);

  Server& server_;
};

// Adds the CORS headers etcd 3.4 sends on every response.
void AddCorsHeaders(net::HttpResponse& response);
// A response with etcd's CORS headers and the given Content-Type.
net::HttpResponse MakeResponse(int status, const char* content_type, std::string body);
net::HttpResponse TextResponse(int status, std::string body);
net::HttpResponse JsonResponse(int status, std::string body);

// Go's time.Duration.String(): "4m13.73576918s", "1.5ms", "0s".
std::string GoDuration(int64_t nanos);

}  // namespace flotilla::etcd

// ClusterClient: the Go etcd v2 client's transport (client/client.go) in C++.
//
// It holds the cluster's endpoints (shuffled, as Go shuffles them) and a
// "pinned" one. Do() sends a request to the pinned endpoint and, when that
// fails (transport error or 5xx), to the next, collecting one error per
// endpoint into a ClusterError; "one-shot" requests (create, delete) stop at
// the first failure instead. A request that runs out of its Deadline stops
// everything with "context deadline exceeded". 3xx responses are followed.
// With curl debugging on, each attempt is printed to stderr as
// "cURL Command: curl -X PUT http://... -d \"value=x\"".
//
// Errors carry Go's texts and the two facts etcdctl branches on: is it a
// ClusterError (it prints Detail() too) and is it a connection error
// (exit code 2 during sync). Not thread-safe: one per command run.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/go_url.h"
#include "net/http_client.h"

namespace flotilla::cli::etcdctl {

struct ClientError {
  std::string message;              // Go's err.Error()
  std::vector<std::string> causes;  // a ClusterError's per-endpoint errors
  bool cluster = false;
  bool connection = false;  // etcdctl's isConnectionError(err)
  bool context = false;     // the Deadline ran out

  static ClientError Plain(std::string message, bool connection = false);
  static ClientError Cluster(const std::vector<ClientError>& errors);
  // ClusterError.Detail(): "error #0: ...\n" per cause.
  std::string Detail() const;
};

template <typename T>
class ClientResult {
 public:
  ClientResult(T value) : v_(std::move(value)) {}            // NOLINT
  ClientResult(ClientError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const ClientError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ClientError> v_;
};

// Go's context deadline: a point in time, or none.
struct Deadline {
  using Clock = std::chrono::steady_clock;
  Clock::time_point at = Clock::time_point::max();
  static Deadline None() { return {}; }
  static Deadline AfterNs(int64_t ns);
};

// One HTTP request, as one of Go's httpActions builds it for an endpoint.
struct V2Request {
  std::string method = "GET";
  base::GoUrl url;
  std::optional<std::string> body;  // nullopt: no body (curl shows no -d)
  std::string content_type;
  bool wait = false;  // a watch: no per-request header timeout
};
using RequestBuilder = std::function<V2Request(const base::GoUrl& endpoint)>;

class ClusterClient {
 public:
  // `header_timeout_ns` (etcdctl --timeout) bounds each non-watch request;
  // 0 disables it.
  ClusterClient(std::vector<base::GoUrl> endpoints, int64_t header_timeout_ns);
  ~ClusterClient();

  void EnableCurlDebug() { curl_debug_ = true; }
  // HTTP basic authentication on every request (etcdctl --username).
  void SetCredentials(const std::string& user, const std::string& password);

  ClientResult<net::HttpResponse> Do(const RequestBuilder& build, Deadline deadline,
                                     bool one_shot = false);

  // Endpoints as url.URL.String() spells them, pinned order.
  std::vector<std::string> Endpoints() const;
  // Replaces the endpoints unless they are the same set (Go's Sync).
  void SetSyncedEndpoints(std::vector<base::GoUrl> endpoints);

 private:
  ClientResult<net::HttpResponse> DoEndpoint(const base::GoUrl& endpoint,
                                             const RequestBuilder& build, Deadline deadline);
  ClientResult<net::HttpResponse> Send(const base::GoUrl& endpoint, const V2Request& req,
                                       Deadline deadline);
  net::HttpClient* Connection(const std::string& host);

  std::vector<base::GoUrl> endpoints_;
  size_t pinned_ = 0;
  int64_t header_timeout_ns_;
  bool curl_debug_ = false;
  std::string authorization_;  // "Basic ..." or empty
  std::map<std::string, std::unique_ptr<net::HttpClient>> connections_;
};

// Shuffles like Go's shuffleEndpoints (order is random per run).
void ShuffleEndpoints(std::vector<base::GoUrl>& endpoints);

}  // namespace flotilla::cli::etcdctl

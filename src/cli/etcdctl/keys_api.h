// KeysApi: the Go client's v2 keys API (client/keys.go) over a ClusterClient.
//
// Each call builds exactly the request the Go client builds: which options go
// in the query (prevValue, prevIndex, prevExist, dir, recursive, sorted,
// quorum, wait, waitIndex) and which in the form body (value, ttl), in Go's
// sorted url.Values order, so the server sees the same bytes as from the Go
// etcdctl. Responses are decoded as Go does: 200/201 need a JSON body
// (X-Etcd-Index read from the header), anything else is decoded as an etcd
// error "100: Key not found (/foo) [5]". Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/etcdctl/cluster_client.h"

namespace flotilla::cli::etcdctl {

struct Node {
  std::string key;
  bool dir = false;
  std::string value;
  std::optional<std::vector<Node>> nodes;  // nullopt: null or absent
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  std::optional<std::string> expiration;  // RFC 3339 text as the server sent it
  int64_t ttl = 0;
};

struct Response {
  std::string action;
  std::optional<Node> node;
  std::optional<Node> prev_node;
  uint64_t index = 0;  // X-Etcd-Index
  std::string cluster_id;
};

enum class PrevExist { kIgnore, kExist, kNoExist };

struct SetOptions {
  std::string prev_value;
  uint64_t prev_index = 0;
  PrevExist prev_exist = PrevExist::kIgnore;
  int64_t ttl_seconds = 0;
  bool dir = false;
};

struct GetOptions {
  bool recursive = false;
  bool sort = false;
  bool quorum = false;
};

struct DeleteOptions {
  std::string prev_value;
  uint64_t prev_index = 0;
  bool recursive = false;
  bool dir = false;
};

class KeysApi {
 public:
  explicit KeysApi(ClusterClient* client) : client_(client) {}

  ClientResult<Response> Get(const std::string& key, const GetOptions& opts, Deadline deadline);
  ClientResult<Response> Set(const std::string& key, const std::string& value,
                             const SetOptions& opts, Deadline deadline);
  ClientResult<Response> Delete(const std::string& key, const DeleteOptions& opts,
                                Deadline deadline);
  ClientResult<Response> CreateInOrder(const std::string& dir, const std::string& value,
                                       int64_t ttl_seconds, Deadline deadline);

 private:
  ClusterClient* client_;
};

// A v2 watch: each Next() long-polls for the next event after the last one
// returned (waitIndex = its modifiedIndex + 1); empty bodies are retried.
class Watcher {
 public:
  Watcher(ClusterClient* client, std::string key, uint64_t after_index, bool recursive);
  ClientResult<Response> Next();

 private:
  ClusterClient* client_;
  std::string key_;
  uint64_t wait_index_ = 0;
  bool recursive_;
};

// Go's unmarshalHTTPResponse.
ClientResult<Response> DecodeKeysResponse(const net::HttpResponse& resp);

}  // namespace flotilla::cli::etcdctl

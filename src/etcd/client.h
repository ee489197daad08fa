// Client: the etcd v2 keys API (/v2/keys) as a client, on an EventLoop.
//
// This is how the fleet layer reaches the store: only through the wire
// protocol, so the same engine and agents run on flotilla's store or on a
// real etcd cluster. Requests are built as the Go v2 client
// (go.etcd.io/etcd/client/keys.go) builds them: the key percent-encoded in
// the path, `value`, `ttl` and `refresh` in a form body, conditions in the
// query. Answers are parsed into Response and Node; an etcd error envelope
// ({"errorCode":100,"message":"Key not found","cause":"/a","index":6}) into
// an EtcdError that the Reply carries next to its Status.
//
// Endpoints: a call goes to the endpoint that answered last. On a
// connection error (kUnavailable: refused, reset, EOF) it is sent to the next
// endpoint, and so on once round the list; the one that answers is
// remembered. As with the Go client, a write whose connection broke after it
// was sent may thus be applied twice (a repeated CAS then fails with 101).
// When every endpoint fails the error reads like Go's: "client: etcd cluster
// is unavailable or misconfigured; error #0: dial tcp ...: connection
// refused; error #1: ...". A call that times out is not sent elsewhere (its
// time is spent) but the next call starts at the next endpoint, so a member
// that accepts connections and then goes silent is left behind too.
// Cancellation does not fail over.
//
// Watches: Watch() is one long poll (GET ?wait=true) that calls back with the
// next matching event, as etcd's one-shot watch does; the caller re-arms with
// `node.modified_index + 1`. A wait index older than etcd's 1000-event
// history answers ErrorCode::kEventIndexCleared (401): the caller must re-list
// (Get) and watch from the listing's `etcd_index + 1`. A watch the server ends
// with an empty body (etcd does on shutdown) is re-sent transparently. A
// watch has no timeout; Cancel() ends it.
//
// Threading and lifetime: loop thread only. Every call's callback runs
// exactly once, on the loop thread, never from inside the call that started
// it, unless the Client is destroyed first: destruction abandons outstanding
// calls and none of their callbacks runs afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kv/event.h"
#include "net/async_http_client.h"
#include "net/event_loop.h"
#include "net/http_client.h"

namespace flotilla::etcd {

// etcd's v2 error codes (100 key not found, 101 compare failed, 105 node
// exists, 401 event index cleared, ...); the server's own vocabulary.
using ErrorCode = kv::ErrorCode;

// A node as the v2 API renders it. Absent JSON fields keep their defaults.
struct Node {
  std::string key;    // "/a/b"; "" for the root
  std::string value;  // "" for directories
  bool dir = false;
  std::vector<Node> nodes;  // children, when listed
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  int64_t ttl = 0;         // seconds left; 0 when permanent
  std::string expiration;  // RFC 3339 UTC; "" when permanent
};

struct Response {
  std::string
      action;  // "get", "set", "create", "update", "compareAndSwap", "delete", "expire", ...
  Node node;
  std::optional<Node> prev_node;
  uint64_t etcd_index = 0;  // X-Etcd-Index (for a watch: the index when it started)
};

// The error envelope of a non-2xx answer.
struct EtcdError {
  ErrorCode code{};
  std::string message;  // "Key not found"
  std::string cause;    // "/a"
  uint64_t index = 0;   // the store index when it failed
};

// What a call ends with: a Response, or a Status. When the server answered
// with an etcd error, etcd_error() holds it and the Status reads like
// etcdctl's "100: Key not found (/a) [6]", with code kNotFound for 100,
// kAlreadyExists for 105, kUnavailable for 300 and 301, kInvalidArgument for
// the rest. Test the etcd code, not the Status code: Is(ErrorCode::kTestFailed).
class Reply : public base::Result<Response> {
 public:
  Reply(Response response) : base::Result<Response>(std::move(response)) {}  // NOLINT
  Reply(base::Status status) : base::Result<Response>(std::move(status)) {}  // NOLINT
  explicit Reply(EtcdError error);

  const EtcdError* etcd_error() const { return error_ ? &*error_ : nullptr; }
  bool Is(ErrorCode code) const { return error_ && error_->code == code; }

 private:
  std::optional<EtcdError> error_;
};

using Callback = std::function<void(Reply)>;

// Names one call of one Client, for Cancel(). Never zero.
enum class CallId : uint64_t {};

struct GetOptions {
  bool recursive = false;
  bool sorted = false;
  bool quorum = false;  // linearizable read (through raft)
};

struct SetOptions {
  std::optional<std::chrono::seconds> ttl;  // none: the key becomes permanent
  std::optional<bool> prev_exist;           // true: update only; false: create only
  std::string prev_value;                   // non-empty: compare-and-swap on the value
  uint64_t prev_index = 0;                  // non-zero: compare-and-swap on modifiedIndex
  bool dir = false;                         // a directory (value ignored)
  bool refresh = false;                     // TTL refresh without notifying watchers (needs ttl)
};

struct CreateInOrderOptions {
  std::optional<std::chrono::seconds> ttl;
  bool dir = false;
};

struct DeleteOptions {
  bool recursive = false;
  bool dir = false;
  std::string prev_value;  // non-empty: compare-and-delete on the value
  uint64_t prev_index = 0;
};

struct WatchOptions {
  bool recursive = false;
  uint64_t wait_index = 0;  // 0: the next change after the watch starts
};

struct ClientOptions {
  // Bounds each attempt of a call other than Watch (0: none).
  std::chrono::milliseconds request_timeout{5000};
  // Bounds connecting to an endpoint, watches included; running out counts
  // as a connection error, so the call moves to the next endpoint (etcdctl
  // v2's --dial-timeout).
  std::chrono::milliseconds dial_timeout{1000};
  // Keep-alive connections per endpoint for calls other than Watch; more
  // calls at once wait for one.
  size_t max_connections_per_endpoint = 8;
  // Watches have connections of their own, since each holds one while it
  // waits (v2 watches are one long poll each); 0 means no limit. At the
  // limit, further watches wait for one to end.
  size_t max_watches_per_endpoint = 0;
};

class Client {
 public:
  // Endpoints like "http://127.0.0.1:2379"; at least one.
  static base::Result<std::unique_ptr<Client>> Make(net::EventLoop& loop,
                                                    const std::vector<std::string>& endpoints,
                                                    ClientOptions options = {});
  Client(net::EventLoop& loop, std::vector<net::Url> endpoints, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  CallId Get(std::string_view key, GetOptions options, Callback done);
  CallId Set(std::string_view key, std::string_view value, SetOptions options, Callback done);
  // POST: a new key under `dir` named after the next etcd index
  // ("/queue/00000000000000000016"), so listing with sorted=true is FIFO.
  CallId CreateInOrder(std::string_view dir, std::string_view value, CreateInOrderOptions options,
                       Callback done);
  CallId Delete(std::string_view key, DeleteOptions options, Callback done);
  // The next event on `key` (its subtree with recursive) at or after
  // wait_index.
  CallId Watch(std::string_view key, WatchOptions options, Callback done);

  // Ends a call that has not completed; its callback gets kCancelled.
  bool Cancel(CallId id);

  // The endpoint calls go to first (the one that answered last).
  const net::Url& preferred_endpoint() const;

  struct Impl;  // defined in client.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

// --- the wire format, pure (client_json.cpp) ---

// "/v2/keys" + the key, cleaned as etcd's pathutil.CanonicalURLPath and
// percent-encoded as Go's url.URL.String() ("a b?" -> "/v2/keys/a%20b%3F").
std::string KeyPath(std::string_view key);
// A 2xx body: {"action":...,"node":{...},"prevNode":{...}}.
base::Result<Response> DecodeResponse(std::string_view body);
// An error body; nullopt if it is not an etcd error envelope.
std::optional<EtcdError> DecodeError(std::string_view body);

}  // namespace flotilla::etcd

// The values the v2 key space hands out: node snapshots, events and errors.
//
// These mirror etcd's v2store NodeExtern / Event / v2error.Error, field for
// field, because clients see them as JSON (see kv/json.h). Keys here are the
// store's full paths ("/1/message" for the user key /message, "/0/..." for
// cluster metadata); the HTTP layer strips the "/1" namespace on the way out.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"

namespace flotilla::kv {

// The etcd index: bumped by one on every successful write.
using Index = uint64_t;

struct NodeView {
  std::string key;
  std::optional<std::string> value;  // absent for directories and delete/expire nodes
  bool dir = false;
  base::UnixNanos expiration = 0;  // 0: permanent
  int64_t ttl = 0;                 // seconds left, ceil, as of the operation's time
  std::vector<NodeView> nodes;     // children, when listed
  bool listed = false;             // a dir whose children were loaded ("nodes" may be [])
  Index modified_index = 0;
  Index created_index = 0;
};

enum class Action : uint8_t {
  kGet,
  kCreate,
  kSet,
  kUpdate,
  kDelete,
  kCompareAndSwap,
  kCompareAndDelete,
  kExpire,
};
const char* ActionName(Action a);

struct Event {
  Action action = Action::kGet;
  NodeView node;
  std::optional<NodeView> prev_node;
  Index etcd_index = 0;  // the store index after the operation
  bool refresh = false;  // a TTL refresh: kept in history, never delivered to watchers

  Index index() const { return node.modified_index; }
};
using EventPtr = std::shared_ptr<const Event>;

// etcd's v2 error codes (etcdserver/api/v2error/error.go).
enum class ErrorCode : int {
  kKeyNotFound = 100,
  kTestFailed = 101,
  kNotFile = 102,
  kNotDir = 104,
  kNodeExist = 105,
  kRootReadOnly = 107,
  kDirNotEmpty = 108,
  kUnauthorized = 110,
  kValueRequired = 200,
  kPrevValueRequired = 201,
  kTtlNaN = 202,
  kIndexNaN = 203,
  kInvalidField = 209,
  kInvalidForm = 210,
  kRefreshValue = 211,
  kRefreshTtlRequired = 212,
  kRaftInternal = 300,
  kLeaderElect = 301,
  kWatcherCleared = 400,
  kEventIndexCleared = 401,
};

struct Error {
  ErrorCode code;
  std::string cause;
  Index index = 0;  // the store index when the error happened (0 for parse errors)
};

// etcd's exact message for a code, e.g. "Key not found".
const char* ErrorMessage(ErrorCode code);
// The HTTP status etcd answers an error with (anything unlisted is 400).
int ErrorHttpStatus(ErrorCode code);

}  // namespace flotilla::kv

// Pieces shared by server.cpp, server_raft.cpp and server_members.cpp.
#pragma once

#include <functional>
#include <string>

#include "etcd/server.h"
#include "kv/store.h"
#include "raft/raft.h"

namespace flotilla::etcd {

// A proposal of this member waiting for its entry to be applied.
struct Server::Waiter {
  base::UnixNanos deadline = 0;
  // Called with the outcome, or with nullptr on timeout.
  std::function<void(const kv::Outcome*)> done;
};

// A write of cluster bookkeeping under /0. etcd creates a member's
// raftAttributes (a conf change) and sets the rest; the store's stats show
// which, so flotilla does the same.
inline kv::Request InternalWrite(kv::Op op, std::string path, std::string value,
                                 base::UnixNanos now) {
  kv::Request r;
  r.op = op;
  r.path = std::move(path);
  r.value = std::move(value);
  r.time = now;
  return r;
}

// etcd answers errors that are not the store's with code 300 and the Go
// error's text as the cause.
inline kv::Error InternalError(std::string cause) {
  return kv::Error{kv::ErrorCode::kRaftInternal, std::move(cause), 0};
}

inline kv::Error TimeoutError() {
  return InternalError("etcdserver: request timed out");
}

inline kv::Error ProposeErrorOutcome(raft::ProposeError e) {
  switch (e) {
    case raft::ProposeError::kNoLeader:
      return InternalError("etcdserver: no leader");
    case raft::ProposeError::kTransferring:
      return InternalError("etcdserver: leader changed");
    case raft::ProposeError::kConfChangePending:
      return InternalError("etcdserver: a membership change is already in progress");
    case raft::ProposeError::kNone:
      break;
  }
  return InternalError("etcdserver: proposal dropped");
}

}  // namespace flotilla::etcd

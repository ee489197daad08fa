// Store::Impl: the state behind kv::Store and the operations on it.
//
// Private to src/kv. Each write method mirrors one etcd 3.4 v2store method
// (store.go), including which errors it returns, in which order, and how it
// counts itself in the stats (etcd's deferred counting has quirks: a few
// rejected requests count as successes; they are marked "etcd quirk").
// Invariants: every index in the tree and the history is <= `index`; the
// history is contiguous and ends at `index` once any write happened.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "kv/history.h"
#include "kv/store.h"
#include "kv/tree.h"
#include "kv/watcher_hub.h"

namespace flotilla::kv {

struct Store::Impl {
  Tree tree;
  Index index = 0;
  EventHistory history;
  WatcherHub hub;
  // Counters changed by Apply only: identical on every replica, and saved.
  StoreStats stats;
  // Local reads (Store::Get) differ between replicas, so they are kept apart
  // and not saved.
  uint64_t local_gets_success = 0;
  uint64_t local_gets_fail = 0;
  StoreStats view;  // what Store::stats() hands out

  Impl();

  // Who reads decides what the stats count: a quorum get (replicated), a
  // client's local get, or the member's own bookkeeping (nothing).
  enum class Reader { kReplicated, kLocal, kInternal };
  Outcome Get(std::string_view path, bool recursive, base::UnixNanos now, Reader reader);
  Outcome Set(const Request& req);
  Outcome Create(const Request& req);
  Outcome Update(const Request& req);
  Outcome CompareAndSwap(const Request& req);
  Outcome Delete(const Request& req);
  Outcome CompareAndDelete(const Request& req);
  void Expire(base::UnixNanos cutoff);

 private:
  using Created = std::variant<std::shared_ptr<Event>, Error>;
  // etcd's internalCreate: the shared part of Set and Create. `path` must be
  // clean; with `unique` the new node is its child named after the new index.
  Created CreateNode(std::string path, bool dir, std::string value, bool unique, bool replace,
                     base::UnixNanos expiration, Action action, base::UnixNanos now);
  // Removes the subtree at `path`, telling the watchers of each removed node.
  void RemoveNotifying(std::string_view path, const EventPtr& e);
  // Records a write's event in the history and, unless it is a refresh,
  // tells the watchers.
  void Publish(const std::shared_ptr<Event>& e, bool refresh);

  Error Fail(ErrorCode code, std::string cause) const {
    return Error{code, std::move(cause), index};
  }
  Error Fail(std::string_view path, Tree::Miss miss) const {
    return Fail(miss.code, std::string(path.substr(0, miss.cause_length)));
  }
};

}  // namespace flotilla::kv

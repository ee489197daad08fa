// Store: the etcd v2 key space as a deterministic state machine.
//
// A tree of directories and files under "/", with the etcd index, TTLs, the
// last 1000 events (watch history) and the watchers waiting on them. Apply()
// performs one Request exactly as etcd 3.4's v2store does (same actions,
// errors, causes and index bumps) and tells the watchers. Given the same
// sequence of requests, every replica reaches the same state byte for byte
// (Save() output equal), so the store plugs under raft unchanged.
//
// Threading: not thread-safe; one thread (the node's apply thread) owns it.
// Watch callbacks run on that thread, inside Apply().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "base/status.h"
#include "kv/event.h"
#include "kv/request.h"

namespace flotilla::kv {

// Either an event (success) or an etcd error.
using Outcome = std::variant<EventPtr, Error>;

// Counters of /v2/stats/store, in etcd's order.
struct StoreStats {
  uint64_t gets_success = 0, gets_fail = 0;
  uint64_t sets_success = 0, sets_fail = 0;
  uint64_t delete_success = 0, delete_fail = 0;
  uint64_t update_success = 0, update_fail = 0;
  uint64_t create_success = 0, create_fail = 0;
  uint64_t compare_and_swap_success = 0, compare_and_swap_fail = 0;
  uint64_t compare_and_delete_success = 0, compare_and_delete_fail = 0;
  uint64_t expire_count = 0;
  uint64_t watchers = 0;
};

// Receives the events of one watch. Return false to stop watching (a one-shot
// watcher returns false after its first event). A watcher whose 100-event
// buffer overflows is dropped: its sink gets nullptr once, then nothing.
using WatchSink = std::function<bool(const EventPtr&)>;

class Store {
 public:
  Store();
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  // Performs a write, a quorum get or a sync. Deterministic.
  Outcome Apply(const Request& req);

  // A local read at `now` (TTLs shown relative to it). Counts in the stats.
  Outcome Get(const std::string& path, bool recursive, bool sorted, base::UnixNanos now);

  // Registers a watch on `path` (recursive: the whole subtree). since == 0
  // means "from the next event". If the history already holds a matching event
  // with index >= since, `sink` is called with it before Watch returns (and,
  // unless `stream`, the watch ends there). Returns a watch id for Cancel(),
  // or error 401 when `since` is older than the history.
  std::variant<uint64_t, Error> Watch(const std::string& path, bool recursive, bool stream,
                                      Index since, WatchSink sink);
  // Stops a watch; a no-op for an id that already ended.
  void Cancel(uint64_t watch_id);

  Index index() const;
  bool HasTtlKeys() const;
  const StoreStats& stats() const;

  // The whole deterministic state (tree, index, history, stats), and back.
  std::string Save() const;
  static base::Result<Store> Recover(std::string_view snapshot);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::kv

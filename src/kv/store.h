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

// Receives the events of one watch, synchronously, on the thread calling
// Apply() (or Watch(), for an event answered from history). A one-shot watch
// ends after its first event whatever the sink returns; returning false ends
// any watch. The store keeps no per-watcher buffer: etcd drops a watcher
// whose 100-event channel is full, and here the caller, which owns the
// buffer, reports that by returning false; the watcher is then removed and
// hears nothing more (the caller ends the response, as etcd does). A sink may
// call Cancel() but must not call Apply().
//
// Two etcd 3.4 behaviours are kept on purpose: a streaming watcher on a key
// that is deleted or expires hears that event twice (once as a removed node,
// once as the event's key), and a streaming watch answered from history gets
// that single event and nothing after it.
using WatchSink = std::function<bool(const EventPtr&)>;

class Store {
 public:
  Store();
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  // Performs a write, a quorum get or a sync. Deterministic: `req.time` is
  // the only clock (TTLs in the answer are relative to it). A failed write
  // changes nothing but the stats and does not bump the index. kSync expires
  // every key with expiration <= req.time, one index and one "expire" event
  // each, and yields a null EventPtr.
  Outcome Apply(const Request& req);

  // A local read at `now` (TTLs shown relative to it). Counts in the stats.
  // Listings are always in key order, so `sorted` makes no difference (etcd's
  // unsorted order is Go's random map order).
  Outcome Get(const std::string& path, bool recursive, bool sorted, base::UnixNanos now);
  // The same read for the member's own bookkeeping (cluster records under
  // /0): not a client's read, so the stats do not count it, as in etcd.
  Outcome Peek(const std::string& path, bool recursive, base::UnixNanos now);

  // Registers a watch on `path` (recursive: the whole subtree). since == 0
  // means "from the next event". If the history already holds a matching event
  // with index >= since, `sink` is called with it (its etcd_index set to the
  // current index) before Watch returns, and the watch is not registered: as
  // in etcd, that event is all it gets, even when streaming. Returns a watch
  // id for Cancel(), or error 401 (index = current index) when `since` is
  // older than the history.
  std::variant<uint64_t, Error> Watch(const std::string& path, bool recursive, bool stream,
                                      Index since, WatchSink sink);
  // Stops a watch; a no-op for an id that already ended.
  void Cancel(uint64_t watch_id);

  Index index() const;
  bool HasTtlKeys() const;
  // Counters as etcd counts them, local Get()s and live watchers included.
  // The reference stays valid until the next call.
  const StoreStats& stats() const;

  // The whole replicated state (tree with expirations, index, history, and
  // the stats Apply() changes) in docs/formats/snapshot-kv.md. Equal sequences
  // of Apply() give equal bytes: local Get() counts and watchers are left
  // out. Recover() rejects malformed input with kCorruption, never crashes,
  // and yields a store without watchers.
  std::string Save() const;
  static base::Result<Store> Recover(std::string_view snapshot);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::kv

// WatcherHub: the live watchers of the key space and who hears which event.
//
// Follows etcd 3.4's watcher_hub.go: watchers are registered at their key; an
// event is offered to the watchers at every ancestor of its key and at the
// key itself (Notify), and a removed node's watchers hear of the delete or
// expire that removed it (NotifyAt with deleted=true). A watcher takes an
// event with index >= its sinceIndex when it watches that exact key, or
// watches recursively and the key is not hidden below its root, or the event
// removed the watched node. A one-shot watcher is removed after its first
// event; any watcher is removed when its sink returns false.
//
// Sinks run synchronously, in registration order. A sink may call Cancel()
// (of any watch) but must not call into the Store otherwise.
// Not thread-safe; owned by the Store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kv/event.h"
#include "kv/store.h"

namespace flotilla::kv {

class WatcherHub {
 public:
  // Registers a watcher and returns its id.
  uint64_t Add(std::string key, bool recursive, bool stream, Index since, WatchSink sink);
  // An id for a watch that never registers (one answered from history).
  uint64_t ReserveId() { return next_id_++; }
  // Removes a watcher; a no-op for an unknown or finished id.
  void Cancel(uint64_t id);

  // Offers `e` to the watchers at each ancestor of its key and at the key.
  void Notify(const EventPtr& e);
  // Offers `e` to the watchers registered at exactly `path`.
  void NotifyAt(const EventPtr& e, std::string_view path, bool deleted);

  // Live watchers.
  uint64_t count() const { return by_id_.size(); }

 private:
  struct Watcher {
    uint64_t id;
    std::string key;
    bool recursive;
    bool stream;
    Index since;
    WatchSink sink;
    bool removed = false;
  };
  using WatcherPtr = std::shared_ptr<Watcher>;

  // Transparent hashing so lookups by string_view do not allocate.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void Offer(const EventPtr& e, std::string_view path, bool deleted);
  void Drop(const WatcherPtr& w);
  void Compact(std::string_view key);

  std::unordered_map<std::string, std::vector<WatcherPtr>, Hash, std::equal_to<>> by_key_;
  std::unordered_map<uint64_t, WatcherPtr> by_id_;
  uint64_t next_id_ = 1;
};

}  // namespace flotilla::kv

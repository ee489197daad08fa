#include "kv/watcher_hub.h"

#include <algorithm>

#include "kv/path.h"

namespace flotilla::kv {

uint64_t WatcherHub::Add(std::string key, bool recursive, bool stream, Index since,
                         WatchSink sink) {
  uint64_t id = next_id_++;
  auto w = std::make_shared<Watcher>(
      Watcher{id, std::move(key), recursive, stream, since, std::move(sink)});
  by_key_[w->key].push_back(w);
  by_id_.emplace(id, std::move(w));
  return id;
}

void WatcherHub::Cancel(uint64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  WatcherPtr w = it->second;
  Drop(w);
  Compact(w->key);
}

void WatcherHub::Drop(const WatcherPtr& w) {
  w->removed = true;
  by_id_.erase(w->id);
}

void WatcherHub::Compact(std::string_view key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  std::erase_if(it->second, [](const WatcherPtr& w) { return w->removed; });
  if (it->second.empty()) by_key_.erase(it);
}

void WatcherHub::Notify(const EventPtr& e) {
  if (by_key_.empty()) return;
  const std::string& key = e->node.key;
  // "/", then every ancestor, then the key itself.
  Offer(e, std::string_view(key).substr(0, 1), false);
  for (size_t i = 1; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '/') Offer(e, std::string_view(key).substr(0, i), false);
  }
}

void WatcherHub::NotifyAt(const EventPtr& e, std::string_view path, bool deleted) {
  if (by_key_.empty()) return;
  Offer(e, path, deleted);
}

void WatcherHub::Offer(const EventPtr& e, std::string_view path, bool deleted) {
  auto it = by_key_.find(path);
  if (it == by_key_.end()) return;
  bool exact = e->node.key == path;
  if (!exact && IsHiddenFrom(path, e->node.key)) return;
  // Sinks may cancel watches, so walk a copy of the list.
  std::vector<WatcherPtr> watchers = it->second;
  bool dropped = false;
  for (const WatcherPtr& w : watchers) {
    if (w->removed) continue;
    if (!(w->recursive || exact || deleted) || e->index() < w->since) continue;
    bool keep = w->sink(e);
    if (!keep || !w->stream) {
      if (!w->removed) Drop(w);
      dropped = true;
    }
  }
  if (dropped) Compact(path);
}

}  // namespace flotilla::kv

#include "kv/history.h"

#include <cassert>
#include <string>

#include "kv/path.h"

namespace flotilla::kv {

void EventHistory::Add(EventPtr e) {
  assert(events_.empty() || e->index() == last_index() + 1);
  events_.push_back(std::move(e));
  if (events_.size() > kCapacity) events_.pop_front();
}

std::variant<EventPtr, Error> EventHistory::Scan(std::string_view key, bool recursive,
                                                 Index since) const {
  Index start = start_index();
  if (since < start) {
    return Error{ErrorCode::kEventIndexCleared,
                 "the requested history has been cleared [" + std::to_string(start) + "/" +
                     std::to_string(since) + "]",
                 0};
  }
  if (since > last_index()) return EventPtr();

  std::string subtree;
  if (recursive) {
    subtree = CleanPath(key);
    if (subtree.back() != '/') subtree += '/';
  }
  for (size_t i = since - start; i < events_.size(); ++i) {
    const Event& e = *events_[i];
    if (e.refresh) continue;
    const std::string& k = e.node.key;
    bool match = k == key || (recursive && k.starts_with(subtree));
    if ((e.action == Action::kDelete || e.action == Action::kExpire) && e.prev_node &&
        e.prev_node->dir && key.starts_with(e.prev_node->key)) {
      match = true;
    }
    if (match) return events_[i];
  }
  return EventPtr();
}

}  // namespace flotilla::kv

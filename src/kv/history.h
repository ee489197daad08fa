// EventHistory: the last 1000 events, which watches with a waitIndex replay.
//
// Every successful write (refreshes included) appends its event; indexes in
// the history are therefore contiguous. A scan follows etcd 3.4's
// event_history.go exactly, quirks included: it skips refresh events, a
// recursive scan does not apply the hidden-key rule, and a deleted or expired
// directory matches every key that starts with its path (a raw string prefix,
// so deleting "/a" also matches a watch on "/ab"). Events are shared,
// immutable, and owned jointly with whoever else holds them. Not thread-safe.
#pragma once

#include <deque>
#include <string_view>
#include <variant>

#include "kv/event.h"

namespace flotilla::kv {

class EventHistory {
 public:
  static constexpr size_t kCapacity = 1000;

  // Appends `e`, dropping the oldest event when full. e->index() must be one
  // past the last event's.
  void Add(EventPtr e);

  // The first event with index >= `since` that a watch on `key` matches;
  // nullptr when there is none (yet). Error 401 when `since` is older than the
  // oldest event kept; its index is left 0 for the caller to fill in.
  std::variant<EventPtr, Error> Scan(std::string_view key, bool recursive, Index since) const;

  // Oldest first.
  const std::deque<EventPtr>& events() const { return events_; }
  // etcd's StartIndex/LastIndex: the oldest and newest indexes, 0 when empty.
  Index start_index() const { return events_.empty() ? 0 : events_.front()->index(); }
  Index last_index() const { return events_.empty() ? 0 : events_.back()->index(); }

 private:
  std::deque<EventPtr> events_;
};

}  // namespace flotilla::kv

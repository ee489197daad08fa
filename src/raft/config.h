// Config: the knobs of one raft member. Times are in ticks; the driver
// decides how long a tick is (etcd: 100 ms, so election_tick 10 = 1 s).
#pragma once

#include <cstddef>
#include <cstdint>

#include "raft/message.h"

namespace flotilla::raft {

struct Config {
  NodeId id = kNone;
  // A follower that hears no leader for a random time in
  // [election_tick, 2 * election_tick) ticks starts an election.
  int election_tick = 10;
  int heartbeat_tick = 1;
  // Seeds the randomized election timeouts (the core has no other entropy).
  uint64_t seed = 0;
  // Section 9.6 of the thesis: ask before disrupting a healthy leader.
  bool pre_vote = true;
  // The leader steps down when it hasn't heard from a quorum within an
  // election timeout, and members with a live leader ignore elections.
  bool check_quorum = true;
  // Flow control: bytes of entries per append, appends in flight per follower.
  size_t max_size_per_msg = 1 << 20;
  size_t max_inflight_msgs = 256;
  // Bytes of committed entries handed to the application per Ready.
  size_t max_committed_size_per_ready = 8 << 20;
};

}  // namespace flotilla::raft

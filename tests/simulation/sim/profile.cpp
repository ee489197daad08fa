#include "profile.h"

#include <cstdio>

namespace flotilla::sim {

namespace {
// 0 with chance `off`, otherwise uniform in [lo, hi].
double MaybeRate(Rng& rng, double off, double lo, double hi) {
  if (rng.Chance(off)) return 0;
  return lo + (hi - lo) * rng.Unit();
}
}  // namespace

Profile Profile::Random(Rng& rng) {
  Profile p;
  p.founders = rng.Chance(0.6) ? 3 : 5;
  p.clients = static_cast<int>(rng.Between(2, 8));
  p.keys = static_cast<int>(rng.Between(1, 3));

  p.net.loss = MaybeRate(rng, 0.3, 0.0, 0.15);
  p.net.duplicate = MaybeRate(rng, 0.5, 0.0, 0.1);
  p.net.min_delay = rng.Between(1, 3);
  p.net.max_delay = p.net.min_delay + rng.Between(0, 20);
  p.net.slow = MaybeRate(rng, 0.4, 0.0, 0.05);
  p.net.slow_max = rng.Between(50, 400);

  raft::Config& c = p.member.config;
  c.election_tick = 10;
  c.heartbeat_tick = 1;
  c.pre_vote = rng.Chance(0.8);
  c.check_quorum = rng.Chance(0.8);
  c.max_size_per_msg = rng.Chance(0.5) ? 1 << 20 : static_cast<size_t>(rng.Between(1, 400));
  c.max_inflight_msgs = rng.Chance(0.5) ? 256 : static_cast<size_t>(rng.Between(1, 8));
  c.max_committed_size_per_ready =
      rng.Chance(0.7) ? 8 << 20 : static_cast<size_t>(rng.Between(1, 300));
  p.async_apply = rng.Chance(0.5);
  p.member.sync = rng.Chance(0.7) ? SyncPolicy::kMustSync : SyncPolicy::kBeforeSend;
  p.member.snapshot_every =
      static_cast<raft::Index>(rng.Chance(0.5) ? rng.Between(4, 20) : rng.Between(40, 120));
  p.tick_min = rng.Between(8, 10);
  p.tick_max = p.tick_min + rng.Between(0, 4);

  p.crash_rate = MaybeRate(rng, 0.15, 0.3, 4.0);
  p.crash_before_sync = rng.Unit();
  p.pause_rate = MaybeRate(rng, 0.4, 0.2, 2.0);
  p.restart_min = rng.Between(10, 100);
  p.restart_max = p.restart_min + rng.Between(50, 1500);
  p.partition_rate = MaybeRate(rng, 0.2, 0.3, 4.0);
  p.heal_rate = 0.5 + 3 * rng.Unit();
  p.conf_change_rate = MaybeRate(rng, 0.4, 0.2, 3.0);
  p.transfer_rate = MaybeRate(rng, 0.5, 0.2, 3.0);
  p.campaign_rate = MaybeRate(rng, 0.5, 0.2, 3.0);
  return p;
}

std::string Profile::Describe() const {
  char buf[640];
  std::snprintf(
      buf, sizeof buf,
      "founders=%d clients=%d keys=%d | net loss=%.3f dup=%.3f delay=[%lld,%lld] slow=%.3f<=%lld | "
      "raft prevote=%d checkquorum=%d max_msg=%zu inflight=%zu max_ready=%zu sync=%s "
      "async_apply=%d "
      "snapshot_every=%llu tick=[%lld,%lld] | per sec: crash=%.2f (before sync %.2f) "
      "pause=%.2f partition=%.2f heal=%.2f confchange=%.2f transfer=%.2f campaign=%.2f",
      founders, clients, keys, net.loss, net.duplicate, static_cast<long long>(net.min_delay),
      static_cast<long long>(net.max_delay), net.slow, static_cast<long long>(net.slow_max),
      member.config.pre_vote, member.config.check_quorum, member.config.max_size_per_msg,
      member.config.max_inflight_msgs, member.config.max_committed_size_per_ready,
      member.sync == SyncPolicy::kMustSync ? "must_sync" : "before_send", async_apply,
      static_cast<unsigned long long>(member.snapshot_every), static_cast<long long>(tick_min),
      static_cast<long long>(tick_max), crash_rate, crash_before_sync, pause_rate, partition_rate,
      heal_rate, conf_change_rate, transfer_rate, campaign_rate);
  return buf;
}

}  // namespace flotilla::sim

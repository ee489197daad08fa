// Profile: the knobs of one simulated run, all drawn from the seed, so that
// different seeds explore different weather: calm or lossy networks, rare or
// frequent crashes, partitions, membership changes and leader transfers, and
// different raft configurations (PreVote, CheckQuorum, flow control limits).
#pragma once

#include <string>

#include "member.h"
#include "network.h"
#include "rng.h"

namespace flotilla::sim {

struct Profile {
  int founders = 3;
  int clients = 4;
  int keys = 3;
  SimTime op_timeout = 400;
  NetworkParams net;
  MemberOptions member;
  bool async_apply = false;             // apply and Advance a Ready some ms after persisting it
  SimTime tick_min = 9, tick_max = 11;  // each member's tick interval: clock drift
  // Fault rates, per simulated second while faults are on.
  double crash_rate = 0;
  double pause_rate = 0;
  double crash_before_sync = 0;  // share of crashes that hit between write and sync
  SimTime restart_min = 20, restart_max = 1000;
  double partition_rate = 0;
  double heal_rate = 0;
  double conf_change_rate = 0;
  double transfer_rate = 0;
  double campaign_rate = 0;  // a member campaigns out of turn (RawNode::Campaign)
  int max_members = 8;       // founders plus members added later

  static Profile Random(Rng& rng);
  std::string Describe() const;
};

}  // namespace flotilla::sim

// FaultInjector: while on, each simulated millisecond it may (at the rates of
// the run's Profile) crash a member - now, or armed to crash in its next
// Ready between the write and the sync - pause one (it wakes up later with
// its stale state: a deposed leader that still believes), partition the
// network, heal it,
// propose a membership change, ask the leader to transfer leadership, or make
// a member campaign out of turn. Crashed members come back on their own
// (Cluster's auto restart) after a random downtime. Crashes, pauses and
// partitions pick the leader half of the time: that is where the bugs hide.
//
// Partitions are sets of cut directed links, drawn from these shapes:
//   isolate   one member cut off both ways
//   one-way   one member can send but not receive, or the reverse
//   split     a random minority cut off from the majority, both ways
//   bridge    two members cannot talk, but both reach a third
//   link      a single directed link
#pragma once

#include <string>

#include "cluster.h"

namespace flotilla::sim {

class FaultInjector {
 public:
  explicit FaultInjector(Cluster& cluster) : c_(cluster) {}

  void Step();
  // Ends the weather: heal every link, calm the network, wake paused
  // members, disarm pending crashes, restart every crashed member.
  void Calm();

 private:
  bool Roll(double per_second);
  raft::NodeId Victim();  // the leader half of the time, else anyone responsive
  void Crash();
  void Pause();
  void Partition();
  void Heal();
  void ChangeMembership();
  void TransferLeader();
  void Campaign();
  void CutBoth(raft::NodeId a, raft::NodeId b);

  Cluster& c_;
};

}  // namespace flotilla::sim

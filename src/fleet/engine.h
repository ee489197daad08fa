// Engine: the cluster's scheduler. Every machine runs one; the one holding
// the lease (lease/engine-leader, created only if absent, with a TTL,
// renewed by compare-and-swap on its index) acts, the others wait to take
// the lease over when it expires.
//
// The leader keeps the registry in memory: one listing when it takes the
// lease, then four watches (job/, unit/, machines/, schedule/) fold every
// change in.
// After a change (at most one pass per min_pass_interval, and at least
// three times the last pass's time between passes) it calls Place()
// (placement.h) and writes what differs from its cache:
//   - schedule/<machine>/<unit>: the decisions in order (delete; create
//     only if absent), and the desired state and body hash of every
//     scheduled unit kept in step with job/;
//   - global/<unit> for global units that are not inactive;
//   - unplaced/<unit> with the reason, for units left without a machine;
//   - unit/<hash> bodies no unit has used for body_gc_grace are deleted
//     (and put back should a unit using one appear within a minute: the
//     API does not rewrite a body the store has, so it may race the GC);
//   - the states/ records of a machine whose key expired are deleted.
// Its own writes go into the cache at once, so the next pass sees them.
//
// No churn: a unit moves only when its machine's key is gone or it can no
// longer run there (placement.h). A new leader, and a leader whose store
// was unreachable for a while, first waits `settle` before it treats a
// machine without a key as gone (the machines re-register after an outage
// of the store; their keys may all have expired at once).
//
// Threading: the loop thread. Stop() hands the lease back.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "fleet/registry.h"
#include "fleet/requirements.h"
#include "fleet/timer.h"

namespace flotilla::fleet {

struct EngineOptions {
  std::chrono::seconds lease_ttl{3};
  std::chrono::milliseconds renew_interval{1000};
  // How long a new leader waits before moving units off machines without
  // a key (about the machines' TTL).
  std::chrono::milliseconds settle{3000};
  std::chrono::milliseconds min_pass_interval{20};
  std::chrono::milliseconds body_gc_grace{10000};
};

struct EngineStats {
  uint64_t passes = 0;
  uint64_t writes = 0;
  uint64_t write_errors = 0;
  uint64_t listings = 0;
};

class Engine {
 public:
  Engine(Registry& registry, std::string machine_id, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void Start();
  // Gives the lease back if held; `done` runs once that is settled.
  void Stop(std::function<void()> done);

  bool leader() const { return leader_; }
  const EngineStats& stats() const { return stats_; }

 private:
  void Tick();
  void Acquire();
  void Renew();
  void BecomeLeader(uint64_t lease_index);
  void LoseLeadership(const std::string& why);
  void List();
  void OnEvent(const etcd::Response& event);
  void MarkDirty();
  void Pass();
  // The job of unit `name` with body `hash` (parsed once per body), or null
  // while the body is not here.
  Job* JobOf(const std::string& name, const std::string& hash);
  void Write(const std::string& key, std::optional<std::string> value, etcd::SetOptions options);
  void CleanStates(const std::string& machine);
  void CollectBodies(const std::set<std::string>& referenced);

  Registry& registry_;
  std::string machine_id_;
  EngineOptions options_;
  EngineStats stats_;
  Timer tick_;
  Timer pass_timer_;
  Timer gc_timer_;
  bool started_ = false;
  bool leader_ = false;
  uint64_t lease_index_ = 0;
  bool lease_call_ = false;  // an acquire or renew is in flight
  std::chrono::steady_clock::time_point renewed_at_;
  std::chrono::steady_clock::time_point settle_until_;
  uint64_t term_ = 0;  // bumped at every change of leadership
  bool loaded_ = false;
  Snapshot cache_;
  std::unique_ptr<WatchLoop> jobs_watch_, bodies_watch_, machines_watch_, schedule_watch_;
  std::chrono::steady_clock::time_point last_pass_end_;
  std::chrono::steady_clock::duration last_pass_duration_{};
  struct Parsed {
    std::string hash;
    Job job;  // desired state and target refreshed at each pass
  };
  std::map<std::string, Parsed> parsed_;  // unit -> its job
  std::vector<Machine> machine_views_;    // live machines, metadata merged
  bool machines_changed_ = true;
  std::map<std::string, std::chrono::steady_clock::time_point> unused_bodies_;
  // Bodies collected lately: hash -> (text, when).
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> collected_;
  std::set<std::string> dead_machines_;  // whose states are to be cleaned
  std::set<std::string> departed_;       // deleted their key themselves
  int writes_in_flight_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace flotilla::fleet

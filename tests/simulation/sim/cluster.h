// Cluster: the simulated world of one run: members, the network between
// them, the clients, the safety checker and simulated time. It is the
// MemberHost every member reports to.
//
// Time moves one millisecond per Step(): due deliveries are stepped into
// their members, members whose tick is due tick, scheduled actions (restarts,
// retirements) run, idle clients issue operations, and then the safety
// checker looks at every member. Every input is followed by the member's
// Ready handling, so the checker always sees members between Readies.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "clients.h"
#include "member.h"
#include "network.h"
#include "profile.h"
#include "rng.h"
#include "safety.h"

namespace flotilla::sim {

struct ClusterStats {
  uint64_t crashes = 0, torn_writes = 0, restarts = 0, retired = 0;
  uint64_t pauses = 0, partitions = 0, conf_changes_proposed = 0, conf_changes_applied = 0;
  uint64_t conf_changes_refused = 0, transfers = 0, campaigns = 0;
};

class Cluster final : public MemberHost {
 public:
  Cluster(uint64_t seed, const Profile& profile, bool trace_to_stderr);

  // MemberHost.
  SimTime now() const override { return now_; }
  Rng& rng() override { return rng_; }
  void Send(const raft::Message& m) override;
  void Applied(Member& m, const AppliedEntry& a) override;
  void StateHash(Member& m, raft::Index index, uint64_t hash) override;
  void ReadReady(Member& m, const std::string& context) override;
  void Crashed(Member& m, const CrashLoss& loss) override;
  void Violation(const std::string& what) override { checker_.Fail(what); }
  SimTime ApplyDelay(Member& m) override;

  // One millisecond of simulated time.
  void Step();
  void Schedule(SimTime at, std::function<void()> action);

  // Membership of the world (not of raft): every member ever started.
  Member& AddMember(raft::NodeId id);
  void Restart(raft::NodeId id);
  std::map<raft::NodeId, std::unique_ptr<Member>>& members() { return members_; }
  Member* Find(raft::NodeId id);
  // Running and not paused: can take a client's request or a fault's command.
  std::vector<raft::NodeId> Responsive() const;
  std::vector<raft::NodeId> NotRetired() const;
  // The running member that leads in the highest term (kNone if none).
  raft::NodeId Leader() const;
  // Freezes a running member until `until` (a GC pause, SIGSTOP): no ticks,
  // deliveries wait; it resumes with the state it had, however stale.
  void Pause(raft::NodeId id, SimTime until);
  bool Paused(raft::NodeId id) const;
  void ResumeAll() { paused_until_.clear(); }
  // The configuration as of the newest conf change applied anywhere.
  const raft::ConfState& conf() const { return conf_; }
  raft::NodeId NewMemberId() { return next_id_++; }

  // Restart crashed members automatically after a random delay.
  void set_auto_restart(bool on) { auto_restart_ = on; }
  // Write through `member` outside the clients (the liveness probe).
  // Returns the request id, or 0 if raft refused it.
  uint64_t ProposeProbe(raft::NodeId member);
  // The index of the first probe its proposer applied (0: none yet).
  raft::Index probe_index() const { return probe_index_; }

  void Trace(const std::string& line);
  std::string TraceTail() const;
  std::string Dump() const;  // every member's raft state, for failure reports

  const Profile& profile() const { return profile_; }
  Network& network() { return network_; }
  SafetyChecker& checker() { return checker_; }
  Clients& clients() { return clients_; }
  ClusterStats& stats() { return stats_; }

 private:
  void Deliver(Delivery d);
  void IssueClientOps();

  Profile profile_;
  Rng rng_;
  Network network_;
  SafetyChecker checker_;
  Clients clients_;
  SimTime now_ = 0;
  std::map<raft::NodeId, std::unique_ptr<Member>> members_;
  std::map<raft::NodeId, std::pair<SimTime, SimTime>> ticks_;  // interval, next
  std::multimap<SimTime, std::function<void()>> agenda_;
  std::map<raft::NodeId, SimTime> paused_until_;
  raft::ConfState conf_;
  raft::Index conf_index_ = 0;
  std::set<raft::NodeId> retiring_;
  raft::NodeId next_id_ = 1;
  uint64_t next_request_id_ = 1;
  std::map<uint64_t, raft::NodeId> probes_;  // request id -> proposer
  raft::Index probe_index_ = 0;
  bool auto_restart_ = true;
  bool trace_to_stderr_;
  raft::Term traced_term_ = 0;
  std::deque<std::string> trace_;
  ClusterStats stats_;
};

}  // namespace flotilla::sim

#include "faults.h"

#include <utility>

namespace flotilla::sim {

namespace {
std::string Str(uint64_t v) {
  return std::to_string(v);
}
}  // namespace

bool FaultInjector::Roll(double per_second) {
  return c_.rng().Chance(per_second / 1000.0);
}

void FaultInjector::Step() {
  const Profile& p = c_.profile();
  if (Roll(p.crash_rate)) Crash();
  if (Roll(p.pause_rate)) Pause();
  if (Roll(p.partition_rate)) Partition();
  if (!c_.network().cuts().empty() && Roll(p.heal_rate)) Heal();
  if (Roll(p.conf_change_rate)) ChangeMembership();
  if (Roll(p.transfer_rate)) TransferLeader();
  if (Roll(p.campaign_rate)) Campaign();
}

raft::NodeId FaultInjector::Victim() {
  auto up = c_.Responsive();
  if (up.empty()) return raft::kNone;
  raft::NodeId leader = c_.Leader();
  if (leader != raft::kNone && !c_.Paused(leader) && c_.rng().Chance(0.5)) return leader;
  return c_.rng().Pick(up);
}

void FaultInjector::Crash() {
  raft::NodeId victim = Victim();
  if (victim == raft::kNone) return;
  Member& m = *c_.Find(victim);
  if (c_.rng().Chance(c_.profile().crash_before_sync)) {
    bool tear = c_.rng().Chance(0.5);
    m.ArmCrashBeforeSync(tear);
    c_.Trace("member " + Str(m.id()) + " will crash in its next Ready" +
             (tear ? " of several entries, tearing them," : "") + " before the sync");
  } else {
    m.Crash();
  }
}

void FaultInjector::CutBoth(raft::NodeId a, raft::NodeId b) {
  c_.network().Cut(a, b);
  c_.network().Cut(b, a);
}

void FaultInjector::Partition() {
  Rng& rng = c_.rng();
  auto ids = c_.NotRetired();
  size_t n = ids.size();
  raft::NodeId x = Victim();
  if (n < 2 || x == raft::kNone) return;
  ++c_.stats().partitions;
  switch (rng.Below(5)) {
    case 0:
      for (auto y : ids) {
        if (y != x) CutBoth(x, y);
      }
      c_.Trace("partition: isolate " + Str(x));
      return;
    case 1: {
      bool deaf = rng.Chance(0.5);
      for (auto y : ids) {
        if (y == x) continue;
        if (deaf) {
          c_.network().Cut(y, x);
        } else {
          c_.network().Cut(x, y);
        }
      }
      c_.Trace("partition: " + Str(x) + (deaf ? " cannot receive" : " cannot send"));
      return;
    }
    case 2: {
      for (size_t i = n - 1; i > 0; --i) std::swap(ids[i], ids[rng.Below(i + 1)]);
      size_t k = n <= 3 ? 1 : static_cast<size_t>(rng.Between(1, static_cast<int64_t>(n - 1) / 2));
      std::string minority;
      for (size_t i = 0; i < k; ++i) {
        minority += " " + Str(ids[i]);
        for (size_t j = k; j < n; ++j) CutBoth(ids[i], ids[j]);
      }
      c_.Trace("partition: split off" + minority);
      return;
    }
    default: {
      raft::NodeId y = rng.Pick(ids);
      if (y == x) return;
      bool both = rng.Chance(0.5);  // both ways: a bridge through the others
      if (both) {
        CutBoth(x, y);
      } else {
        c_.network().Cut(x, y);
      }
      c_.Trace("partition: cut " + Str(x) + (both ? " <-> " : " -> ") + Str(y));
      return;
    }
  }
}

void FaultInjector::Heal() {
  Network& net = c_.network();
  if (c_.rng().Chance(0.5)) {
    net.HealAll();
    c_.Trace("heal all links");
    return;
  }
  std::vector<std::pair<raft::NodeId, raft::NodeId>> cuts(net.cuts().begin(), net.cuts().end());
  auto [a, b] = c_.rng().Pick(cuts);
  net.Heal(a, b);
  net.Heal(b, a);
  c_.Trace("heal " + Str(a) + " <-> " + Str(b));
}

void FaultInjector::Pause() {
  raft::NodeId victim = Victim();
  if (victim == raft::kNone) return;
  c_.Pause(victim, c_.now() + c_.rng().Between(20, 1000));
}

void FaultInjector::ChangeMembership() {
  Rng& rng = c_.rng();
  auto up = c_.Responsive();
  if (up.empty()) return;
  Member& proposer = *c_.Find(rng.Pick(up));
  const raft::ConfState& conf = c_.conf();
  raft::ConfChange cc;
  raft::NodeId added = raft::kNone;
  bool can_add = c_.members().size() < static_cast<size_t>(c_.profile().max_members) &&
                 conf.voters.size() + conf.learners.size() < 6;
  if (!conf.learners.empty() && rng.Chance(0.5)) {
    cc = {raft::ConfChangeType::kAddNode, rng.Pick(conf.learners), ""};  // promote
  } else if (can_add && (conf.voters.size() <= 3 || rng.Chance(0.5))) {
    added = c_.NewMemberId();
    c_.AddMember(added).StartEmpty(rng.Next());
    cc = {rng.Chance(0.3) ? raft::ConfChangeType::kAddLearner : raft::ConfChangeType::kAddNode,
          added, ""};
  } else if (conf.voters.size() > 3) {
    cc = {raft::ConfChangeType::kRemoveNode, rng.Pick(conf.voters), ""};
  } else if (!conf.learners.empty()) {
    cc = {raft::ConfChangeType::kRemoveNode, rng.Pick(conf.learners), ""};
  } else {
    return;
  }
  ++c_.stats().conf_changes_proposed;
  raft::ProposeError err = proposer.ProposeConfChange(cc);
  const char* what = cc.type == raft::ConfChangeType::kAddNode      ? "add"
                     : cc.type == raft::ConfChangeType::kAddLearner ? "add learner"
                                                                    : "remove";
  std::string line =
      std::string("propose ") + what + " " + Str(cc.node) + " via " + Str(proposer.id());
  if (err != raft::ProposeError::kNone) {
    ++c_.stats().conf_changes_refused;
    line += err == raft::ProposeError::kConfChangePending ? ": refused, a change is pending"
                                                          : ": refused";
    // Nobody will ever add it.
    if (added != raft::kNone) c_.Find(added)->Retire();
  }
  c_.Trace(line);
}

void FaultInjector::TransferLeader() {
  raft::NodeId leader = c_.Leader();
  if (leader == raft::kNone || c_.Paused(leader)) return;
  std::vector<raft::NodeId> targets;
  for (auto v : c_.Find(leader)->node().raft().conf_state().voters) {
    if (v != leader) targets.push_back(v);
  }
  if (targets.empty()) return;
  raft::NodeId target = c_.rng().Pick(targets);
  // Usually asked of the leader; sometimes of a follower, which forwards it.
  auto up = c_.Responsive();
  raft::NodeId via = c_.rng().Chance(0.7) ? leader : c_.rng().Pick(up);
  ++c_.stats().transfers;
  c_.Trace("transfer leadership " + Str(leader) + " -> " + Str(target) + " via " + Str(via));
  c_.Find(via)->TransferLeader(target);
}

void FaultInjector::Campaign() {
  auto up = c_.Responsive();
  if (up.empty()) return;
  raft::NodeId id = c_.rng().Pick(up);
  ++c_.stats().campaigns;
  c_.Trace("member " + Str(id) + " campaigns");
  c_.Find(id)->Campaign();
}

void FaultInjector::Calm() {
  NetworkParams p = c_.profile().net;
  p.loss = 0;
  p.duplicate = 0;
  p.slow = 0;
  c_.network().set_params(p);
  c_.network().HealAll();
  c_.ResumeAll();
  c_.set_auto_restart(false);
  for (auto& [id, m] : c_.members()) {
    m->DisarmCrash();
    if (m->state() == MemberState::kCrashed) c_.Restart(id);
  }
  c_.Trace("faults stop: links healed, paused members resumed, crashed members restarted");
}

}  // namespace flotilla::sim

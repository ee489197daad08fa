#include "cluster.h"

#include <algorithm>
#include <cstdio>

#include "command.h"
#include "raft/codec.h"

namespace flotilla::sim {

namespace {
std::string Str(uint64_t v) {
  return std::to_string(v);
}

void Mirror(raft::ConfState& conf, const raft::ConfChange& cc) {
  auto erase = [](std::vector<raft::NodeId>& v, raft::NodeId n) { std::erase(v, n); };
  auto insert = [](std::vector<raft::NodeId>& v, raft::NodeId n) {
    if (std::find(v.begin(), v.end(), n) == v.end()) {
      v.insert(std::upper_bound(v.begin(), v.end(), n), n);
    }
  };
  switch (cc.type) {
    case raft::ConfChangeType::kAddNode:
      erase(conf.learners, cc.node);
      insert(conf.voters, cc.node);
      break;
    case raft::ConfChangeType::kAddLearner:
      if (std::find(conf.voters.begin(), conf.voters.end(), cc.node) == conf.voters.end()) {
        insert(conf.learners, cc.node);
      }
      break;
    case raft::ConfChangeType::kRemoveNode:
      erase(conf.voters, cc.node);
      erase(conf.learners, cc.node);
      break;
  }
}

const char* ToString(raft::ConfChangeType t) {
  switch (t) {
    case raft::ConfChangeType::kAddNode:
      return "add";
    case raft::ConfChangeType::kRemoveNode:
      return "remove";
    case raft::ConfChangeType::kAddLearner:
      return "add-learner";
  }
  return "?";
}
}  // namespace

Cluster::Cluster(uint64_t seed, const Profile& profile, bool trace_to_stderr)
    : profile_(profile),
      rng_(seed),
      network_(rng_),
      clients_(profile.clients, profile.keys, profile.op_timeout, rng_),
      trace_to_stderr_(trace_to_stderr) {
  network_.set_params(profile.net);
  std::vector<raft::ConfChange> founders;
  for (int i = 1; i <= profile.founders; ++i) {
    founders.push_back({raft::ConfChangeType::kAddNode, raft::NodeId(i), ""});
  }
  for (const auto& f : founders) AddMember(f.node);
  for (const auto& f : founders) members_.at(f.node)->Bootstrap(founders, rng_.Next());
}

Member& Cluster::AddMember(raft::NodeId id) {
  auto& m = members_[id];
  m = std::make_unique<Member>(id, profile_.member, *this);
  SimTime interval = rng_.Between(profile_.tick_min, profile_.tick_max);
  ticks_[id] = {interval, now_ + rng_.Between(1, interval)};
  next_id_ = std::max(next_id_, id + 1);
  return *m;
}

Member* Cluster::Find(raft::NodeId id) {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : it->second.get();
}

void Cluster::Restart(raft::NodeId id) {
  Member& m = *members_.at(id);
  if (m.state() != MemberState::kCrashed) return;
  ++stats_.restarts;
  m.Restart(rng_.Next());
  ticks_[id].second = now_ + ticks_[id].first;
  Trace("restart " + Str(id) + " from disk: term " + Str(m.disk().durable().hard_state.term) +
        ", snapshot " + Str(m.disk().durable().snapshot.meta.index) + ", last index " +
        Str(m.disk().durable().last_index()));
}

std::vector<raft::NodeId> Cluster::Responsive() const {
  std::vector<raft::NodeId> out;
  for (const auto& [id, m] : members_) {
    if (m->running() && !Paused(id)) out.push_back(id);
  }
  return out;
}

void Cluster::Pause(raft::NodeId id, SimTime until) {
  if (!members_.at(id)->running()) return;
  ++stats_.pauses;
  paused_until_[id] = until;
  Trace("pause " + Str(id) + " until " + Str(until) + "ms");
}

bool Cluster::Paused(raft::NodeId id) const {
  auto it = paused_until_.find(id);
  return it != paused_until_.end() && it->second > now_;
}

std::vector<raft::NodeId> Cluster::NotRetired() const {
  std::vector<raft::NodeId> out;
  for (const auto& [id, m] : members_) {
    if (m->state() != MemberState::kRetired) out.push_back(id);
  }
  return out;
}

raft::NodeId Cluster::Leader() const {
  raft::NodeId leader = raft::kNone;
  raft::Term best = 0;
  for (const auto& [id, m] : members_) {
    if (!m->running()) continue;
    const raft::Raft& r = m->node().raft();
    if (r.role() == raft::Role::kLeader && r.term() >= best) {
      leader = id;
      best = r.term();
    }
  }
  return leader;
}

void Cluster::Send(const raft::Message& m) {
  network_.Send(now_, m, members_.at(m.from)->incarnation());
}

void Cluster::Applied(Member& m, const AppliedEntry& a) {
  checker_.OnApplied(m.id(), a);
  if (a.request_id != 0) {
    if (auto p = probes_.find(a.request_id); p != probes_.end()) {
      if (p->second == m.id() && probe_index_ == 0) probe_index_ = a.entry.index;
    } else {
      clients_.OnApplied(m.id(), a.request_id, *a.outcome, now_);
    }
  }
  if (!a.conf_change || a.entry.index <= conf_index_) return;
  const raft::ConfChange& cc = *a.conf_change;
  conf_index_ = a.entry.index;
  Mirror(conf_, cc);
  if (a.entry.index <= static_cast<raft::Index>(profile_.founders)) return;
  ++stats_.conf_changes_applied;
  Trace(std::string("conf change ") + ToString(cc.type) + " " + Str(cc.node) + " committed at " +
        Str(a.entry.index));
  if (cc.type == raft::ConfChangeType::kRemoveNode && retiring_.insert(cc.node).second) {
    // Like etcd, a removed member learns it (a peer answers it 410 Gone) and stops.
    raft::NodeId gone = cc.node;
    Schedule(now_ + rng_.Between(0, 200), [this, gone] {
      if (Member* r = Find(gone)) {
        r->Retire();
        ++stats_.retired;
        Trace("member " + Str(gone) + " stops: removed");
      }
    });
  }
}

void Cluster::StateHash(Member& m, raft::Index index, uint64_t hash) {
  checker_.OnStateHash(m.id(), index, hash);
}

void Cluster::ReadReady(Member& m, const std::string& context) {
  clients_.OnRead(m.id(), context, m.store(), now_);
}

void Cluster::Crashed(Member& m, const CrashLoss& loss) {
  paused_until_.erase(m.id());
  clients_.OnCrash(m.id(), now_);
  if (m.state() == MemberState::kRetired) return;
  ++stats_.crashes;
  if (loss.torn) ++stats_.torn_writes;
  for (auto& [id, other] : members_)
    if (id != m.id()) network_.ReportPeerDown(now_, id, m.id());
  Trace("crash " + Str(m.id()) + ": " + Str(loss.kept) + " of " + Str(loss.unsynced) +
        " unsynced writes survive whole" + (loss.torn ? ", part of the next" : ""));
  if (!auto_restart_) return;
  raft::NodeId id = m.id();
  Schedule(now_ + rng_.Between(profile_.restart_min, profile_.restart_max),
           [this, id] { Restart(id); });
}

SimTime Cluster::ApplyDelay(Member&) {
  if (!profile_.async_apply || rng_.Chance(0.5)) return -1;
  return rng_.Between(0, 5);
}

void Cluster::Schedule(SimTime at, std::function<void()> action) {
  agenda_.emplace(at, std::move(action));
}

void Cluster::Deliver(Delivery d) {
  if (Paused(d.to)) {
    SimTime until = paused_until_.at(d.to);
    network_.Defer(until, std::move(d));
    return;
  }
  Member* m = Find(d.to);
  bool up = m && m->running();
  switch (d.kind) {
    case Delivery::Kind::kMessage: {
      auto msg = raft::DecodeMessage(d.wire);
      if (!msg.ok()) {
        Violation("a " + std::string(raft::ToString(d.type)) +
                  " message does not decode: " + msg.status().ToString());
        return;
      }
      bool snapshot = d.type == raft::MessageType::kSnapshot;
      if (!up) {
        if (snapshot) network_.ReportSnapshot(now_, d.from, d.to, true, d.incarnation);
        return;
      }
      m->Step(std::move(*msg));
      if (snapshot) network_.ReportSnapshot(now_, d.from, d.to, false, d.incarnation);
      return;
    }
    case Delivery::Kind::kSnapshotReport:
      if (up && m->incarnation() == d.incarnation) m->ReportSnapshot(d.from, d.failed);
      return;
    case Delivery::Kind::kUnreachable:
      if (up && m->incarnation() == d.incarnation) m->ReportUnreachable(d.from);
      return;
    case Delivery::Kind::kPeerDown:
      if (up) m->ReportPeerDown(d.from);
      return;
  }
}

void Cluster::IssueClientOps() {
  std::vector<int> idle = clients_.Idle(now_);
  if (idle.empty()) return;
  std::vector<raft::NodeId> up = Responsive();
  if (up.empty()) return;
  for (int c : idle) {
    raft::NodeId id = rng_.Pick(up);
    Member& m = *members_.at(id);
    if (!m.running()) continue;
    uint64_t rid = next_request_id_++;
    const ClientOp& op = clients_.Begin(c, id, now_, rid);
    size_t op_id = op.id;
    raft::ProposeError err = op.is_write() ? m.Propose(EncodeCommand(rid, op.ToRequest(now_)))
                                           : m.ReadIndex(op.read_context);
    if (err != raft::ProposeError::kNone) clients_.Refused(op_id, now_);
  }
}

uint64_t Cluster::ProposeProbe(raft::NodeId member) {
  Member& m = *members_.at(member);
  if (!m.running()) return 0;
  uint64_t rid = next_request_id_++;
  kv::Request r;
  r.op = kv::Op::kSet;
  r.path = "/1/probe";
  r.value = "p" + Str(rid);
  probes_[rid] = member;
  if (m.Propose(EncodeCommand(rid, r)) != raft::ProposeError::kNone) return 0;
  return rid;
}

void Cluster::Step() {
  ++now_;
  while (auto d = network_.PopDue(now_)) Deliver(std::move(*d));
  for (auto& [id, t] : ticks_) {
    Member& m = *members_.at(id);
    if (!m.running() || t.second > now_) continue;
    if (Paused(id)) {
      t.second = paused_until_.at(id);  // its ticker fires again when it wakes
      continue;
    }
    t.second += t.first;
    m.Tick();
  }
  for (auto& [id, m] : members_) {
    if (m->running() && m->parked() && m->resume_at() <= now_ && !Paused(id)) m->Resume();
  }
  while (!agenda_.empty() && agenda_.begin()->first <= now_) {
    auto action = std::move(agenda_.begin()->second);
    agenda_.erase(agenda_.begin());
    action();
  }
  IssueClientOps();
  clients_.Expire(now_);
  checker_.CheckStep(members_);
  if (raft::NodeId l = Leader(); l != raft::kNone) {
    raft::Term t = members_.at(l)->node().raft().term();
    if (t > traced_term_) {
      traced_term_ = t;
      Trace("member " + Str(l) + " leads term " + Str(t));
    }
  }
}

void Cluster::Trace(const std::string& line) {
  std::string s = "[" + std::to_string(now_) + "ms] " + line;
  if (trace_to_stderr_) std::fprintf(stderr, "%s\n", s.c_str());
  trace_.push_back(std::move(s));
  if (trace_.size() > 40) trace_.pop_front();
}

std::string Cluster::TraceTail() const {
  std::string out;
  for (const auto& l : trace_) out += "    " + l + "\n";
  return out;
}

std::string Cluster::Dump() const {
  std::string out;
  for (const auto& [id, m] : members_) {
    out += "    member " + Str(id) + " " + ToString(m->state());
    if (Paused(id)) out += " paused";
    if (m->running()) {
      const raft::Raft& r = m->node().raft();
      out += std::string(" ") + raft::ToString(r.role()) + " term " + Str(r.term()) + " lead " +
             Str(r.leader()) + " commit " + Str(r.log().committed()) + " applied " +
             Str(m->applied()) + " last " + Str(r.log().last_index()) + " voters";
      for (auto v : r.conf_state().voters) out += " " + Str(v);
    }
    out += "\n";
  }
  out += "    cut links:";
  for (const auto& [a, b] : network_.cuts()) out += " " + Str(a) + "->" + Str(b);
  return out + "\n";
}

}  // namespace flotilla::sim

#include "safety.h"

#include <algorithm>
#include <cstdint>
#include <functional>

#include "command.h"

namespace flotilla::sim {

namespace {
std::string Str(uint64_t v) {
  return std::to_string(v);
}
}  // namespace

void SafetyChecker::Record(raft::NodeId member, const raft::Entry& e, const char* how) {
  uint64_t h = std::hash<std::string>{}(e.data);
  auto [it, fresh] = committed_.emplace(e.index, Committed{e.term, e.type, h, member, {}});
  if (fresh) return;
  const Committed& c = it->second;
  if (c.term != e.term || c.type != e.type || c.data_hash != h) {
    Fail("committed entry changed: at index " + Str(e.index) + " member " + Str(c.seen_by) +
         " had term " + Str(c.term) + ", member " + Str(member) + " " + how + " term " +
         Str(e.term) + (c.term == e.term ? " with other data" : ""));
  }
}

void SafetyChecker::OnApplied(raft::NodeId member, const AppliedEntry& a) {
  Record(member, a.entry, "applied");
  if (!a.outcome) return;
  uint64_t digest = OutcomeDigest(*a.outcome);
  Committed& c = committed_.at(a.entry.index);
  if (!c.outcome) {
    c.outcome = digest;
  } else if (*c.outcome != digest) {
    Fail("replicas diverge: member " + Str(member) + " answered entry " + Str(a.entry.index) +
         " differently from an earlier replica");
  }
}

void SafetyChecker::OnStateHash(raft::NodeId member, raft::Index index, uint64_t hash) {
  auto [it, fresh] = state_hashes_.emplace(index, std::make_pair(hash, member));
  if (!fresh && it->second.first != hash) {
    Fail("replicas diverge: Store::Save() at applied index " + Str(index) +
         " differs between member " + Str(it->second.second) + " and member " + Str(member));
  }
}

void SafetyChecker::CheckCommittedPrefix(Member& m) {
  const raft::RaftLog& log = m.node().raft().log();
  raft::Index from = std::max(m.verified_commit, log.snapshot_meta().index) + 1;
  for (raft::Index i = from; i <= log.committed(); ++i) {
    auto e = log.Slice(i, i + 1, SIZE_MAX);
    if (!e || e->size() != 1) {
      Fail("member " + Str(m.id()) + " cannot read its committed entry " + Str(i));
      return;
    }
    Record(m.id(), e->front(), "holds as committed");
  }
  m.verified_commit = std::max(m.verified_commit, log.committed());
}

void SafetyChecker::CheckStep(std::map<raft::NodeId, std::unique_ptr<Member>>& members) {
  for (auto& [id, m] : members) {
    if (!m->running()) continue;
    const raft::Raft& r = m->node().raft();
    r.CheckInvariants();
    if (r.role() == raft::Role::kLeader) {
      auto [it, fresh] = leaders_.emplace(r.term(), id);
      if (!fresh && it->second != id) {
        Fail("two leaders in term " + Str(r.term()) + ": members " + Str(it->second) + " and " +
             Str(id));
      }
    }
    CheckCommittedPrefix(*m);
  }
}

}  // namespace flotilla::sim

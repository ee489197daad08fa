// SafetyChecker: what must hold after every step of a run, whatever the
// network, the disks and the crashes did (Figure 3 of the Raft paper, plus
// the state machine's determinism):
//
//   Election Safety      at most one leader per term, over the whole run.
//   State Machine Safety an index, once committed anywhere, names the same
//                        entry (term, type, data) on every member, forever:
//                        both the entries members apply and every member's
//                        committed prefix are compared against one record.
//   Replica equality     the store's answer to each applied write, and the
//                        hash of Store::Save() at sampled indexes and at every
//                        snapshot, are equal across members.
//   Core invariants      raft::Raft::CheckInvariants() on every running member
//                        (it aborts; the simulation's abort handler then
//                        prints the seed).
// The first violation is kept; the run stops there.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "member.h"

namespace flotilla::sim {

class SafetyChecker {
 public:
  void OnApplied(raft::NodeId member, const AppliedEntry& a);
  void OnStateHash(raft::NodeId member, raft::Index index, uint64_t hash);
  void CheckStep(std::map<raft::NodeId, std::unique_ptr<Member>>& members);

  void Fail(const std::string& what) {
    if (failure_.empty()) failure_ = what;
  }
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }

  size_t terms_with_leader() const { return leaders_.size(); }
  raft::Index max_committed() const { return committed_.empty() ? 0 : committed_.rbegin()->first; }

 private:
  struct Committed {
    raft::Term term = 0;
    raft::EntryType type = raft::EntryType::kNormal;
    uint64_t data_hash = 0;
    raft::NodeId seen_by = raft::kNone;
    std::optional<uint64_t> outcome;  // the store's answer, for client writes
  };
  void Record(raft::NodeId member, const raft::Entry& e, const char* how);
  void CheckCommittedPrefix(Member& m);

  std::map<raft::Index, Committed> committed_;
  std::map<raft::Index, std::pair<uint64_t, raft::NodeId>> state_hashes_;
  std::map<raft::Term, raft::NodeId> leaders_;
  std::string failure_;
};

}  // namespace flotilla::sim

// InteractionEnv: the commands that inspect members or act on their disk.
#include <algorithm>

#include "describe.h"
#include "interaction.h"
#include "test_cluster.h"

namespace flotilla::raft::testing {

base::Status InteractionEnv::Compact(const Command& c) {
  auto got = Get(c);
  if (!got.ok()) return got.status();
  Node& n = **got;
  Index applied = n.raw->raft().log().applied();
  raft::Snapshot snap;
  snap.meta = {applied, n.raw->raft().log().term(applied).value_or(0), n.conf};
  snap.data = JoinSnapshot(n.applied);
  n.snapshot = snap;
  std::erase_if(n.log, [&](const Entry& e) { return e.index <= applied; });
  n.raw->Compact(std::move(snap));
  Print("snapshot " + DescribeSnapshotMeta(n.snapshot.meta));
  return base::Status::Ok();
}

base::Status InteractionEnv::Restart(const Command& c) {
  auto got = Get(c);
  if (!got.ok()) return got.status();
  Node& n = **got;
  if (c.args.size() > 1) {
    if (c.args[1] != "crash")
      return base::Status(base::Code::kInvalidArgument, "restart ID [crash]");
    n.hard_state = n.synced_hard_state;  // entries and snapshots are always synced
  }
  n.raw = std::make_unique<RawNode>(n.config, Restored{n.hard_state, n.snapshot, n.log});
  // The state machine is rebuilt from the snapshot; the log re-applies.
  n.applied = SplitSnapshot(n.snapshot.data);
  n.conf = n.snapshot.meta.conf;
  return base::Status::Ok();
}

base::Status InteractionEnv::RaftLogCmd(const Command& c) {
  auto got = Get(c);
  if (!got.ok()) return got.status();
  const Node& n = **got;
  Index snap = n.snapshot.meta.index;
  if (n.log.empty()) {
    Print("log is empty: first index=" + std::to_string(snap + 1) +
          ", last index=" + std::to_string(snap));
  }
  for (const auto& e : n.log) Print(DescribeEntry(e));
  return base::Status::Ok();
}

base::Status InteractionEnv::RaftState(const Command&) {
  for (const auto& [id, n] : nodes_) {
    const Raft& r = n.raw->raft();
    ConfState cs = r.conf_state();
    auto has = [&](const std::vector<NodeId>& v) {
      return std::find(v.begin(), v.end(), id) != v.end();
    };
    std::string kind = has(cs.voters) ? "Voter" : has(cs.learners) ? "Learner" : "None";
    std::string line = std::to_string(id) + ": " + StateName(r.role()) + " (" + kind +
                       ") Term:" + std::to_string(r.term()) + " Lead:" + std::to_string(r.leader());
    if (r.lead_transferee() != kNone) {
      line += " LeadTransferee:" + std::to_string(r.lead_transferee());
    }
    Print(line);
  }
  return base::Status::Ok();
}

base::Status InteractionEnv::StatusCmd(const Command& c) {
  auto got = Get(c);
  if (!got.ok()) return got.status();
  const Raft& r = (*got)->raw->raft();
  Print(std::string(StateName(r.role())) + " " + DescribeHardState(r.hard_state()) +
        " Applied:" + std::to_string(r.log().applied()));
  for (const auto& [id, pr] : r.progress()) Print(std::to_string(id) + ": " + DescribeProgress(pr));
  return base::Status::Ok();
}

base::Status InteractionEnv::Applied(const Command& c) {
  auto got = Get(c);
  if (!got.ok()) return got.status();
  const Node& n = **got;
  std::string data;
  for (const auto& a : n.applied) data += (data.empty() ? "" : " ") + a;
  Print("Index:" + std::to_string(n.raw->raft().log().applied()) + " Data:[" + data + "] " +
        DescribeConfState(n.conf));
  return base::Status::Ok();
}

}  // namespace flotilla::raft::testing

// Regression tests of raft core bugs the simulation found (fixed; replay
// the seeds with scripts/simulate --seed N --trace).
#include <gtest/gtest.h>

#include "raft/raw_node.h"
#include "simulation.h"

namespace flotilla::raft {
namespace {

// Found by simulation seeds 36, 38, 47, 79, 86 (async_apply=1).
//
// raw_node.h allows Step between GetReady and Advance. A follower holds a
// Ready whose committed entries it is applying; meanwhile the leader's
// snapshot (past those entries) arrives and RaftLog::Restore sets applied to
// the snapshot's index. Advance(rd) then calls AppliedTo with the Ready's
// last committed index, which is below it: applied moves backwards, under
// the snapshot index (CheckInvariants: "applied < snapshot"; in Debug
// builds the assertion in RaftLog::AppliedTo fires first).
TEST(RaftRepro, SnapshotArrivingBeforeAdvanceMovesAppliedBackwards) {
  Config c;
  c.id = 2;
  std::vector<ConfChange> founders;
  for (NodeId n : {1, 2, 3}) founders.push_back({ConfChangeType::kAddNode, n, ""});
  RawNode node = RawNode::Bootstrap(c, founders);
  Ready persist = node.GetReady();  // the founding entries 1..3
  node.Advance(persist);
  Ready apply = node.GetReady();  // hands out committed entries 1..3
  ASSERT_EQ(apply.committed_entries.size(), 3u);

  // Before Advance(apply): the leader of term 2 sends its snapshot at 10.
  Message snap;
  snap.type = MessageType::kSnapshot;
  snap.from = 1;
  snap.to = 2;
  snap.term = 2;
  snap.snapshot.meta = {10, 2, ConfState{{1, 2, 3}, {}}};
  snap.snapshot.data = "state at 10";
  node.Step(snap);

  node.Advance(apply);
  const RaftLog& log = node.raft().log();
  EXPECT_GE(log.applied(), log.snapshot_meta().index)
      << "applied " << log.applied() << " < snapshot " << log.snapshot_meta().index;
}

// The same bug in whole runs: without the driver's workaround (holding
// snapshots while a Ready is parked) these seeds abort with "applied <
// snapshot", or apply garbage: once applied is below the snapshot,
// RaftLog::NextCommittedEntries dereferences Slice()'s nullopt.
TEST(RaftRepro, SeedsWithoutTheParkedSnapshotWorkaround) {
  for (uint64_t seed : {36, 38, 47, 79, 86}) {
    sim::Options o;
    o.seed = seed;
    o.workarounds = false;
    sim::Report r = sim::Simulate(o);
    EXPECT_TRUE(r.ok) << r.FailureMessage();
  }
}

}  // namespace
}  // namespace flotilla::raft

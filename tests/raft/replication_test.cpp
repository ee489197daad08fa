// Log replication: sections 5.3 and 5.4 of the Raft paper, flow control,
// snapshots to lagging followers (section 7) and ReadIndex (thesis 6.4).
#include <gtest/gtest.h>

#include "test_cluster.h"

namespace flotilla::raft::testing {
namespace {

std::vector<std::string> Strings(std::initializer_list<const char*> l) {
  return {l.begin(), l.end()};
}

// Reference: section 5.3. Proposals reach every member's state machine in
// the same order, whichever member they were proposed at.
TEST(Replication, propose_appliedEverywhereInOneOrder) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId follower = leader % 3 + 1;
  c.node(leader).Propose("a");
  c.Stabilize();
  EXPECT_EQ(c.node(follower).Propose("b"), ProposeError::kNone);  // forwarded
  c.Stabilize();
  c.node(leader).Propose("c");
  c.Stabilize();
  for (NodeId id : c.ids()) EXPECT_EQ(c.at(id).applied, Strings({"a", "b", "c"})) << id;
}

// Reference: section 5.3. An entry commits once a majority stores it: with
// one follower cut off, the other two still commit.
TEST(Replication, majority_commitsWithoutTheMinority) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId cut = leader % 3 + 1;
  c.Isolate(cut);
  c.node(leader).Propose("a");
  c.Stabilize();
  EXPECT_EQ(c.at(leader).applied, Strings({"a"}));
  EXPECT_TRUE(c.at(cut).applied.empty());
  // And the minority catches up once it is back.
  c.Heal();
  c.Tick(leader);  // a heartbeat reveals the gap
  c.Stabilize();
  EXPECT_EQ(c.at(cut).applied, Strings({"a"}));
}

TEST(Replication, minority_neverCommits) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  for (NodeId id : c.ids()) {
    if (id != leader) c.Isolate(id);
  }
  c.node(leader).Propose("a");
  c.Stabilize();
  EXPECT_TRUE(c.at(leader).applied.empty());
}

// Reference: section 5.3, log matching: a follower's conflicting
// uncommitted entries are replaced by the leader's.
TEST(Replication, conflictingTail_isOverwrittenByTheNewLeader) {
  TestCluster c(3);
  NodeId old_leader = c.ElectAny();
  c.Isolate(old_leader);
  c.node(old_leader).Propose("lost");  // never reaches a majority
  c.Stabilize();
  NodeId new_leader = kNone;
  for (int t = 0; t < 200 && new_leader == kNone; ++t) {
    for (NodeId id : c.ids()) {
      if (id != old_leader) c.Tick(id);
    }
    c.Stabilize();
    for (NodeId id : c.ids()) {
      if (id != old_leader && c.node(id).raft().role() == Role::kLeader) new_leader = id;
    }
  }
  ASSERT_NE(new_leader, kNone);
  c.node(new_leader).Propose("kept");
  c.Stabilize();
  c.Heal();
  for (int t = 0; t < 30; ++t) {
    for (NodeId id : c.ids()) c.Tick(id);
    c.Stabilize();
  }
  for (NodeId id : c.ids()) EXPECT_EQ(c.at(id).applied, Strings({"kept"})) << id;
}

// Reference: section 5.4.2 (Figure 8). A leader does not commit an entry of
// an earlier term because a majority stores it; it commits it only through
// an entry of its own term.
TEST(Replication, commitRule_earlierTermEntryNeedsOneOfOurs) {
  TestCluster c(3);
  NodeId l = c.ElectAny();
  NodeId f = l % 3 + 1;
  Term t = c.node(l).raft().term();
  c.Isolate(l);
  c.node(l).Propose("x");  // term t, only in l's log
  c.Stabilize();
  Index k = c.node(l).raft().log().last_index();
  for (int i = 0; i <= 2 * c.node(l).raft().config().election_tick; ++i) c.Tick(l);
  c.Stabilize();
  ASSERT_EQ(c.node(l).raft().role(), Role::kFollower);  // CheckQuorum
  // l wins term t+1 (forced, as by a leader transfer), its log being longest.
  c.Heal();
  c.node(l).Step(Message{.type = MessageType::kTimeoutNow, .to = l, .from = f, .term = t});
  for (int i = 0; i < 3; ++i) {
    for (NodeId id : c.ids()) c.ProcessReady(id);
    c.Deliver();
  }
  ASSERT_EQ(c.node(l).raft().role(), Role::kLeader);
  ASSERT_EQ(c.node(l).raft().term(), t + 1);
  c.Isolate(l);  // its appends are lost; we answer for f by hand
  c.ProcessReady(l);
  c.Deliver();
  // f stores x (term t) at k: a majority (l and f) holds it, yet it is not
  // committed.
  c.node(l).Step(
      Message{.type = MessageType::kAppendResponse, .to = l, .from = f, .term = t + 1, .index = k});
  c.ProcessReady(l);
  EXPECT_LT(c.node(l).raft().log().committed(), k);
  // Once f stores l's own no-op at k+1, both commit.
  c.node(l).Step(Message{
      .type = MessageType::kAppendResponse, .to = l, .from = f, .term = t + 1, .index = k + 1});
  c.ProcessReady(l);
  EXPECT_EQ(c.node(l).raft().log().committed(), k + 1);
}

// Flow control: a follower that does not answer gets at most
// max_inflight_msgs appends in flight.
TEST(Replication, flowControl_boundsAppendsInFlight) {
  Config cfg;
  cfg.max_inflight_msgs = 4;
  cfg.max_size_per_msg = 1;  // one entry per append
  TestCluster c(3, cfg);
  NodeId leader = c.ElectAny();
  NodeId slow = leader % 3 + 1;
  c.Cut(leader, slow);
  c.ClearSent();
  for (int i = 0; i < 20; ++i) c.node(leader).Propose("e" + std::to_string(i));
  c.Stabilize();
  size_t to_slow = 0;
  for (const auto& m : c.sent()) {
    to_slow += m.type == MessageType::kAppend && m.to == slow;
  }
  EXPECT_LE(to_slow, 4u);
  EXPECT_EQ(c.at(leader).applied.size(), 20u);
}

// Reference: section 7. A follower that fell behind the leader's compacted
// log gets a snapshot and then the entries after it.
TEST(Replication, snapshot_catchesUpAFollowerBehindTheCompactedLog) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId behind = leader % 3 + 1;
  c.Isolate(behind);
  for (int i = 0; i < 10; ++i) c.node(leader).Propose("e" + std::to_string(i));
  c.Stabilize();
  c.Snapshot(leader);
  c.node(leader).Propose("after");
  c.Stabilize();
  c.Heal();
  for (int t = 0; t < 10; ++t) {
    c.Tick(leader);
    c.Stabilize();
    // The transport would report the snapshot's delivery.
    c.node(leader).ReportSnapshot(behind, false);
    c.Stabilize();
  }
  EXPECT_EQ(c.at(behind).applied, c.at(leader).applied);
  EXPECT_EQ(c.at(behind).applied.size(), 11u);
}

// Restart: a member recovers its log and hard state from disk and applies
// the committed entries again.
TEST(Replication, restart_reappliesFromDisk) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId f = leader % 3 + 1;
  c.node(leader).Propose("a");
  c.node(leader).Propose("b");
  c.Stabilize();
  c.Restart(f);
  c.Stabilize();
  c.Tick(leader);
  c.Stabilize();
  EXPECT_EQ(c.at(f).applied, Strings({"a", "b"}));
  EXPECT_EQ(c.node(f).raft().term(), c.node(leader).raft().term());
}

// Thesis 6.4: ReadIndex on the leader and on a follower returns an index
// that covers every write acknowledged before the read.
TEST(ReadIndex, leaderAndFollower_getIndexCoveringAcknowledgedWrites) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId f = leader % 3 + 1;
  c.node(leader).Propose("w");
  c.Stabilize();
  Index committed = c.node(leader).raft().log().committed();
  c.node(leader).ReadIndex("r1");
  c.node(f).ReadIndex("r2");
  c.Stabilize();
  ASSERT_EQ(c.at(leader).reads.size(), 1u);
  EXPECT_EQ(c.at(leader).reads[0].context, "r1");
  EXPECT_GE(c.at(leader).reads[0].index, committed);
  ASSERT_EQ(c.at(f).reads.size(), 1u);
  EXPECT_EQ(c.at(f).reads[0].context, "r2");
  EXPECT_GE(c.at(f).reads[0].index, committed);
}

TEST(ReadIndex, isolatedLeader_answersNoRead) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  c.Isolate(leader);
  c.node(leader).ReadIndex("r");
  c.Stabilize();
  EXPECT_TRUE(c.at(leader).reads.empty());
}

}  // namespace
}  // namespace flotilla::raft::testing

// Leader election: section 5.2 of the Raft paper, PreVote and CheckQuorum
// (thesis 9.6 and 6.2), leader transfer (thesis 3.10), and flotilla's early
// election when the leader's connection closes (kPeerDown).
#include <gtest/gtest.h>

#include "test_cluster.h"

namespace flotilla::raft::testing {
namespace {

// Reference: section 5.2. A member that hears nothing starts an election
// and, with a majority of votes, leads; the others follow it.
TEST(Election, timeout_electsOneLeaderThatOthersFollow) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  ASSERT_NE(leader, kNone);
  for (NodeId id : c.ids()) {
    EXPECT_EQ(c.node(id).raft().leader(), leader) << "member " << id;
    EXPECT_EQ(c.node(id).raft().term(), c.node(leader).raft().term());
  }
}

TEST(Election, singleMember_leadsAtOnce) {
  TestCluster c(1);
  c.node(1).Campaign();
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 1u);
}

// Reference: section 5.2, "at most one vote per term": a member that voted
// refuses a second candidate of the same term.
TEST(Election, vote_atMostOnePerTerm) {
  Config cfg;
  cfg.pre_vote = false;
  TestCluster c(3, cfg);
  c.Isolate(1);
  c.Isolate(2);
  c.node(1).Campaign();
  c.node(2).Campaign();
  c.Heal();
  c.Deliver();  // only 3 can grant; it hears 1's request first
  c.Stabilize();
  EXPECT_NE(c.Leader(), kNone);
  size_t leaders = 0;
  for (NodeId id : c.ids()) leaders += c.node(id).raft().role() == Role::kLeader;
  EXPECT_EQ(leaders, 1u);
}

// Reference: section 5.4.1, election restriction: a candidate whose log is
// behind cannot win.
TEST(Election, staleLog_cannotWin) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId behind = leader % 3 + 1;
  c.Isolate(behind);
  c.node(leader).Propose("x");
  c.Stabilize();
  c.Heal();
  // `behind` campaigns (no pre-vote in the way: force the real election).
  c.node(behind).raft().Step(Message{.type = MessageType::kTimeoutNow,
                                     .to = behind,
                                     .from = leader,
                                     .term = c.node(leader).raft().term()});
  c.Stabilize();
  EXPECT_NE(c.node(behind).raft().role(), Role::kLeader);
  EXPECT_NE(c.Leader(), behind);
}

// Thesis 9.6: a partitioned member that keeps timing out does not raise its
// term with PreVote, so it cannot depose the leader when it returns.
TEST(Election, preVote_isolatedMemberDoesNotDisruptOnReturn) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  Term term = c.node(leader).raft().term();
  NodeId lonely = leader % 3 + 1;
  c.Isolate(lonely);
  for (int i = 0; i < 100; ++i) {
    c.Tick(lonely);
    c.Stabilize();
  }
  EXPECT_EQ(c.node(lonely).raft().term(), term);
  c.Heal();
  for (int i = 0; i < 5; ++i) {
    for (NodeId id : c.ids()) c.Tick(id);
    c.Stabilize();
  }
  EXPECT_EQ(c.Leader(), leader);
  EXPECT_EQ(c.node(leader).raft().term(), term);
}

// Thesis 6.2: with CheckQuorum a leader cut off from the majority steps
// down within an election timeout.
TEST(Election, checkQuorum_isolatedLeaderStepsDown) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  c.Isolate(leader);
  for (int i = 0; i <= 2 * c.node(leader).raft().config().election_tick; ++i) {
    c.Tick(leader);
    c.Stabilize();
  }
  EXPECT_EQ(c.node(leader).raft().role(), Role::kFollower);
}

// Thesis 3.10: leader transfer hands leadership to a caught-up voter.
TEST(Election, transferLeader_targetLeadsInNextTerm) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  Term term = c.node(leader).raft().term();
  NodeId target = leader % 3 + 1;
  c.node(leader).TransferLeader(target);
  c.Stabilize();
  EXPECT_EQ(c.Leader(), target);
  EXPECT_EQ(c.node(target).raft().term(), term + 1);
}

TEST(Election, transferLeader_proposalsRefusedDuringTransfer) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId target = leader % 3 + 1;
  c.Isolate(target);
  c.node(leader).TransferLeader(target);
  EXPECT_EQ(c.node(leader).Propose("x"), ProposeError::kTransferring);
  // Abandoned after an election timeout: proposals flow again.
  for (int i = 0; i < c.node(leader).raft().config().election_tick; ++i) c.Tick(leader);
  EXPECT_EQ(c.node(leader).Propose("y"), ProposeError::kNone);
}

// Not in the paper: followers that see their leader's connection close
// (its process died) elect a new leader within half an election timeout,
// not after a whole randomized one (1 to 2 election timeouts).
TEST(Election, peerDown_followersElectWithinHalfAnElectionTimeout) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  Term term = c.node(leader).raft().term();
  c.Isolate(leader);
  for (NodeId id : c.ids())
    if (id != leader) c.node(id).ReportPeerDown(leader);
  int half = c.node(leader).raft().config().election_tick / 2;
  NodeId next = kNone;
  for (int i = 0; i < half && next == kNone; ++i) {
    for (NodeId id : c.ids()) {
      if (id == leader) continue;
      c.Tick(id);
      c.Stabilize();
      if (c.node(id).raft().role() == Role::kLeader) next = id;
    }
  }
  ASSERT_NE(next, kNone) << "no leader within " << half << " ticks";
  EXPECT_GT(c.node(next).raft().term(), term);
}

// A false alarm (the leader lives; one follower saw a connection close,
// e.g. the leader reconnected) changes nothing: the other follower still
// hears the leader and refuses the pre-vote, and heartbeats restore the
// follower's leader.
TEST(Election, peerDown_whileTheLeaderLives_disruptsNothing) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  Term term = c.node(leader).raft().term();
  NodeId alarmed = leader % 3 + 1;
  c.node(alarmed).ReportPeerDown(leader);
  for (int i = 0; i < 2 * c.node(leader).raft().config().election_tick; ++i) {
    for (NodeId id : c.ids()) {
      c.Tick(id);
      c.Stabilize();
    }
  }
  EXPECT_EQ(c.Leader(), leader);
  EXPECT_EQ(c.node(leader).raft().term(), term);
  EXPECT_EQ(c.node(alarmed).raft().leader(), leader);
}

// Only the leader's connection counts: another member's close is no reason
// to campaign early.
TEST(Election, peerDown_ofAFollower_isIgnored) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId a = leader % 3 + 1, b = a % 3 + 1;
  c.Isolate(leader);  // no heartbeats that would hide an early campaign
  c.node(a).ReportPeerDown(b);
  c.ClearSent();
  for (int i = 0; i < c.node(a).raft().config().election_tick - 1; ++i) c.Tick(a);
  c.Stabilize();
  EXPECT_EQ(c.node(a).raft().leader(), leader);
  for (const Message& m : c.sent()) EXPECT_NE(m.type, MessageType::kPreVote) << "from " << m.from;
}

}  // namespace
}  // namespace flotilla::raft::testing

// Membership change, one server at a time (thesis chapter 4), and learners.
#include <gtest/gtest.h>

#include "test_cluster.h"

namespace flotilla::raft::testing {
namespace {

void Settle(TestCluster& c, int ticks = 20) {
  for (int t = 0; t < ticks; ++t) {
    for (NodeId id : c.ids()) c.Tick(id);
    c.Stabilize();
  }
}

// Reference: thesis 4.1. A new member joins empty, catches up from the
// leader's log, and counts toward the quorum once its change is applied.
TEST(Membership, addNode_newMemberCatchesUpAndVotes) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  c.node(leader).Propose("before");
  c.Stabilize();
  c.AddEmpty(4);
  ASSERT_EQ(c.node(leader).ProposeConfChange({ConfChangeType::kAddNode, 4, ""}),
            ProposeError::kNone);
  Settle(c);
  EXPECT_EQ(c.at(4).applied, std::vector<std::string>{"before"});
  EXPECT_EQ(c.at(4).conf.voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(c.at(leader).conf.voters, (std::vector<NodeId>{1, 2, 3, 4}));
  // With four voters, three are a quorum: two cut off block commits.
  std::vector<NodeId> others;
  for (NodeId id : c.ids()) {
    if (id != leader) others.push_back(id);
  }
  c.Isolate(others[0]);
  c.Isolate(others[1]);
  c.node(leader).Propose("needs three");
  c.Stabilize();
  EXPECT_EQ(c.at(leader).applied.size(), 1u);
  c.Heal();
  Settle(c, 5);
  EXPECT_EQ(c.at(leader).applied.size(), 2u);
}

// Reference: thesis 4.1. After a member is removed, the rest commit without
// it.
TEST(Membership, removeNode_remainingMembersCommitWithoutIt) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId gone = leader % 3 + 1;
  ASSERT_EQ(c.node(leader).ProposeConfChange({ConfChangeType::kRemoveNode, gone, ""}),
            ProposeError::kNone);
  c.Stabilize();
  EXPECT_EQ(c.at(leader).conf.voters.size(), 2u);
  c.Isolate(gone);
  c.node(leader).Propose("two of two");
  c.Stabilize();
  EXPECT_EQ(c.at(leader).applied, std::vector<std::string>{"two of two"});
}

// Thesis 4.1: one change at a time. A second change waits until the first
// is applied.
TEST(Membership, confChange_onlyOnePendingAtATime) {
  TestCluster c(3);
  NodeId leader = c.ElectAny();
  NodeId other = leader % 3 + 1;
  c.Isolate(leader);  // the first change cannot commit
  EXPECT_EQ(c.node(leader).ProposeConfChange({ConfChangeType::kAddNode, 4, ""}),
            ProposeError::kNone);
  EXPECT_EQ(c.node(leader).ProposeConfChange({ConfChangeType::kRemoveNode, other, ""}),
            ProposeError::kConfChangePending);
  c.Heal();
  c.Tick(leader);
  c.Stabilize();
  EXPECT_EQ(c.node(leader).ProposeConfChange({ConfChangeType::kRemoveNode, 4, ""}),
            ProposeError::kNone);
}

// Learners receive the log but neither vote nor count toward commits.
TEST(Membership, learner_replicatesButDoesNotCount) {
  TestCluster c(1);
  c.node(1).Campaign();
  c.Stabilize();
  c.AddEmpty(2);
  ASSERT_EQ(c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 2, ""}), ProposeError::kNone);
  c.Stabilize();
  c.Tick(1);
  c.Stabilize();
  EXPECT_EQ(c.at(2).conf.learners, std::vector<NodeId>{2});
  // The leader alone is still the quorum.
  c.Isolate(2);
  c.node(1).Propose("x");
  c.Stabilize();
  EXPECT_EQ(c.at(1).applied, std::vector<std::string>{"x"});
  c.Heal();
  c.Tick(1);
  c.Stabilize();
  EXPECT_EQ(c.at(2).applied, std::vector<std::string>{"x"});
  // A learner never campaigns.
  for (int t = 0; t < 100; ++t) c.Tick(2);
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 1u);
}

}  // namespace
}  // namespace flotilla::raft::testing

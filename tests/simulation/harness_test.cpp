// The simulation's own parts, pinned: the disk loses exactly what a WAL on
// power loss may lose, the network does what its contract says, and the
// safety checker notices what it exists to notice.
#include <gtest/gtest.h>

#include "disk.h"
#include "network.h"
#include "safety.h"

namespace flotilla::sim {
namespace {

raft::Entry E(raft::Index i, raft::Term t) {
  return raft::Entry{t, i, raft::EntryType::kNormal, "e" + std::to_string(i)};
}

std::vector<raft::Entry> Entries(raft::Index from, raft::Index to, raft::Term t) {
  std::vector<raft::Entry> out;
  for (raft::Index i = from; i <= to; ++i) out.push_back(E(i, t));
  return out;
}

TEST(Disk, SyncedWritesSurviveEveryCrash) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Disk d;
    d.WriteEntries(Entries(1, 3, 1));
    d.WriteHardState({1, 2, 3});
    d.Sync();
    d.WriteEntries(Entries(4, 6, 2));
    Rng rng(seed);
    d.Crash(rng);
    EXPECT_GE(d.durable().last_index(), 3u);
    EXPECT_EQ(d.durable().hard_state, (raft::HardState{1, 2, 3}));
  }
}

TEST(Disk, CrashKeepsAPrefixOfTheUnsyncedWrites) {
  bool saw_loss = false, saw_tear = false;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Disk d;
    d.WriteEntries(Entries(1, 2, 1));
    d.Sync();
    d.WriteEntries(Entries(3, 7, 2));
    d.WriteHardState({2, 1, 5});
    Rng rng(seed);
    CrashLoss loss = d.Crash(rng);
    const DiskState& s = d.durable();
    for (size_t k = 0; k < s.entries.size(); ++k) EXPECT_EQ(s.entries[k].index, k + 1);
    // The hard state was written after the entries: never kept without them.
    if (s.hard_state.term == 2) {
      EXPECT_EQ(s.last_index(), 7u);
    }
    saw_loss |= s.last_index() == 2;
    saw_tear |= loss.torn && s.last_index() > 2 && s.last_index() < 7;
    EXPECT_EQ(d.unsynced(), 0u);
  }
  EXPECT_TRUE(saw_loss);
  EXPECT_TRUE(saw_tear);
}

TEST(Disk, TearCutsInsideTheLastMultiEntryWrite) {
  Disk d;
  d.WriteEntries(Entries(1, 4, 1));
  Rng rng(1);
  CrashLoss loss = d.Crash(rng, /*tear=*/true);
  EXPECT_TRUE(loss.torn);
  EXPECT_GE(d.durable().last_index(), 1u);
  EXPECT_LT(d.durable().last_index(), 4u);
}

TEST(Disk, LeaderSnapshotReplacesTheLogAndCompactionTrimsIt) {
  Disk d;
  d.WriteEntries(Entries(1, 10, 1));
  raft::Snapshot own;
  own.meta = {4, 1, {}};
  d.WriteSnapshot(own, /*replaces_log=*/false);
  d.Sync();
  EXPECT_EQ(d.durable().entries.front().index, 5u);
  EXPECT_EQ(d.durable().last_index(), 10u);
  raft::Snapshot leaders;
  leaders.meta = {8, 3, {}};
  d.WriteSnapshot(leaders, /*replaces_log=*/true);
  d.Sync();
  EXPECT_TRUE(d.durable().entries.empty());
  EXPECT_EQ(d.durable().last_index(), 8u);
  EXPECT_EQ(d.durable().term(8), 3u);
}

TEST(Disk, AGapInTheLogIsReported) {
  Disk d;
  d.WriteEntries(Entries(1, 2, 1));
  d.WriteEntries(Entries(5, 6, 1));
  d.Sync();
  EXPECT_NE(d.error(), "");
}

raft::Message Msg(raft::MessageType t, raft::NodeId from, raft::NodeId to) {
  raft::Message m;
  m.type = t;
  m.from = from;
  m.to = to;
  m.term = 1;
  return m;
}

TEST(Network, ACutLinkLosesTheMessageAndTellsTheSender) {
  Rng rng(1);
  Network net(rng);
  net.Cut(1, 2);
  net.Send(0, Msg(raft::MessageType::kHeartbeat, 1, 2), 7);
  net.Send(0, Msg(raft::MessageType::kHeartbeat, 2, 1), 7);  // the other way is up
  std::vector<Delivery> got;
  while (auto d = net.PopDue(1000)) got.push_back(*d);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, Delivery::Kind::kUnreachable);
  EXPECT_EQ(got[0].to, 1u);
  EXPECT_EQ(got[0].incarnation, 7u);
  EXPECT_EQ(got[1].kind, Delivery::Kind::kMessage);
  EXPECT_EQ(got[1].to, 1u);
}

TEST(Network, ALostSnapshotIsReportedFailed) {
  Rng rng(1);
  Network net(rng);
  net.set_params(NetworkParams{.loss = 1.0});
  net.Send(0, Msg(raft::MessageType::kSnapshot, 1, 2), 1);
  auto d = net.PopDue(10000);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, Delivery::Kind::kSnapshotReport);
  EXPECT_TRUE(d->failed);
}

TEST(Network, ProposalsAreNeverDuplicated) {
  Rng rng(1);
  Network net(rng);
  net.set_params(NetworkParams{.duplicate = 1.0});
  net.Send(0, Msg(raft::MessageType::kPropose, 1, 2), 1);
  net.Send(0, Msg(raft::MessageType::kAppend, 1, 2), 1);
  int proposals = 0, appends = 0;
  while (auto d = net.PopDue(10000)) {
    (d->type == raft::MessageType::kPropose ? proposals : appends)++;
  }
  EXPECT_EQ(proposals, 1);
  EXPECT_EQ(appends, 2);
}

TEST(SafetyChecker, NoticesACommittedEntryThatChanged) {
  SafetyChecker c;
  raft::Entry a = E(5, 2), b = E(5, 3);
  c.OnApplied(1, AppliedEntry{a});
  c.OnApplied(2, AppliedEntry{a});
  EXPECT_FALSE(c.failed());
  c.OnApplied(3, AppliedEntry{b});
  EXPECT_TRUE(c.failed());
  EXPECT_NE(c.failure().find("committed entry changed: at index 5"), std::string::npos);
}

TEST(SafetyChecker, NoticesDivergentReplicas) {
  SafetyChecker c;
  c.OnStateHash(1, 8, 42);
  c.OnStateHash(2, 8, 42);
  EXPECT_FALSE(c.failed());
  c.OnStateHash(3, 8, 43);
  EXPECT_TRUE(c.failed());
}

}  // namespace
}  // namespace flotilla::sim

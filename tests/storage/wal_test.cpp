// Wal behaviour on a FakeFs: round trips, raft's overwrite rule, segments,
// snapshot marks and error handling. Crash and damage tests live in
// wal_recovery_test.cpp and wal_crash_test.cpp.
#include "storage/wal.h"

#include <gtest/gtest.h>

#include "base/fake_fs.h"
#include "test_util.h"

namespace flotilla::storage {
namespace {

using base::Code;
using testutil::FilesEndingWith;
using testutil::MakeEntries;
using testutil::MakeEntry;
using testutil::SameEntries;

class WalTest : public ::testing::Test {
 protected:
  std::unique_ptr<Wal> Create(WalOptions options = {}) {
    auto w = Wal::Create(fs_, dir_, "meta", options);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? std::move(*w) : nullptr;
  }
  std::unique_ptr<Wal> Open(uint64_t after_index, Recovered* rec, WalOptions options = {}) {
    auto w = Wal::Open(fs_, dir_, after_index, rec, options);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? std::move(*w) : nullptr;
  }
  std::vector<std::string> Segments() { return FilesEndingWith(fs_, dir_, ".wal"); }

  base::FakeFs fs_{1};
  std::string dir_ = "/data/wal";
};

TEST_F(WalTest, appendSyncReopen_returnsEverything) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 10)).ok());
  ASSERT_TRUE(w->SetHardState({2, 1, 7}).ok());
  ASSERT_TRUE(w->Sync().ok());
  EXPECT_EQ(w->last_index(), 10u);
  w.reset();

  Recovered rec;
  w = Open(0, &rec);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(rec.metadata, "meta");
  EXPECT_EQ(rec.hard_state, (HardState{2, 1, 7}));
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 10)));
  EXPECT_FALSE(rec.truncated_tail);
  EXPECT_EQ(w->last_index(), 10u);
}

TEST_F(WalTest, create_isDurableWithoutAnyAppend) {
  auto w = Create();
  fs_.Crash();
  EXPECT_TRUE(Wal::Exists(fs_, dir_));
  Recovered rec;
  ASSERT_NE(Open(0, &rec), nullptr);
  EXPECT_EQ(rec.metadata, "meta");
  EXPECT_TRUE(rec.entries.empty());
}

TEST_F(WalTest, create_refusesADirectoryWithSegments) {
  auto w = Create();
  EXPECT_EQ(Wal::Create(fs_, dir_, "meta").status().code(), Code::kAlreadyExists);
}

TEST_F(WalTest, open_withoutSegmentsIsNotFound) {
  ASSERT_TRUE(fs_.CreateDirs(dir_).ok());
  EXPECT_FALSE(Wal::Exists(fs_, dir_));
  Recovered rec;
  EXPECT_EQ(Wal::Open(fs_, dir_, 0, &rec).status().code(), Code::kNotFound);
  EXPECT_EQ(Wal::Open(fs_, "/elsewhere", 0, &rec).status().code(), Code::kNotFound);
}

TEST_F(WalTest, append_isOneWriteAndSyncIsOneFdatasync) {
  auto w = Create();
  uint64_t writes = fs_.write_count(), syncs = fs_.sync_count();
  ASSERT_TRUE(w->Save({1, 1, 0}, MakeEntries(1, 100)).ok());
  EXPECT_EQ(fs_.write_count(), writes + 1);
  EXPECT_GT(w->bytes_since_sync(), 100u * 25);
  ASSERT_TRUE(w->Sync().ok());
  EXPECT_EQ(fs_.sync_count(), syncs + 1);
  EXPECT_EQ(w->bytes_since_sync(), 0u);
  ASSERT_TRUE(w->Sync().ok());  // nothing new: no fdatasync
  EXPECT_EQ(fs_.sync_count(), syncs + 1);
}

TEST_F(WalTest, overwrite_replacesTheTailInMemoryAndOnReplay) {
  // Reference: Raft paper section 5.3, a follower's conflicting entries are
  // replaced by the leader's.
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 5, 1)).ok());
  ASSERT_TRUE(w->Append(MakeEntries(3, 4, 2)).ok());
  EXPECT_EQ(w->last_index(), 4u);
  ASSERT_TRUE(w->Append(MakeEntries(5, 6, 2)).ok());
  ASSERT_TRUE(w->Sync().ok());
  w.reset();

  Recovered rec;
  ASSERT_NE(Open(0, &rec), nullptr);
  std::vector<Entry> want = MakeEntries(1, 2, 1);
  for (auto& e : MakeEntries(3, 6, 2)) want.push_back(e);
  EXPECT_TRUE(SameEntries(rec.entries, want));
}

TEST_F(WalTest, append_refusesGapsAndUnorderedBatches) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 3)).ok());
  EXPECT_EQ(w->Append(MakeEntries(5, 6)).code(), Code::kInvalidArgument);
  std::vector<Entry> unordered = {MakeEntry(4), MakeEntry(6)};
  EXPECT_EQ(w->Append(unordered).code(), Code::kInvalidArgument);
  EXPECT_EQ(w->Append({MakeEntry(0)}).code(), Code::kInvalidArgument);
  EXPECT_EQ(w->last_index(), 3u);
  ASSERT_TRUE(w->Append(MakeEntries(4, 4)).ok());  // still usable
}

TEST_F(WalTest, emptyLog_acceptsAnyFirstIndex) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(101, 103)).ok());
  ASSERT_TRUE(w->Sync().ok());
  w.reset();
  Recovered rec;
  ASSERT_NE(Open(100, &rec), nullptr);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(101, 103)));
}

TEST_F(WalTest, open_returnsOnlyEntriesAfterTheSnapshot) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 20)).ok());
  ASSERT_TRUE(w->Sync().ok());
  w.reset();
  Recovered rec;
  w = Open(15, &rec);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(16, 20)));
  EXPECT_EQ(w->last_index(), 20u);
}

TEST_F(WalTest, hardState_lastOneWinsAndRepeatsAreNotWritten) {
  auto w = Create();
  ASSERT_TRUE(w->SetHardState({1, 0, 0}).ok());
  ASSERT_TRUE(w->SetHardState({2, 3, 0}).ok());
  uint64_t bytes = w->bytes_since_sync();
  ASSERT_TRUE(w->SetHardState({2, 3, 0}).ok());
  EXPECT_EQ(w->bytes_since_sync(), bytes);
  ASSERT_TRUE(w->Sync().ok());
  w.reset();
  Recovered rec;
  ASSERT_NE(Open(0, &rec), nullptr);
  EXPECT_EQ(rec.hard_state, (HardState{2, 3, 0}));
}

TEST_F(WalTest, cut_startsANewSegmentNamedAfterTheNextIndex) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 5)).ok());
  ASSERT_TRUE(w->Cut().ok());
  ASSERT_TRUE(w->Append(MakeEntries(6, 9)).ok());
  ASSERT_TRUE(w->Sync().ok());
  EXPECT_EQ(Segments(), (std::vector<std::string>{"0000000000000000-0000000000000001.wal",
                                                  "0000000000000001-0000000000000006.wal"}));
  w.reset();
  Recovered rec;
  ASSERT_NE(Open(0, &rec), nullptr);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 9)));
}

TEST_F(WalTest, sync_cutsWhenTheSegmentIsFull) {
  auto w = Create(WalOptions{.segment_bytes = 1024});
  for (uint64_t i = 1; i <= 200; ++i) {
    ASSERT_TRUE(w->Append({MakeEntry(i)}).ok());
    ASSERT_TRUE(w->Sync().ok());
  }
  std::vector<std::string> segs = Segments();
  EXPECT_GT(segs.size(), 5u);
  for (const auto& s : segs) EXPECT_LT(testutil::ReadOrDie(fs_, dir_ + "/" + s).size(), 1200u);
  w.reset();
  Recovered rec;
  ASSERT_NE(Open(0, &rec), nullptr);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 200)));
}

TEST_F(WalTest, releaseTo_deletesCoveredSegmentsAndKeepsHardState) {
  auto w = Create();
  ASSERT_TRUE(w->Save({1, 1, 10}, MakeEntries(1, 10)).ok());
  ASSERT_TRUE(w->Cut().ok());
  ASSERT_TRUE(w->Append(MakeEntries(11, 20)).ok());
  ASSERT_TRUE(w->Cut().ok());
  ASSERT_TRUE(w->Append(MakeEntries(21, 25)).ok());
  ASSERT_TRUE(w->Sync().ok());
  ASSERT_EQ(Segments().size(), 3u);

  ASSERT_TRUE(w->ReleaseTo(15).ok());  // the second segment still holds 16..20
  EXPECT_EQ(Segments().size(), 2u);
  ASSERT_TRUE(w->ReleaseTo(100).ok());  // never the segment in use
  EXPECT_EQ(Segments(), (std::vector<std::string>{"0000000000000002-0000000000000015.wal"}));
  fs_.Crash();  // removals were made durable
  EXPECT_EQ(Segments().size(), 1u);
  w.reset();

  Recovered rec;
  ASSERT_NE(Open(20, &rec), nullptr);
  EXPECT_EQ(rec.hard_state, (HardState{1, 1, 10}));  // repeated at the segment head
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(21, 25)));
}

TEST_F(WalTest, open_refusesASnapshotOlderThanTheLog) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 10)).ok());
  ASSERT_TRUE(w->Cut().ok());
  ASSERT_TRUE(w->Append(MakeEntries(11, 20)).ok());
  ASSERT_TRUE(w->Sync().ok());
  ASSERT_TRUE(w->ReleaseTo(10).ok());
  w.reset();
  Recovered rec;
  auto r = Wal::Open(fs_, dir_, 5, &rec);
  ASSERT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_NE(r.status().message().find("entries 6..10 are missing"), std::string::npos)
      << r.status().message();
}

TEST_F(WalTest, markSnapshot_letsTheLogJumpAhead) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 3)).ok());
  EXPECT_EQ(w->Append(MakeEntries(501, 502)).code(), Code::kInvalidArgument);
  ASSERT_TRUE(w->MarkSnapshot(7, 500).ok());
  EXPECT_EQ(w->last_index(), 500u);
  ASSERT_TRUE(w->Append(MakeEntries(501, 502, 7)).ok());
  ASSERT_TRUE(w->Sync().ok());
  w.reset();

  Recovered rec;
  w = Open(500, &rec);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(501, 502, 7)));
  w.reset();
  EXPECT_EQ(Wal::Open(fs_, dir_, 0, &rec).status().code(), Code::kCorruption);
}

TEST_F(WalTest, open_withASnapshotNewerThanTheLog_continuesAfterIt) {
  // A crash between saving an installed snapshot and marking it in the WAL.
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 3)).ok());
  ASSERT_TRUE(w->Sync().ok());
  w.reset();
  Recovered rec;
  w = Open(50, &rec);
  EXPECT_TRUE(rec.entries.empty());
  EXPECT_EQ(w->last_index(), 50u);
  ASSERT_TRUE(w->Append(MakeEntries(51, 52)).ok());
  ASSERT_TRUE(w->Sync().ok());
  w.reset();
  w = Open(50, &rec);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(51, 52)));
}

TEST_F(WalTest, failedSync_breaksTheWalUntilReopened) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 2)).ok());
  ASSERT_TRUE(w->Sync().ok());
  ASSERT_TRUE(w->Append(MakeEntries(3, 4)).ok());
  fs_.FailNextSync();
  base::Status st = w->Sync();
  EXPECT_EQ(st.code(), Code::kIoError);
  EXPECT_EQ(w->Append(MakeEntries(5, 5)).code(), Code::kIoError);
  EXPECT_EQ(w->Sync().code(), Code::kIoError);  // no second chance (fsyncgate)
  fs_.Crash();
  w.reset();
  Recovered rec;
  ASSERT_NE(Open(0, &rec), nullptr);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 2)));
}

TEST_F(WalTest, failedWrite_isReportedAndLeavesARecoverableLog) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 2)).ok());
  ASSERT_TRUE(w->Sync().ok());
  fs_.FailWritesAfter(30);  // a short write in the middle of a record
  EXPECT_EQ(w->Append(MakeEntries(3, 6)).code(), Code::kIoError);
  fs_.ClearFaults();
  w.reset();
  Recovered rec;  // no crash: the short write is still in the file
  ASSERT_NE(Open(0, &rec), nullptr);
  EXPECT_TRUE(rec.truncated_tail);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 2)));
}

TEST_F(WalTest, failedCut_leavesTheOldSegmentsIntact) {
  auto w = Create();
  ASSERT_TRUE(w->Append(MakeEntries(1, 5)).ok());
  fs_.FailNextSyncDir();
  EXPECT_EQ(w->Cut().code(), Code::kIoError);
  fs_.Crash();
  w.reset();
  Recovered rec;
  w = Open(0, &rec);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 5)));  // synced by the cut
  ASSERT_TRUE(w->Append(MakeEntries(6, 6)).ok());
}

}  // namespace
}  // namespace flotilla::storage

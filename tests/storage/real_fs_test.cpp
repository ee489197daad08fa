// The basic WAL and snapshot behaviours once more on the real file system,
// in a fresh directory under /tmp, so RealFs and FakeFs agree where it counts.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "storage/record.h"
#include "storage/snapshotter.h"
#include "storage/wal.h"
#include "test_util.h"

namespace flotilla::storage {
namespace {

using base::Code;
using testutil::FilesEndingWith;
using testutil::MakeEntries;
using testutil::ReadOrDie;
using testutil::Rewrite;
using testutil::SameEntries;

class RealFsTest : public ::testing::Test {
 protected:
  base::Fs& fs_ = base::RealFs();
  testutil::TempDir tmp_;
  std::string wal_dir_ = tmp_.path() + "/member/wal";
  std::string snap_dir_ = tmp_.path() + "/member/snap";
  std::string seg0_ = wal_dir_ + "/0000000000000000-0000000000000001.wal";
};

TEST_F(RealFsTest, wal_roundTripOverwriteCutAndRelease) {
  {
    auto w = Wal::Create(fs_, wal_dir_, "meta", WalOptions{.segment_bytes = 512});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Save({1, 1, 0}, MakeEntries(1, 30, 1)).ok());
    ASSERT_TRUE((*w)->Sync().ok());  // over 512 bytes: cuts
    ASSERT_TRUE((*w)->Append(MakeEntries(25, 40, 2)).ok());
    ASSERT_TRUE((*w)->Cut().ok());
    ASSERT_TRUE((*w)->SetHardState({2, 1, 20}).ok());
    ASSERT_TRUE((*w)->Sync().ok());
    EXPECT_EQ(FilesEndingWith(fs_, wal_dir_, ".wal").size(), 3u);
    ASSERT_TRUE((*w)->ReleaseTo(20).ok());  // the first segment holds 1..30
    EXPECT_EQ(FilesEndingWith(fs_, wal_dir_, ".wal").size(), 3u);
    ASSERT_TRUE((*w)->ReleaseTo(40).ok());
    EXPECT_EQ(FilesEndingWith(fs_, wal_dir_, ".wal").size(), 1u);
  }
  Recovered rec;
  auto w = Wal::Open(fs_, wal_dir_, 40, &rec);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(rec.metadata, "meta");
  EXPECT_EQ(rec.hard_state, (HardState{2, 1, 20}));
  EXPECT_TRUE(rec.entries.empty());
  EXPECT_EQ((*w)->last_index(), 40u);
}

TEST_F(RealFsTest, wal_overwriteSurvivesReopen) {
  {
    auto w = Wal::Create(fs_, wal_dir_, "meta");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(MakeEntries(1, 10, 1)).ok());
    ASSERT_TRUE((*w)->Append(MakeEntries(6, 8, 2)).ok());
    ASSERT_TRUE((*w)->Sync().ok());
  }
  Recovered rec;
  ASSERT_TRUE(Wal::Open(fs_, wal_dir_, 0, &rec).ok());
  std::vector<Entry> want = MakeEntries(1, 5, 1);
  for (auto& e : MakeEntries(6, 8, 2)) want.push_back(e);
  EXPECT_TRUE(SameEntries(rec.entries, want));
}

TEST_F(RealFsTest, wal_tornTailTruncatedThenAppendWorks) {
  {
    auto w = Wal::Create(fs_, wal_dir_, "meta");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(MakeEntries(1, 5)).ok());
    ASSERT_TRUE((*w)->Sync().ok());
  }
  std::string bytes = ReadOrDie(fs_, seg0_);
  ASSERT_TRUE(fs_.Truncate(seg0_, bytes.size() - 7).ok());
  Recovered rec;
  ::testing::internal::CaptureStderr();
  auto w = Wal::Open(fs_, wal_dir_, 0, &rec);
  ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_TRUE(rec.truncated_tail);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 4)));
  ASSERT_TRUE((*w)->Append(MakeEntries(5, 6)).ok());
  ASSERT_TRUE((*w)->Sync().ok());
  w->reset();
  auto again = Wal::Open(fs_, wal_dir_, 0, &rec);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(rec.truncated_tail);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 6)));
}

TEST_F(RealFsTest, wal_corruptionInTheMiddleNamesFileAndOffset) {
  {
    auto w = Wal::Create(fs_, wal_dir_, "meta");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(MakeEntries(1, 5)).ok());
    ASSERT_TRUE((*w)->Sync().ok());
  }
  std::string bytes = ReadOrDie(fs_, seg0_);
  uint64_t offset = kRecordHeaderSize + 4;  // entry 1 follows the metadata record
  bytes[offset + kRecordHeaderSize + 3] ^= 0x01;
  Rewrite(fs_, seg0_, bytes);
  Recovered rec;
  base::Status st = Wal::Open(fs_, wal_dir_, 0, &rec).status();
  EXPECT_EQ(st.code(), Code::kCorruption);
  EXPECT_EQ(st.message(),
            "wal segment " + seg0_ + ": checksum mismatch at offset " + std::to_string(offset));
}

TEST_F(RealFsTest, snapshot_saveLoadAndBrokenNewestFallsBack) {
  Snapshotter s(fs_, snap_dir_, 2);
  ASSERT_TRUE(s.Save({1, 5, "five"}).ok());
  ASSERT_TRUE(s.Save({1, 9, "nine"}).ok());
  auto got = s.Load();
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->data, "nine");

  std::string newest = snap_dir_ + "/0000000000000001-0000000000000009.snap";
  Rewrite(fs_, newest, ReadOrDie(fs_, newest).substr(0, 30));
  ::testing::internal::CaptureStderr();
  got = s.Load();
  ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->index, 5u);
  EXPECT_TRUE(fs_.Exists(newest + ".broken"));
}

}  // namespace
}  // namespace flotilla::storage

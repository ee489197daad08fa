#include "storage/snapshotter.h"

#include <gtest/gtest.h>

#include "base/fake_fs.h"
#include "test_util.h"

namespace flotilla::storage {
namespace {

using testutil::FilesEndingWith;
using testutil::ReadOrDie;
using testutil::Rewrite;

constexpr char kDir[] = "/data/snap";

std::string SnapPath(uint64_t term, uint64_t index) {
  char name[64];
  std::snprintf(name, sizeof name, "%s/%016llx-%016llx.snap", kDir,
                static_cast<unsigned long long>(term), static_cast<unsigned long long>(index));
  return name;
}

class SnapshotterTest : public ::testing::Test {
 protected:
  std::optional<Snapshot> Load(Snapshotter& s) {
    auto r = s.Load();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }
  base::FakeFs fs_{5};
};

TEST_F(SnapshotterTest, load_withNoDirectoryIsEmpty) {
  Snapshotter s(fs_, kDir);
  EXPECT_EQ(Load(s), std::nullopt);
}

TEST_F(SnapshotterTest, saveThenLoad_roundTripsAndSurvivesACrash) {
  Snapshotter s(fs_, kDir);
  std::string data(100000, 'x');
  data[5] = '\0';
  ASSERT_TRUE(s.Save({3, 42, data}).ok());
  fs_.Crash();
  auto got = Load(s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->term, 3u);
  EXPECT_EQ(got->index, 42u);
  EXPECT_EQ(got->data, data);
  EXPECT_EQ(FilesEndingWith(fs_, kDir, ".snap"),
            std::vector<std::string>{"0000000000000003-000000000000002a.snap"});
}

TEST_F(SnapshotterTest, fileLayout_isMagicTermIndexLengthCrcPayload) {
  Snapshotter s(fs_, kDir);
  ASSERT_TRUE(s.Save({1, 2, "abc"}).ok());
  std::string bytes = ReadOrDie(fs_, SnapPath(1, 2));
  ASSERT_EQ(bytes.size(), 36u + 3);
  EXPECT_EQ(bytes.substr(0, 8), "FLSNAP01");
  EXPECT_EQ(bytes.substr(8, 8), std::string("\x01\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(bytes.substr(16, 8), std::string("\x02\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(bytes.substr(24, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(bytes.substr(36), "abc");
}

TEST_F(SnapshotterTest, load_returnsTheNewest) {
  Snapshotter s(fs_, kDir, 3);
  ASSERT_TRUE(s.Save({1, 10, "ten"}).ok());
  ASSERT_TRUE(s.Save({2, 30, "thirty"}).ok());
  ASSERT_TRUE(s.Save({2, 20, "twenty"}).ok());
  auto got = Load(s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->index, 30u);
  EXPECT_EQ(got->data, "thirty");
}

TEST_F(SnapshotterTest, save_keepsOnlyTheNewestFiles) {
  Snapshotter s(fs_, kDir, 2);
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(s.Save({1, i * 100, "s"}).ok());
  EXPECT_EQ(FilesEndingWith(fs_, kDir, ".snap"),
            (std::vector<std::string>{"0000000000000001-0000000000000190.snap",
                                      "0000000000000001-00000000000001f4.snap"}));
}

TEST_F(SnapshotterTest, brokenNewest_isRenamedAndAnOlderOneUsed) {
  Snapshotter s(fs_, kDir, 3);
  ASSERT_TRUE(s.Save({1, 10, "older"}).ok());
  ASSERT_TRUE(s.Save({1, 20, "newer"}).ok());
  std::string bytes = ReadOrDie(fs_, SnapPath(1, 20));
  bytes.back() ^= 0x20;
  Rewrite(fs_, SnapPath(1, 20), bytes);

  ::testing::internal::CaptureStderr();
  auto got = Load(s);
  std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->index, 10u);
  EXPECT_EQ(got->data, "older");
  EXPECT_FALSE(fs_.Exists(SnapPath(1, 20)));
  EXPECT_TRUE(fs_.Exists(SnapPath(1, 20) + ".broken"));
  EXPECT_NE(log.find(SnapPath(1, 20) + " is damaged (checksum mismatch)"), std::string::npos)
      << log;
}

TEST_F(SnapshotterTest, eachKindOfDamage_isDetected) {
  auto damage = [](std::string b, int kind) {
    switch (kind) {
      case 0:
        return b.substr(0, 20);  // shorter than the header
      case 1:
        return "X" + b.substr(1);  // bad magic
      case 2:
        return b.substr(0, b.size() - 1);  // truncated payload
      case 3:
        b[9] ^= 1;
        return b;  // term differs from the name
      default:
        b[34] ^= 1;
        return b;  // checksum
    }
  };
  for (int kind = 0; kind < 5; ++kind) {
    SCOPED_TRACE("kind " + std::to_string(kind));
    base::FakeFs fs(kind);
    Snapshotter s(fs, kDir, 3);
    ASSERT_TRUE(s.Save({1, 1, "good"}).ok());
    ASSERT_TRUE(s.Save({1, 2, "payload"}).ok());
    Rewrite(fs, SnapPath(1, 2), damage(ReadOrDie(fs, SnapPath(1, 2)), kind));
    ::testing::internal::CaptureStderr();
    auto got = s.Load();
    ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->index, 1u);
  }
}

TEST_F(SnapshotterTest, allBroken_isEmpty) {
  Snapshotter s(fs_, kDir);
  ASSERT_TRUE(s.Save({1, 1, "only"}).ok());
  Rewrite(fs_, SnapPath(1, 1), "garbage");
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(Load(s), std::nullopt);
  ::testing::internal::GetCapturedStderr();
}

TEST_F(SnapshotterTest, crashDuringSave_leavesThePreviousSnapshot) {
  Snapshotter s(fs_, kDir);
  ASSERT_TRUE(s.Save({1, 1, "first"}).ok());
  fs_.FailNextSyncDir();
  EXPECT_FALSE(s.Save({1, 2, "second"}).ok());
  fs_.Crash(base::FakeFs::CrashMode::kTornTail);
  auto got = Load(s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->data, "first");
}

}  // namespace
}  // namespace flotilla::storage

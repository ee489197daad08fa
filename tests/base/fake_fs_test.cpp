#include "base/fake_fs.h"

#include <gtest/gtest.h>

#include <thread>

namespace flotilla::base {
namespace {

using CrashMode = FakeFs::CrashMode;

// Writes `data` to a new file and syncs the file (not its directory).
void WriteSynced(Fs& fs, const std::string& path, std::string_view data) {
  auto f = fs.OpenAppend(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE((*f)->Append(data).ok());
  ASSERT_TRUE((*f)->Sync().ok());
}

std::string Read(Fs& fs, const std::string& path) {
  auto r = fs.ReadFile(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

class FakeFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_.CreateDirs("/d").ok());
    ASSERT_TRUE(fs_.SyncDir("/").ok());
  }
  FakeFs fs_{7};
};

TEST_F(FakeFsTest, appendThenRead_seesEveryByte) {
  auto f = fs_.OpenAppend("/d/a");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("hello ").ok());
  ASSERT_TRUE((*f)->Append("world").ok());
  EXPECT_EQ((*f)->Size(), 11u);
  EXPECT_EQ(Read(fs_, "/d/a"), "hello world");
  // Reopening appends at the end.
  auto g = fs_.OpenAppend("/d/a");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)->Size(), 11u);
  ASSERT_TRUE((*g)->Append("!").ok());
  EXPECT_EQ(Read(fs_, "/d/a"), "hello world!");
}

TEST_F(FakeFsTest, namespaceOperations_behaveLikePosix) {
  ASSERT_TRUE(fs_.CreateDirs("/d/x/y").ok());
  WriteSynced(fs_, "/d/b", "b");
  WriteSynced(fs_, "/d/a", "a");
  auto names = fs_.ListDir("/d");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b", "x"}));
  EXPECT_EQ(fs_.ListDir("/nope").status().code(), Code::kNotFound);
  EXPECT_EQ(fs_.OpenAppend("/nope/f").status().code(), Code::kNotFound);
  EXPECT_EQ(fs_.ReadFile("/d/zz").status().code(), Code::kNotFound);
  EXPECT_FALSE(fs_.CreateDirs("/d/a/sub").ok());  // /d/a is a file
  EXPECT_FALSE(fs_.Remove("/d/x").ok());          // directories are not unlinked

  ASSERT_TRUE(fs_.Rename("/d/a", "/d/b").ok());  // replaces b
  EXPECT_FALSE(fs_.Exists("/d/a"));
  EXPECT_EQ(Read(fs_, "/d/b"), "a");
  ASSERT_TRUE(fs_.Truncate("/d/b", 3).ok());  // extends with zeros
  EXPECT_EQ(Read(fs_, "/d/b"), std::string("a\0\0", 3));
  ASSERT_TRUE(fs_.Truncate("/d/b", 0).ok());
  EXPECT_EQ(Read(fs_, "/d/b"), "");
  ASSERT_TRUE(fs_.Remove("/d/b").ok());
  EXPECT_FALSE(fs_.Exists("/d/b"));
  EXPECT_TRUE(fs_.Exists("/d//x/y/"));  // paths are normalized
}

TEST_F(FakeFsTest, crash_dropsUnsyncedBytes) {
  WriteSynced(fs_, "/d/a", "synced");
  ASSERT_TRUE(fs_.SyncDir("/d").ok());
  auto f = fs_.OpenAppend("/d/a");
  ASSERT_TRUE((*f)->Append(" and not").ok());
  EXPECT_EQ(fs_.DurableContent("/d/a"), "synced");
  fs_.Crash();
  EXPECT_EQ(Read(fs_, "/d/a"), "synced");
}

TEST_F(FakeFsTest, crash_newFileNeedsDirectorySync) {
  WriteSynced(fs_, "/d/kept", "data");
  ASSERT_TRUE(fs_.SyncDir("/d").ok());
  WriteSynced(fs_, "/d/lost", "data");  // file synced, its directory entry not
  EXPECT_EQ(fs_.DurableContent("/d/lost"), std::nullopt);
  fs_.Crash();
  EXPECT_EQ(Read(fs_, "/d/kept"), "data");
  EXPECT_FALSE(fs_.Exists("/d/lost"));
}

TEST_F(FakeFsTest, crash_directoryNeedsParentSync) {
  ASSERT_TRUE(fs_.CreateDirs("/d/sub").ok());
  WriteSynced(fs_, "/d/sub/f", "x");
  ASSERT_TRUE(fs_.SyncDir("/d/sub").ok());
  EXPECT_EQ(fs_.DurableContent("/d/sub/f"), std::nullopt);
  fs_.Crash();
  EXPECT_FALSE(fs_.Exists("/d/sub"));
  EXPECT_FALSE(fs_.Exists("/d/sub/f"));
}

TEST_F(FakeFsTest, crash_renameAndRemoveNeedDirectorySync) {
  WriteSynced(fs_, "/d/old", "old");
  WriteSynced(fs_, "/d/gone", "gone");
  ASSERT_TRUE(fs_.SyncDir("/d").ok());
  WriteSynced(fs_, "/d/new.tmp", "new");
  ASSERT_TRUE(fs_.Rename("/d/new.tmp", "/d/old").ok());
  ASSERT_TRUE(fs_.Remove("/d/gone").ok());
  fs_.Crash();
  EXPECT_EQ(Read(fs_, "/d/old"), "old");
  EXPECT_EQ(Read(fs_, "/d/gone"), "gone");
  EXPECT_FALSE(fs_.Exists("/d/new.tmp"));
}

TEST_F(FakeFsTest, writeFileAtomic_survivesCrash) {
  ASSERT_TRUE(WriteFileAtomic(fs_, "/d/f", "one").ok());
  ASSERT_TRUE(WriteFileAtomic(fs_, "/d/f", "two").ok());
  fs_.Crash();
  EXPECT_EQ(Read(fs_, "/d/f"), "two");
  EXPECT_FALSE(fs_.Exists("/d/f.tmp"));
}

TEST_F(FakeFsTest, crash_invalidatesOpenHandles) {
  auto f = fs_.OpenAppend("/d/a");
  ASSERT_TRUE(f.ok());
  fs_.Crash();
  EXPECT_EQ((*f)->Append("x").code(), Code::kIoError);
  EXPECT_EQ((*f)->Sync().code(), Code::kIoError);
}

TEST_F(FakeFsTest, tornCrash_keepsAPrefixOfTheUnsyncedTail) {
  const std::string synced = "0123456789";
  const std::string tail(200, 'x');
  bool saw_partial = false, saw_garbage = false, saw_none = false;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    FakeFs fs(seed);
    WriteSynced(fs, "/f", synced);
    ASSERT_TRUE(fs.SyncDir("/").ok());
    auto f = fs.OpenAppend("/f");
    ASSERT_TRUE((*f)->Append(tail).ok());
    fs.Crash(CrashMode::kTornTail);
    std::string got = Read(fs, "/f");
    ASSERT_GE(got.size(), synced.size());
    ASSERT_LE(got.size(), synced.size() + tail.size());
    EXPECT_EQ(got.substr(0, synced.size()), synced) << "seed " << seed;
    std::string kept = got.substr(synced.size());
    saw_none |= kept.empty();
    saw_partial |= !kept.empty() && kept.size() < tail.size();
    saw_garbage |= kept.find_first_not_of('x') != std::string::npos;
    // What survived is now durable: a second crash changes nothing.
    fs.Crash(CrashMode::kTornTail);
    EXPECT_EQ(Read(fs, "/f"), got);
  }
  EXPECT_TRUE(saw_none);
  EXPECT_TRUE(saw_partial);
  EXPECT_TRUE(saw_garbage);
}

TEST_F(FakeFsTest, tornCrash_isDeterministicPerSeed) {
  auto run = [](uint64_t seed) {
    FakeFs fs(seed);
    auto f = fs.OpenAppend("/f");
    EXPECT_TRUE(fs.SyncDir("/").ok());
    EXPECT_TRUE((*f)->Append(std::string(1000, 'a')).ok());
    fs.Crash(CrashMode::kTornTail);
    return *fs.ReadFile("/f");
  };
  EXPECT_EQ(run(42), run(42));
}

TEST_F(FakeFsTest, failNextSync_failsOnceAndKeepsDataVolatile) {
  auto f = fs_.OpenAppend("/d/a");
  ASSERT_TRUE(fs_.SyncDir("/d").ok());
  ASSERT_TRUE((*f)->Append("abc").ok());
  fs_.FailNextSync();
  EXPECT_EQ((*f)->Sync().code(), Code::kIoError);
  EXPECT_EQ(fs_.DurableContent("/d/a"), "");
  EXPECT_TRUE((*f)->Sync().ok());
  EXPECT_EQ(fs_.DurableContent("/d/a"), "abc");
  EXPECT_EQ(fs_.sync_count(), 1u);
}

TEST_F(FakeFsTest, failNextSyncDir_leavesEntriesVolatile) {
  WriteSynced(fs_, "/d/a", "abc");
  fs_.FailNextSyncDir();
  EXPECT_EQ(fs_.SyncDir("/d").code(), Code::kIoError);
  fs_.Crash();
  EXPECT_FALSE(fs_.Exists("/d/a"));
}

TEST_F(FakeFsTest, failWritesAfter_shortWriteThenErrors) {
  auto f = fs_.OpenAppend("/d/a");
  fs_.FailWritesAfter(5);
  EXPECT_TRUE((*f)->Append("abc").ok());
  EXPECT_EQ((*f)->Append("defg").code(), Code::kIoError);
  EXPECT_EQ(Read(fs_, "/d/a"), "abcde");
  EXPECT_EQ((*f)->Append("h").code(), Code::kIoError);
  fs_.ClearFaults();
  EXPECT_TRUE((*f)->Append("h").ok());
  EXPECT_EQ(Read(fs_, "/d/a"), "abcdeh");
}

TEST_F(FakeFsTest, concurrentWriters_doNotInterfere) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      auto f = fs_.OpenAppend("/d/f" + std::to_string(t));
      ASSERT_TRUE(f.ok());
      for (int i = 0; i < 500; ++i) {
        ASSERT_TRUE((*f)->Append("x").ok());
        if (i % 50 == 0) {
          ASSERT_TRUE((*f)->Sync().ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(Read(fs_, "/d/f" + std::to_string(t)).size(), 500u);
}

}  // namespace
}  // namespace flotilla::base

// Unpacking layers: what lands where, whiteouts in both modes, and the
// archives that must be refused without writing outside the directory.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "file_text.h"

#include "container/digest.h"
#include "container/layer_apply.h"
#include "container/layer_path.h"
#include "tar_builder.h"

namespace flotilla::container {
namespace {

using testing::FileText;

using testing::TarBuilder;

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

class Layer : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flotilla-layer-XXXXXX";
    base_ = ::mkdtemp(tmpl);
    root_ = base_ + "/root";
    outside_ = base_ + "/outside";
    ::mkdir(root_.c_str(), 0755);
    ::mkdir(outside_.c_str(), 0755);
  }
  void TearDown() override { ASSERT_TRUE(RemoveTree(base_).ok()); }

  // Nothing may ever appear next to the root.
  void ExpectOutsideUntouched() {
    EXPECT_EQ(::rmdir(outside_.c_str()), 0) << "something was written next to the layer";
    ::mkdir(outside_.c_str(), 0755);
  }

  std::string base_, root_, outside_;
};

TEST(LayerPath, CleanMakesNamesRelativeAndRefusesClimbingOut) {
  EXPECT_EQ(*CleanLayerPath("./a//b/"), "a/b");
  EXPECT_EQ(*CleanLayerPath("/etc/passwd"), "etc/passwd");
  EXPECT_EQ(*CleanLayerPath("a/../b"), "b");
  EXPECT_EQ(*CleanLayerPath("./"), "");
  EXPECT_FALSE(CleanLayerPath("../x").ok());
  EXPECT_FALSE(CleanLayerPath("a/../../x").ok());
  EXPECT_FALSE(CleanLayerPath("/../x").ok());
  EXPECT_EQ(CleanLayerPath("../etc").status().message(),
            "layer entry \"../etc\" points outside the layer");
}

TEST(LayerPath, WhiteoutsAreClassified) {
  EXPECT_EQ(ClassifyWhiteout("a/.wh.b").kind, Whiteout::kFile);
  EXPECT_EQ(ClassifyWhiteout("a/.wh.b").target, "a/b");
  EXPECT_EQ(ClassifyWhiteout(".wh.b").target, "b");
  EXPECT_EQ(ClassifyWhiteout("a/.wh..wh..opq").kind, Whiteout::kOpaque);
  EXPECT_EQ(ClassifyWhiteout("a/.wh..wh..opq").target, "a");
  EXPECT_EQ(ClassifyWhiteout(".wh..wh.plnk").kind, Whiteout::kAufsMeta);
  EXPECT_EQ(ClassifyWhiteout("a/b.wh.c").kind, Whiteout::kNone);
}

TEST_F(Layer, FilesDirectoriesAndLinksLandWithTheirModesAndTimes) {
  std::string tar = TarBuilder()
                        .Dir("bin", 0711)
                        .File("bin/busybox", "#!binary", 0755)
                        .Symlink("bin/sh", "busybox")
                        .Hardlink("bin/ls", "bin/busybox")
                        .File("etc/motd", "hello\n", 0600)  // parent not listed
                        .Finish();
  auto stats = ApplyLayerBytes(tar, root_, WhiteoutMode::kApply);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->entries, 5u);
  EXPECT_EQ(stats->diff_id, Digest::Of(tar));
  EXPECT_EQ(stats->uncompressed_size, tar.size());
  EXPECT_EQ(FileText(root_ + "/bin/busybox"), "#!binary");
  EXPECT_EQ(FileText(root_ + "/etc/motd"), "hello\n");
  char target[64] = {};
  ASSERT_GT(::readlink((root_ + "/bin/sh").c_str(), target, sizeof target), 0);
  EXPECT_STREQ(target, "busybox");
  struct stat a, b, dir, motd, etc;
  ASSERT_EQ(::stat((root_ + "/bin/busybox").c_str(), &a), 0);
  ASSERT_EQ(::stat((root_ + "/bin/ls").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_mode & 07777, 0755u);
  EXPECT_EQ(a.st_mtim.tv_sec, 1400000000);
  ASSERT_EQ(::stat((root_ + "/bin").c_str(), &dir), 0);
  EXPECT_EQ(dir.st_mode & 07777, 0711u);
  EXPECT_EQ(dir.st_mtim.tv_sec, 1400000000) << "directory times are set after their entries";
  ASSERT_EQ(::stat((root_ + "/etc/motd").c_str(), &motd), 0);
  EXPECT_EQ(motd.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat((root_ + "/etc").c_str(), &etc), 0);
  EXPECT_EQ(etc.st_mode & 07777, 0755u);
}

TEST_F(Layer, CompressedLayersHaveTheDiffIdOfTheirTar) {
  auto plain = TarBuilder().File("a", std::string(100000, 'x')).Finish();
  auto gz = TarBuilder(true).File("a", std::string(100000, 'x')).Finish();
  ASSERT_LT(gz.size(), plain.size());
  auto stats = ApplyLayerBytes(gz, root_, WhiteoutMode::kApply);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->diff_id, Digest::Of(plain));
  EXPECT_EQ(FileText(root_ + "/a"), std::string(100000, 'x'));
}

TEST_F(Layer, NamesThatClimbOutAreRefusedAndNothingIsWrittenOutside) {
  for (const char* name : {"../outside/x", "a/../../outside/x", "/../outside/x"}) {
    auto st =
        ApplyLayerBytes(TarBuilder().File(name, "pwned").Finish(), root_, WhiteoutMode::kApply);
    ASSERT_FALSE(st.ok()) << name;
    EXPECT_NE(st.status().message().find("points outside the layer"), std::string::npos)
        << st.status().message();
    ExpectOutsideUntouched();
  }
}

TEST_F(Layer, WritesThroughSymlinksStayInsideTheRoot) {
  // An absolute link and one that climbs: both resolve inside the root,
  // as they would in the container.
  std::string tar = TarBuilder()
                        .Dir("etc")
                        .Symlink("abs", "/etc")
                        .File("abs/x", "in")
                        .Symlink("up", "../../../../..")
                        .File("up/etc/y", "in")
                        .Finish();
  auto st = ApplyLayerBytes(tar, root_, WhiteoutMode::kApply);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(FileText(root_ + "/etc/x"), "in");
  EXPECT_EQ(FileText(root_ + "/etc/y"), "in");
  ExpectOutsideUntouched();
  // A link to the host path of the directory next door: inside the root
  // that path does not exist, so the write fails; nothing lands outside.
  auto host = ApplyLayerBytes(TarBuilder().Symlink("out", outside_).File("out/z", "x").Finish(),
                              root_, WhiteoutMode::kApply);
  EXPECT_FALSE(host.ok());
  ExpectOutsideUntouched();
}

TEST_F(Layer, HardLinksOutOrToDirectoriesAreRefused) {
  std::string secret = outside_ + "/secret";
  { std::ofstream(secret) << "s"; }
  auto out = ApplyLayerBytes(TarBuilder().Hardlink("h", "../outside/secret").Finish(), root_,
                             WhiteoutMode::kApply);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("hard link"), std::string::npos);
  auto dir = ApplyLayerBytes(TarBuilder().Dir("d").Hardlink("h", "d").Finish(), root_,
                             WhiteoutMode::kApply);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("hard link to a directory"), std::string::npos);
  // A link to a symlink that points out links the symlink itself.
  auto viasym = ApplyLayerBytes(TarBuilder().Symlink("s", secret).Hardlink("h2", "s").Finish(),
                                root_, WhiteoutMode::kApply);
  ASSERT_TRUE(viasym.ok()) << viasym.status().ToString();
  struct stat st;
  ASSERT_EQ(::lstat((root_ + "/h2").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(FileText(secret), "s");
  ::unlink(secret.c_str());
  ExpectOutsideUntouched();
}

TEST_F(Layer, DeviceNodesAreRefusedOutsideDevAndSkippedInside) {
  auto inside = ApplyLayerBytes(TarBuilder().CharDevice("dev/null", 1, 3).Finish(), root_,
                                WhiteoutMode::kApply);
  ASSERT_TRUE(inside.ok()) << inside.status().ToString();
  EXPECT_EQ(inside->skipped, 1u);
  EXPECT_FALSE(Exists(root_ + "/dev/null"));
  auto elsewhere = ApplyLayerBytes(TarBuilder().CharDevice("tmp/mem", 1, 1).Finish(), root_,
                                   WhiteoutMode::kApply);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_NE(elsewhere.status().message().find("device nodes are refused"), std::string::npos);
  EXPECT_FALSE(Exists(root_ + "/tmp/mem"));
}

TEST_F(Layer, TruncatedAndGarbageArchivesAreRefusedWithAMessage) {
  auto tar = TarBuilder().File("a", std::string(5000, 'x')).Finish();
  auto cut = ApplyLayerBytes(tar.substr(0, 2000), root_, WhiteoutMode::kApply);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("layer archive"), std::string::npos)
      << cut.status().message();
  auto garbage = ApplyLayerBytes(std::string(1000, '\x7f'), root_, WhiteoutMode::kApply);
  ASSERT_FALSE(garbage.ok());
}

TEST_F(Layer, AnEntryReplacesWhatALowerLayerHadThere) {
  ASSERT_TRUE(ApplyLayerBytes(TarBuilder().File("a/b", "1").File("c", "file").Finish(), root_,
                              WhiteoutMode::kApply)
                  .ok());
  auto upper = ApplyLayerBytes(TarBuilder().File("a", "now a file").Dir("c").Finish(), root_,
                               WhiteoutMode::kApply);
  ASSERT_TRUE(upper.ok()) << upper.status().ToString();
  EXPECT_EQ(FileText(root_ + "/a"), "now a file");
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/c").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(Layer, AppliedWhiteoutsDeleteLowerEntriesAndOpaqueDirsHideTheirChildren) {
  ASSERT_TRUE(ApplyLayerBytes(TarBuilder()
                                  .File("a/x", "1")
                                  .File("a/y", "2")
                                  .File("b/z", "3")
                                  .File("b/sub/deep", "4")
                                  .File("c/keep", "5")
                                  .Finish(),
                              root_, WhiteoutMode::kApply)
                  .ok());
  // The opaque marker comes after an entry of its own layer: order in the
  // archive does not matter, it hides only the lower children.
  auto upper = ApplyLayerBytes(TarBuilder()
                                   .File("a/.wh.x", "")
                                   .File("b/new", "6")
                                   .File("b/.wh..wh..opq", "")
                                   .File("c/sub/added", "7")
                                   .Finish(),
                               root_, WhiteoutMode::kApply);
  ASSERT_TRUE(upper.ok()) << upper.status().ToString();
  EXPECT_FALSE(Exists(root_ + "/a/x"));
  EXPECT_TRUE(Exists(root_ + "/a/y"));
  EXPECT_FALSE(Exists(root_ + "/a/.wh.x"));
  EXPECT_FALSE(Exists(root_ + "/b/z"));
  EXPECT_FALSE(Exists(root_ + "/b/sub"));
  EXPECT_EQ(FileText(root_ + "/b/new"), "6");
  EXPECT_FALSE(Exists(root_ + "/b/.wh..wh..opq"));
  EXPECT_TRUE(Exists(root_ + "/c/keep"));
  EXPECT_EQ(FileText(root_ + "/c/sub/added"), "7");
}

TEST_F(Layer, OverlayWhiteoutsBecomeCharDevicesAndOpaqueXattrs) {
  if (::geteuid() != 0) GTEST_SKIP() << "overlay whiteouts need root (mknod, trusted.* xattrs)";
  auto st = ApplyLayerBytes(TarBuilder().File("a/.wh.x", "").File("b/.wh..wh..opq", "").Finish(),
                            root_, WhiteoutMode::kOverlay);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  struct stat wh;
  ASSERT_EQ(::lstat((root_ + "/a/x").c_str(), &wh), 0);
  EXPECT_TRUE(S_ISCHR(wh.st_mode));
  EXPECT_EQ(wh.st_rdev, makedev(0, 0));
  char value[4] = {};
  ASSERT_EQ(::getxattr((root_ + "/b").c_str(), "trusted.overlay.opaque", value, sizeof value), 1);
  EXPECT_EQ(value[0], 'y');
}

}  // namespace
}  // namespace flotilla::container

// Snapshots: chain IDs as the image spec defines them, layers unpacked once
// and checked against the config, and an overlay root file system where an
// upper layer's whiteouts hide what the lower one had.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "file_text.h"

#include "base/fs.h"
#include "container/layer_apply.h"
#include "container/snapshots.h"
#include "tar_builder.h"

namespace flotilla::container {
namespace {

using testing::FileText;

using testing::TarBuilder;

TEST(ChainIds, FollowTheImageSpec) {
  Digest a = Digest::Of("a"), b = Digest::Of("b"), c = Digest::Of("c");
  auto chains = ChainIds({a, b, c});
  ASSERT_EQ(chains.size(), 3u);
  EXPECT_EQ(chains[0], a);
  EXPECT_EQ(chains[1], Digest::Of(a.str() + " " + b.str()));
  EXPECT_EQ(chains[2], Digest::Of(chains[1].str() + " " + c.str()));
}

class SnapshotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "snapshots need root (overlay whiteouts, mount)";
    char tmpl[] = "/tmp/flotilla-snap-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    blobs_ = std::make_unique<BlobStore>(dir_ + "/store");
    ASSERT_TRUE(blobs_->Init().ok());
    snaps_ = std::make_unique<Snapshots>(dir_ + "/layers");
    ASSERT_TRUE(snaps_->Init().ok());
  }
  void TearDown() override {
    if (dir_.empty()) return;
    ::umount2((dir_ + "/rootfs").c_str(), MNT_DETACH);
    (void)RemoveTree(dir_);
  }

  // An image of the given layer tars (its manifest and config only as far
  // as Prepare reads them).
  void AddLayer(const std::string& tar) {
    Descriptor d;
    d.media_type = std::string(media::kOciLayer);
    d.digest = *blobs_->Put(tar);
    d.size = int64_t(tar.size());
    manifest_.layers.push_back(d);
    config_.diff_ids.push_back(Digest::Of(tar));
  }

  std::string dir_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<Snapshots> snaps_;
  Manifest manifest_;
  ImageConfig config_;
};

TEST_F(SnapshotsTest, LayersStackIntoARootWhereWhiteoutsHideLowerFiles) {
  AddLayer(
      TarBuilder().File("etc/a", "lower").File("etc/b", "gone").File("d/x", "hidden").Finish());
  AddLayer(
      TarBuilder().File("etc/.wh.b", "").File("d/.wh..wh..opq", "").File("d/y", "new").Finish());
  auto dirs = snaps_->Prepare(*blobs_, manifest_, config_);
  ASSERT_TRUE(dirs.ok()) << dirs.status().ToString();
  ASSERT_EQ(dirs->size(), 2u);
  auto chains = ChainIds(config_.diff_ids);
  EXPECT_TRUE(snaps_->Has(chains[0]));
  EXPECT_TRUE(snaps_->Has(chains[1]));
  std::string root = dir_ + "/rootfs";
  auto st = MountRootfs(*dirs, dir_ + "/upper", dir_ + "/work", root);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(FileText(root + "/etc/a"), "lower");
  EXPECT_NE(::access((root + "/etc/b").c_str(), F_OK), 0);
  EXPECT_NE(::access((root + "/d/x").c_str(), F_OK), 0);
  EXPECT_EQ(FileText(root + "/d/y"), "new");
  // Writes go to the container's upper directory, not the shared layers.
  { std::ofstream(root + "/etc/a") << "changed"; }
  EXPECT_EQ(FileText(dirs->front() + "/etc/a"), "lower");
  EXPECT_EQ(FileText(dir_ + "/upper/etc/a"), "changed");
  // Prepared again: nothing to unpack, the same directories.
  auto again = snaps_->Prepare(*blobs_, manifest_, config_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *dirs);
}

TEST_F(SnapshotsTest, ALayerThatIsNotItsDiffIdIsRefusedAndLeavesNothing) {
  AddLayer(TarBuilder().File("a", "1").Finish());
  config_.diff_ids[0] = Digest::Of("something else");
  auto dirs = snaps_->Prepare(*blobs_, manifest_, config_);
  ASSERT_FALSE(dirs.ok());
  EXPECT_NE(dirs.status().message().find("the image config says"), std::string::npos);
  EXPECT_TRUE(base::RealFs().ListDir(dir_ + "/layers")->empty());
}

}  // namespace
}  // namespace flotilla::container

// The image store with `docker load` and `docker save` archives: what a
// user sees in `docker images` after each, what `rmi` removes, and that
// archives from other tools (skopeo, umoci) load and ours are read by them.
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "file_text.h"

#include "container/image_archive.h"
#include "container/image_store.h"
#include "container/layer_apply.h"
#include "tar_builder.h"
#include "test_images.h"

namespace flotilla::container {
namespace {

using testing::FileText;

using testing::LegacyArchive;

class Images : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flotilla-images-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    auto s = ImageStore::Open(dir_ + "/store");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  size_t BlobCount() { return store_->blobs().List()->size(); }

  std::string dir_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(Images, ALegacyArchiveLoadsWithItsTagsAndConfig) {
  auto img = LegacyArchive({{"bin/hello", "hi"}}, {"hello:latest", "localhost:5000/hello:v1"});
  auto loaded = LoadArchive(*store_, img.archive);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ(LoadMessages(*loaded),
            (std::vector<std::string>{"Loaded image: hello:latest",
                                      "Loaded image: localhost:5000/hello:v1"}));
  auto found = store_->Resolve("hello");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id, Digest::Of(img.config)) << "the image ID is the config's digest";
  EXPECT_EQ(found->tags, (std::vector<std::string>{"hello:latest", "localhost:5000/hello:v1"}));
  EXPECT_EQ(store_->Resolve(std::string(found->id.hex().substr(0, 6)))->id, found->id);
  EXPECT_EQ(store_->Resolve(found->id.str())->id, found->id);
  auto config = store_->ConfigOf(*found);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->config.cmd, std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(config->config.exposed_ports, std::vector<std::string>{"80/tcp"});
  EXPECT_EQ(store_->SizeOf(*found), int64_t(img.layer.size()));
  EXPECT_EQ(BlobCount(), 3u) << "config, layer and manifest; nothing else of the archive";
  EXPECT_EQ(store_->Resolve("nothere").status().message(), "No such image: nothere:latest");
}

TEST_F(Images, TheStoreComesBackAfterReopening) {
  ASSERT_TRUE(LoadArchive(*store_, LegacyArchive({{"a", "1"}}, {"a:1"}).archive).ok());
  store_.reset();
  auto again = ImageStore::Open(dir_ + "/store");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->Resolve("a:1").ok());
}

TEST_F(Images, ALayerThatDoesNotMatchItsConfigIsRefusedAndNothingStays) {
  auto img = LegacyArchive({{"a", "1"}}, {"bad:latest"});
  auto other = LegacyArchive({{"a", "2"}}, {"bad:latest"});
  // The same archive with the layer of another image inside.
  std::string archive = img.archive;
  auto at = archive.find(img.layer);
  ASSERT_NE(at, std::string::npos);
  archive.replace(at, img.layer.size(), other.layer);
  auto loaded = LoadArchive(*store_, archive);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("the config says"), std::string::npos)
      << loaded.status().message();
  EXPECT_TRUE(store_->List().empty());
  EXPECT_EQ(BlobCount(), 0u);
  EXPECT_FALSE(LoadArchive(*store_, "not a tar at all").ok());
  EXPECT_FALSE(LoadArchive(*store_, testing::TarBuilder().File("x", "y").Finish()).ok());
}

// Regression: a failed load dropped every blob it had written, also the
// ones another image already had (a legacy layer.tar has no digest in its
// name), breaking that image.
TEST_F(Images, AFailedLoadLeavesTheBlobsOfOtherImagesAlone) {
  auto img = LegacyArchive({{"a", "1"}}, {"keep:latest"});
  ASSERT_TRUE(LoadArchive(*store_, img.archive).ok());
  size_t before = BlobCount();
  std::string broken = testing::TarBuilder()
                           .File("x/layer.tar", img.layer)
                           .File("manifest.json", "[{\"Layers\":[\"x/layer.tar\"]}]")
                           .Finish();
  ASSERT_FALSE(LoadArchive(*store_, broken).ok());
  EXPECT_EQ(BlobCount(), before);
  auto kept = store_->Resolve("keep");
  ASSERT_TRUE(kept.ok());
  auto manifest = store_->ManifestOf(*kept);
  ASSERT_TRUE(manifest.ok());
  EXPECT_TRUE(store_->blobs().Has(manifest->layers.front().digest));
}

TEST_F(Images, TaggingMovesATagAndRmiUntagsBeforeItDeletes) {
  auto a = LegacyArchive({{"a", "1"}}, {"app:latest"});
  auto b = LegacyArchive({{"b", "2"}}, {"app:old"});
  ASSERT_TRUE(LoadArchive(*store_, a.archive).ok());
  ASSERT_TRUE(LoadArchive(*store_, b.archive).ok());
  auto image_b = *store_->Resolve("app:old");
  ASSERT_TRUE(store_->Tag(image_b.id, *ParseReference("app:latest")).ok());
  EXPECT_EQ(store_->Resolve("app")->id, image_b.id);
  auto image_a = *store_->Resolve(Digest::Of(a.config).str());
  EXPECT_TRUE(image_a.tags.empty()) << "a tag names one image; the old one is left untagged";

  // Two names: rmi by one name only untags.
  auto untag = store_->Remove("app:old", false);
  ASSERT_TRUE(untag.ok());
  EXPECT_EQ(untag->untagged, std::vector<std::string>{"app:old"});
  EXPECT_TRUE(untag->deleted.empty());
  // By ID with several names: refused unless forced.
  ASSERT_TRUE(store_->Tag(image_b.id, *ParseReference("app:two")).ok());
  auto conflict = store_->Remove(std::string(image_b.id.Short()), false);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().message(),
            "conflict: unable to delete " + std::string(image_b.id.Short()) +
                " (must be forced) - image is referenced in multiple repositories");
  // Used by a container: refused.
  auto used = store_->Remove("app:two", false, [&](const Digest&) {
    return std::optional<std::string>("0123456789abcdef");
  });
  ASSERT_TRUE(used.ok()) << "untagging one of two names is fine while in use";
  auto busy = store_->Remove("app:latest", false, [&](const Digest&) {
    return std::optional<std::string>("0123456789abcdef");
  });
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(busy.status().message().find("container 0123456789ab is using its referenced image"),
            std::string::npos)
      << busy.status().message();
  // The last name: untagged and deleted, with the blobs only it used.
  size_t before = BlobCount();
  auto gone = store_->Remove("app:latest", false);
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  EXPECT_EQ(gone->untagged, std::vector<std::string>{"app:latest"});
  ASSERT_FALSE(gone->deleted.empty());
  EXPECT_EQ(gone->deleted.front(), image_b.id);
  EXPECT_EQ(BlobCount(), before - 3);
  EXPECT_FALSE(store_->Resolve(image_b.id.str()).ok());
  EXPECT_TRUE(store_->Resolve(image_a.id.str()).ok());
}

TEST_F(Images, SavedArchivesLoadBackAsTheSameImages) {
  ASSERT_TRUE(LoadArchive(*store_, LegacyArchive({{"a", "1"}}, {"one:latest"}).archive).ok());
  ASSERT_TRUE(LoadArchive(*store_, LegacyArchive({{"b", "2"}}, {"two:latest"}).archive).ok());
  std::string saved;
  auto st = SaveArchive(*store_, {"one", "two:latest"},
                        [&](std::string_view piece) { saved.append(piece); });
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto other = ImageStore::Open(dir_ + "/other");
  ASSERT_TRUE(other.ok());
  auto loaded = LoadArchive(**other, saved);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*other)->Resolve("one")->id, store_->Resolve("one")->id);
  EXPECT_EQ((*other)->Resolve("two")->id, store_->Resolve("two")->id);
  // By ID: the image without a name.
  std::string by_id;
  ASSERT_TRUE(SaveArchive(*store_, {store_->Resolve("one")->id.str()}, [&](std::string_view piece) {
                by_id.append(piece);
              }).ok());
  auto third = ImageStore::Open(dir_ + "/third");
  auto untagged = LoadArchive(**third, by_id);
  ASSERT_TRUE(untagged.ok()) << untagged.status().ToString();
  EXPECT_EQ(LoadMessages(*untagged),
            std::vector<std::string>{"Loaded image ID: " + store_->Resolve("one")->id.str()});
  EXPECT_FALSE(SaveArchive(*store_, {"nope"}, [](std::string_view) {}).ok());
}

TEST_F(Images, ArchivesOfSkopeoAndUmociLoadAndOursAreReadByThem) {
  if (!testing::HaveImageTools())
    GTEST_SKIP() << "umoci, skopeo or busybox-static missing; run scripts/setup";
  std::string layout = testing::BusyboxOciLayout(dir_);
  ASSERT_FALSE(layout.empty());
  std::string out;
  ASSERT_EQ(testing::Shell("skopeo --insecure-policy copy -q oci:" + layout +
                               ":latest docker-archive:" + dir_ +
                               "/docker.tar:busybox:latest && skopeo --insecure-policy copy -q "
                               "oci:" +
                               layout + ":latest oci-archive:" + dir_ + "/oci.tar:localhost/bb:oci",
                           &out),
            0)
      << out;
  auto docker = LoadArchive(*store_, FileText(dir_ + "/docker.tar"));
  ASSERT_TRUE(docker.ok()) << docker.status().ToString();
  EXPECT_EQ(LoadMessages(*docker), std::vector<std::string>{"Loaded image: busybox:latest"});
  auto oci = LoadArchive(*store_, FileText(dir_ + "/oci.tar"));
  ASSERT_TRUE(oci.ok()) << oci.status().ToString();
  EXPECT_EQ(LoadMessages(*oci), std::vector<std::string>{"Loaded image: localhost/bb:oci"});
  auto image = *store_->Resolve("busybox");
  EXPECT_EQ(store_->ConfigOf(image)->config.cmd, std::vector<std::string>{"/bin/sh"});

  // The layers make a root file system with a working busybox.
  std::string rootfs = dir_ + "/rootfs";
  ASSERT_EQ(::mkdir(rootfs.c_str(), 0755), 0);
  auto manifest = store_->ManifestOf(image);
  ASSERT_TRUE(manifest.ok());
  for (const auto& layer : manifest->layers) {
    auto st = ApplyLayerFile(store_->blobs().PathOf(layer.digest), rootfs, WhiteoutMode::kApply);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
  }
  ASSERT_EQ(testing::Shell(rootfs + "/bin/echo unpacked", &out), 0);
  EXPECT_EQ(out, "unpacked\n");

  // skopeo reads what we save, in both of the forms it holds.
  std::string saved;
  ASSERT_TRUE(
      SaveArchive(*store_, {"busybox:latest"}, [&](std::string_view p) { saved.append(p); }).ok());
  { std::ofstream(dir_ + "/saved.tar") << saved; }
  ASSERT_EQ(testing::Shell("skopeo inspect --config docker-archive:" + dir_ + "/saved.tar", &out),
            0)
      << out;
  EXPECT_NE(out.find("\"/bin/sh\""), std::string::npos) << out;
  ASSERT_EQ(testing::Shell("skopeo --insecure-policy copy -q oci-archive:" + dir_ +
                               "/saved.tar:latest dir:" + dir_ + "/copied",
                           &out),
            0)
      << out;
}

}  // namespace
}  // namespace flotilla::container

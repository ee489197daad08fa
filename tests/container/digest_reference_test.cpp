#include <gtest/gtest.h>

#include "container/digest.h"
#include "container/reference.h"

namespace flotilla::container {
namespace {

TEST(Digest, OfMatchesTheKnownSha256) {
  EXPECT_EQ(Digest::Of("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Digest::Of("abc").str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, StreamingEqualsWhole) {
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Finish(), Digest::Of("abc"));
  h.Update("abc");  // starts over after Finish
  EXPECT_EQ(h.Finish(), Digest::Of("abc"));
}

TEST(Digest, ParseAcceptsOnlyLowercaseSha256) {
  std::string hex(64, 'a');
  ASSERT_TRUE(Digest::Parse("sha256:" + hex).ok());
  EXPECT_EQ(Digest::Parse("sha256:" + hex)->Short(), "aaaaaaaaaaaa");
  EXPECT_FALSE(Digest::Parse("sha256:" + std::string(64, 'A')).ok());
  EXPECT_FALSE(Digest::Parse("sha256:" + hex.substr(1)).ok());
  EXPECT_FALSE(Digest::Parse(hex).ok());
  auto other = Digest::Parse("sha512:" + std::string(128, 'a'));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().message(), "unsupported digest algorithm: sha512");
}

TEST(Reference, OneComponentNamesAreDockerHubLibraryImagesTaggedLatest) {
  auto r = ParseReference("busybox");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->domain, "docker.io");
  EXPECT_EQ(r->path, "library/busybox");
  EXPECT_EQ(r->tag, "latest");
  EXPECT_EQ(r->Familiar(), "busybox");
  EXPECT_EQ(r->FullName(), "docker.io/library/busybox");
  EXPECT_EQ(r->String(), "busybox:latest");
}

TEST(Reference, RegistryHostIsTheFirstComponentWithADotColonOrLocalhost) {
  auto r = ParseReference("localhost:5000/team/app:v1.2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->domain, "localhost:5000");
  EXPECT_EQ(r->path, "team/app");
  EXPECT_EQ(r->tag, "v1.2");
  EXPECT_EQ(r->Familiar(), "localhost:5000/team/app");
  auto hub = ParseReference("team/app");
  ASSERT_TRUE(hub.ok());
  EXPECT_EQ(hub->FullName(), "docker.io/team/app");
  EXPECT_EQ(hub->Familiar(), "team/app");
  auto explicit_hub = ParseReference("docker.io/library/busybox:1");
  ASSERT_TRUE(explicit_hub.ok());
  EXPECT_EQ(explicit_hub->String(), "busybox:1");
  auto dotted = ParseReference("docker.io/a.b/c");
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(dotted->Familiar(), "docker.io/a.b/c") << "a.b/c would name the registry a.b";
  EXPECT_EQ(ParseReference(dotted->String())->FullName(), "docker.io/a.b/c");
  auto host = ParseReference("registry.example/x");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->domain, "registry.example");
}

TEST(Reference, DigestReferencesHaveNoDefaultTag) {
  std::string d = "sha256:" + std::string(64, 'b');
  auto r = ParseReference("busybox@" + d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tag, "");
  ASSERT_TRUE(r->digest);
  EXPECT_EQ(r->String(), "busybox@" + d);
}

TEST(Reference, BadNamesGetDockersMessages) {
  EXPECT_EQ(ParseReference("Busybox").status().message(),
            "invalid reference format: repository name (library/Busybox) must be lowercase");
  for (const char* bad : {"", "a:", ":tag", "a/:x", "-a", "a//b", "a b", "a:t@g", "a@sha256:x",
                          "localhost:port/a", "a..b"})
    EXPECT_FALSE(ParseReference(bad).ok()) << bad;
  EXPECT_TRUE(ParseReference("a__b/c-d.e_f:T_1.2-3").ok());
}

}  // namespace
}  // namespace flotilla::container

// The real docker CLI against `flotilla engine`: what a user types to move
// images around without a registry (load, images, tag, inspect, save, rmi,
// history) and what they see, errors included.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <regex>

#include <gtest/gtest.h>

#include "cluster_process.h"
#include "subprocess.h"
#include "test_images.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

std::string DockerCli() {
  for (const char* p : {"/usr/local/bin/docker", "/usr/bin/docker"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

class DockerImages : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (DockerCli().empty() || !HaveImageTools()) return;
    dir_ = new std::string(MakeTempDir("docker-images"));
    std::string layout = BusyboxOciLayout(*dir_);
    if (layout.empty()) return;
    std::string out;
    if (Shell("skopeo --insecure-policy copy -q oci:" + layout + ":latest docker-archive:" + *dir_ +
                  "/busybox.tar:busybox:latest",
              &out) != 0) {
      std::fprintf(stderr, "skopeo: %s\n", out.c_str());
      return;
    }
    archive_ = new std::string(*dir_ + "/busybox.tar");
  }
  static void TearDownTestSuite() {
    if (dir_) Shell("rm -rf " + *dir_);
    delete dir_;
    delete archive_;
    dir_ = archive_ = nullptr;
  }

  void SetUp() override {
    if (DockerCli().empty()) GTEST_SKIP() << "no docker CLI (scripts/setup installs docker.io)";
    if (!archive_) GTEST_SKIP() << "umoci, skopeo or busybox-static missing; run scripts/setup";
    home_ = MakeTempDir("docker-home");
    StartEngine();
  }
  void TearDown() override {
    engine_.reset();
    if (!home_.empty()) Shell("rm -rf " + home_);
  }

  void StartEngine() {
    engine_ = std::make_unique<Process>(
        *Process::Spawn({FLOTILLA_BINARY, "engine", "-H", "unix://" + home_ + "/docker.sock",
                         "--data-root", home_ + "/root"},
                        {}, home_ + "/engine.log"));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Docker({"version"}).code == 0) return;
      std::this_thread::sleep_for(20ms);
    }
    FAIL() << "the engine did not answer; log in " << home_ << "/engine.log";
  }

  ProcessResult Docker(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), DockerCli());
    return RunProcess(args,
                      {"DOCKER_HOST=unix://" + home_ + "/docker.sock", "HOME=" + home_,
                       "DOCKER_CONFIG=" + home_ + "/.docker", "PATH=/usr/bin:/bin"},
                      input, 60s);
  }

  static std::string* dir_;
  static std::string* archive_;
  std::string home_;
  std::unique_ptr<Process> engine_;
};

std::string* DockerImages::dir_ = nullptr;
std::string* DockerImages::archive_ = nullptr;

TEST_F(DockerImages, LoadListTagInspectSaveAndRemove) {
  auto empty = Docker({"images"});
  ASSERT_EQ(empty.code, 0) << empty.err;
  EXPECT_EQ(empty.out, "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n");

  auto load = Docker({"load", "-i", *archive_});
  ASSERT_EQ(load.code, 0) << load.err;
  EXPECT_EQ(load.out, "Loaded image: busybox:latest\n");

  auto list = Docker({"images"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_TRUE(std::regex_search(
      list.out, std::regex("\nbusybox +latest +[0-9a-f]{12} +[^\n]+ago +[0-9.]+MB\n")))
      << list.out;

  ASSERT_EQ(Docker({"tag", "busybox", "localhost:5000/bb:v1"}).code, 0);
  auto names = Docker({"images", "--format", "{{.Repository}}:{{.Tag}}"});
  EXPECT_EQ(names.out, "busybox:latest\nlocalhost:5000/bb:v1\n");

  auto inspect = Docker({"image", "inspect", "-f", "{{.Id}} {{.Config.Cmd}} {{.Os}}", "busybox"});
  ASSERT_EQ(inspect.code, 0) << inspect.err;
  EXPECT_TRUE(
      std::regex_match(inspect.out, std::regex("sha256:[0-9a-f]{64} \\[/bin/sh\\] linux\n")))
      << inspect.out;
  std::string id = inspect.out.substr(0, 71);

  auto history = Docker({"history", "-q", "busybox"});
  ASSERT_EQ(history.code, 0) << history.err;
  EXPECT_NE(history.out.find(id.substr(7, 12)), std::string::npos) << history.out;

  std::string saved = home_ + "/saved.tar";
  auto save = Docker({"save", "-o", saved, "busybox"});
  ASSERT_EQ(save.code, 0) << save.err;
  std::string out;
  ASSERT_EQ(Shell("skopeo inspect --config docker-archive:" + saved, &out), 0) << out;

  auto rmi = Docker({"rmi", "busybox", "localhost:5000/bb:v1"});
  ASSERT_EQ(rmi.code, 0) << rmi.err;
  EXPECT_TRUE(std::regex_search(
      rmi.out, std::regex("^Untagged: busybox:latest\nUntagged: localhost:5000/bb:v1\nDeleted: " +
                          id + "\n")))
      << rmi.out;
  EXPECT_EQ(Docker({"images", "-q"}).out, "");

  auto again = Docker({"load", "-i", saved});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, "Loaded image: busybox:latest\n");
  EXPECT_EQ(Docker({"image", "inspect", "-f", "{{.Id}}", "busybox"}).out, id + "\n");
}

TEST_F(DockerImages, ErrorsReadAsDockersAndLoseNothing) {
  ASSERT_EQ(Docker({"load", "-i", *archive_}).code, 0);
  auto missing = Docker({"rmi", "nothere"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("Error response from daemon: No such image: nothere:latest"),
            std::string::npos)
      << missing.err;
  auto inspect = Docker({"image", "inspect", "nothere"});
  EXPECT_EQ(inspect.code, 1);
  EXPECT_NE(inspect.err.find("No such image"), std::string::npos) << inspect.err;
  auto garbage = Docker({"load"}, std::string(5000, 'x'));
  EXPECT_EQ(garbage.code, 1);
  EXPECT_NE(garbage.err.find("Error response from daemon"), std::string::npos) << garbage.err;
  auto bad_tag = Docker({"tag", "busybox", "Bad:Name"});
  EXPECT_NE(bad_tag.code, 0);
  // Two names: removing the image by ID needs -f.
  ASSERT_EQ(Docker({"tag", "busybox", "other"}).code, 0);
  std::string id = Docker({"images", "-q", "busybox"}).out.substr(0, 12);
  auto conflict = Docker({"rmi", id});
  EXPECT_EQ(conflict.code, 1);
  EXPECT_NE(conflict.err.find("must be forced) - image is referenced in multiple repositories"),
            std::string::npos)
      << conflict.err;
  EXPECT_EQ(Docker({"images", "--format", "{{.Repository}}"}).out, "busybox\nother\n");
  ASSERT_EQ(Docker({"rmi", "-f", id}).code, 0);
  EXPECT_EQ(Docker({"images", "-q"}).out, "");
}

TEST_F(DockerImages, ImagesOutliveTheEngine) {
  ASSERT_EQ(Docker({"load", "-i", *archive_}).code, 0);
  engine_.reset();  // SIGKILL
  StartEngine();
  EXPECT_EQ(Docker({"images", "--format", "{{.Repository}}:{{.Tag}}"}).out, "busybox:latest\n");
}

}  // namespace
}  // namespace flotilla::testing

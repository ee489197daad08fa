// What the fleetctl tests share: a FakeFleetApi with three machines, a
// temporary directory for local unit files, and the real binary run as
// `flotilla fleetctl ...` with FLEETCTL_ENDPOINT pointing at the fake (or
// run from a directory, for relative unit paths).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cluster_process.h"
#include "fleetctl_fake_api.h"
#include "subprocess.h"

namespace flotilla::testing {

inline constexpr char kM1[] = "ee5398cf8e4b4b1a9d0f4c2f1b0c9e71";
inline constexpr char kM2[] = "f7e41c2a3b5d4e6f8a9b0c1d2e3f4a5b";
inline constexpr char kM3[] = "fa01b2c3d4e5f60718293a4b5c6d7e8f";
// How fleetctl shows kM1 where a unit runs.
inline constexpr char kM1Legend[] = "ee5398cf.../10.208.201.250";

inline constexpr char kHelloUnit[] = R"([Unit]
Description=Hello World

[Service]
ExecStart=/bin/sh -c "while true; do echo Hello World; sleep 1; done"
)";

inline std::vector<FakeFleetApi::Option> HelloOptions() {
  return {
      {"Unit", "Description", "Hello World"},
      {"Service", "ExecStart", "/bin/sh -c \"while true; do echo Hello World; sleep 1; done\""}};
}

class FleetctlTest : public ::testing::Test {
 protected:
  FleetctlTest() : api_(2) {
    api_.AddMachine({kM1, "10.208.201.250", {{"role", "web"}, {"region", "us-west"}}});
    api_.AddMachine({kM2, "10.208.201.251", {}});
    api_.AddMachine({kM3, "", {{"disk", "ssd"}}});
    dir_ = MakeTempDir("fleetctl-units");
  }
  ~FleetctlTest() override { RemoveTree(dir_); }

  Env BaseEnv() const { return {"FLEETCTL_ENDPOINT=" + api_.url(), "PATH=/usr/bin:/bin"}; }

  // `flotilla fleetctl args...`, in the test's working directory.
  ProcessResult Fleetctl(std::vector<std::string> args, const Env& extra = {}) {
    args.insert(args.begin(), {FLOTILLA_BINARY, "fleetctl"});
    Env env = BaseEnv();
    env.insert(env.end(), extra.begin(), extra.end());
    return RunProcess(args, env);
  }

  // The same from dir_, so that unit arguments can be bare file names.
  ProcessResult FleetctlInDir(const std::vector<std::string>& args) {
    return RunProcess(ShellInDir(args), BaseEnv());
  }
  std::vector<std::string> ShellInDir(const std::vector<std::string>& args) const {
    std::string cmd = "cd '" + dir_ + "' && exec '" + FLOTILLA_BINARY + "' fleetctl";
    for (const auto& a : args) cmd += " '" + a + "'";
    return {"/bin/sh", "-c", cmd};
  }

  std::string WriteUnit(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  // A unit as fleet holds it after `fleetctl start` finished.
  FakeFleetApi::Unit Launched(const std::string& name,
                              std::vector<FakeFleetApi::Option> options = HelloOptions()) {
    return {name, std::move(options), "launched", "launched", kM1, ""};
  }

  FakeFleetApi api_;
  std::string dir_;
};

}  // namespace flotilla::testing

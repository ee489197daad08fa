// fleet on Debian's etcd 3.4 (--enable-v2) instead of flotilla's store: two
// `flotilla serve` machines pointed at it with --etcd-endpoints, driven with
// `flotilla fleetctl`: the smoke subset of the fleet scenarios (machines
// listed, a unit started, listed and read back, moved when its machine
// dies). Skipped with a message when etcd is not installed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "cluster_process.h"
#include "service/leftovers.h"
#include "subprocess.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kUnit = "[Service]\nExecStart=/bin/sleep 1000\n";

class FleetOnRealEtcd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveEtcd()) GTEST_SKIP() << "real etcd (/usr/bin/etcd) is not installed";
    etcd_ = StartEtcd();
    ASSERT_TRUE(etcd_.has_value());
    machines_ = StartCluster(2, false, {"--agent-ttl", "2s", "--etcd-endpoints", etcd_->url});
    ASSERT_TRUE(machines_.has_value());
    dir_ = MakeTempDir("flotilla-fleet-etcd");
  }
  void TearDown() override {
    if (machines_) {
      for (auto& m : *machines_) {
        if (m.process.running()) m.process.Signal(SIGTERM), m.process.Wait(20s);
        service::StopLeftovers(service::FindLeftovers(m.data_dir + "/service"), 1s);
      }
    }
    machines_.reset();
    etcd_.reset();
    if (!dir_.empty()) RemoveTree(dir_);
  }

  ProcessResult Fleetctl(int member, std::vector<std::string> args) {
    args.insert(args.begin(), {FLOTILLA_BINARY, "fleetctl"});
    return RunProcess(args,
                      {"PATH=/usr/bin:/bin", "FLEETCTL_ENDPOINT=" + (*machines_)[member].url});
  }

  // Polls `fleetctl args` on `member` until `ok(out)` holds (fleet's WaitFor*).
  bool WaitFor(int member, std::vector<std::string> args,
               const std::function<bool(const std::string&)>& ok) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = Fleetctl(member, args);
      if (r.code == 0 && ok(r.out)) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  std::optional<ServerProcess> etcd_;
  std::optional<std::vector<ServerProcess>> machines_;
  std::string dir_;
};

size_t Lines(const std::string& s) {
  return std::count(s.begin(), s.end(), '\n');
}

TEST_F(FleetOnRealEtcd, unitsRunListAndMoveWhenTheirMachineDies) {
  ASSERT_TRUE(WaitFor(0, {"list-machines", "--no-legend"},
                      [](const std::string& out) { return Lines(out) == 2; }));
  std::string path = dir_ + "/hello.service";
  std::ofstream(path) << kUnit;
  auto start = Fleetctl(0, {"start", path});
  ASSERT_EQ(start.code, 0) << start.out << start.err;
  EXPECT_NE(start.out.find("Unit hello.service launched on "), std::string::npos) << start.out;
  std::string where;
  ASSERT_TRUE(WaitFor(1, {"list-units", "--no-legend", "--fields", "unit,machine,active"},
                      [&](const std::string& out) {
                        std::istringstream in(out);
                        std::string unit, machine, active;
                        if (!(in >> unit >> machine >> active) || active != "active") return false;
                        where = machine.substr(0, 8);
                        return unit == "hello.service";
                      }));
  auto cat = Fleetctl(1, {"cat", "hello.service"});
  EXPECT_EQ(cat.out, "[Service]\nExecStart=/bin/sleep 1000\n");

  // The machine running it dies; the other one takes the unit.
  int victim = -1;
  for (int m = 0; m < 2; ++m) {
    std::ifstream f((*machines_)[m].data_dir + "/machine-id");
    std::string id;
    f >> id;
    if (id.substr(0, 8) == where) victim = m;
  }
  ASSERT_GE(victim, 0);
  (*machines_)[victim].process.Kill();
  service::StopLeftovers(service::FindLeftovers((*machines_)[victim].data_dir + "/service"), 1s);
  int other = 1 - victim;
  EXPECT_TRUE(WaitFor(other, {"list-units", "--no-legend", "--fields", "unit,machine,active"},
                      [&](const std::string& out) {
                        return out.find("hello.service") != std::string::npos &&
                               out.find(where) == std::string::npos &&
                               out.find("active") != std::string::npos;
                      }))
      << Fleetctl(other, {"list-units"}).out;
}

}  // namespace
}  // namespace flotilla::testing

// The fleet-services scenario of the CoreOS workshops, on a local cluster
// of four `flotilla serve` machines, driven with `flotilla fleetctl` and
// `flotilla etcdctl` as a workshop attendee typed them: the database and
// its sidekick (MachineOf), ten web servers from a template spread over the
// machines, ten sidekicks that announce them under /services/web, the
// loop of `etcdctl get` over those keys, and failover when a machine dies.
// The unit files are examples/ as users see them; a stand-in plays docker
// (tests/support/docker_standin.h) until the container engine lands.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cluster_process.h"
#include "docker_standin.h"
#include "service/leftovers.h"
#include "subprocess.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

const std::string kExamples = std::string(FLOTILLA_SOURCE_DIR) + "/examples/";

class FleetWorkshop : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("flotilla-workshop");
    std::string docker = dir_ + "/docker";
    std::ofstream(docker) << kDockerStandIn;
    ::chmod(docker.c_str(), 0755);
    // The machines' units find the stand-in on PATH (serve passes its PATH on).
    const char* path = std::getenv("PATH");
    old_path_ = path ? path : "";
    ::setenv("PATH", (dir_ + ":" + old_path_).c_str(), 1);
    cluster_ = StartCluster(4, false, {"--agent-ttl", "2s"});
    ::setenv("PATH", old_path_.c_str(), 1);
    ASSERT_TRUE(cluster_.has_value());
  }

  void TearDown() override {
    if (cluster_) {
      for (auto& m : *cluster_) {
        if (!m.process.running()) continue;
        m.process.Signal(SIGTERM);  // fleet's purge stops the units
        m.process.Wait(20s);
      }
      for (auto& m : *cluster_) KillUnits(m);
    }
    cluster_.reset();
    RemoveTree(dir_);
  }

  // Unit processes a machine left (it was killed): gone with the machine.
  static void KillUnits(const ServerProcess& m) {
    service::StopLeftovers(service::FindLeftovers(m.data_dir + "/service"), 1s);
  }

  ProcessResult Run(int member, std::vector<std::string> args) {
    args.insert(args.begin(), FLOTILLA_BINARY);
    return RunProcess(args, {"PATH=/usr/bin:/bin", "FLEETCTL_ENDPOINT=" + (*cluster_)[member].url,
                             "ETCDCTL_ENDPOINT=" + (*cluster_)[member].url});
  }

  // unit -> machine (8-char id) of the units fleetctl lists as active.
  std::map<std::string, std::string> ActiveUnits(int member) {
    auto r =
        Run(member, {"fleetctl", "list-units", "--no-legend", "--fields", "unit,machine,active"});
    std::map<std::string, std::string> out;
    std::istringstream in(r.out);
    std::string unit, machine, active;
    while (in >> unit >> machine >> active)
      if (active == "active") out[unit] = machine.substr(0, 8);
    return out;
  }

  bool WaitForActive(int member, size_t n, std::chrono::seconds timeout,
                     std::map<std::string, std::string>* units) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      *units = ActiveUnits(member);
      if (units->size() == n) return true;
      std::this_thread::sleep_for(200ms);  // a poll interval, as fleet's WaitForNActiveUnits
    }
    return false;
  }

  std::string dir_, old_path_;
  std::optional<std::vector<ServerProcess>> cluster_;
};

std::string Nn(int i) {
  return (i < 10 ? "0" : "") + std::to_string(i);
}

TEST_F(FleetWorkshop, fleetServicesScenario_spreadsAnnouncesAndFailsOver) {
  auto& cluster = *cluster_;
  // The machines register once their store is up (fleet's WaitForNMachines).
  ProcessResult lm;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    lm = Run(0, {"fleetctl", "list-machines", "--no-legend"});
    if (lm.code == 0 && std::count(lm.out.begin(), lm.out.end(), '\n') == 4) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(lm.code, 0) << lm.err;
  ASSERT_EQ(std::count(lm.out.begin(), lm.out.end(), '\n'), 4) << lm.out;

  // The database and its sidekick.
  auto db =
      Run(0, {"fleetctl", "start", kExamples + "db.service", kExamples + "db-discovery.service"});
  ASSERT_EQ(db.code, 0) << db.out << db.err;
  EXPECT_NE(db.out.find("Unit db.service launched on "), std::string::npos) << db.out;

  // Ten web servers and their announcers, from templates.
  auto sub =
      Run(0, {"fleetctl", "submit", kExamples + "web@.service", kExamples + "monweb@.service"});
  ASSERT_EQ(sub.code, 0) << sub.err;
  std::vector<std::string> start = {"fleetctl", "start"};
  for (int i = 1; i <= 10; ++i) start.push_back("web@" + Nn(i) + ".service");
  for (int i = 1; i <= 10; ++i) start.push_back("monweb@" + Nn(i) + ".service");
  auto st = Run(0, start);
  ASSERT_EQ(st.code, 0) << st.out << st.err;

  std::map<std::string, std::string> units;
  ASSERT_TRUE(WaitForActive(0, 22, 60s, &units)) << Run(0, {"fleetctl", "list-units"}).out;
  EXPECT_EQ(units["db-discovery.service"], units["db.service"]);
  std::set<std::string> web_machines;
  for (int i = 1; i <= 10; ++i) {
    web_machines.insert(units["web@" + Nn(i) + ".service"]);
    EXPECT_EQ(units["monweb@" + Nn(i) + ".service"], units["web@" + Nn(i) + ".service"]) << i;
  }
  EXPECT_EQ(web_machines.size(), 4u) << "the web servers should use every machine";

  // The announcements, read the way the workshop's loop read them.
  auto announced = [&](int member) {
    for (int i = 1; i <= 10; ++i) {
      auto port = Run(member, {"etcdctl", "get", "/services/web/web" + Nn(i) + "/port"});
      auto unit = Run(member, {"etcdctl", "get", "/services/web/web" + Nn(i) + "/unit"});
      if (port.out != "80" + Nn(i) + "\n" || unit.out != "web@" + Nn(i) + ".service\n")
        return false;
    }
    return true;
  };
  deadline = std::chrono::steady_clock::now() + 30s;
  while (!announced(1) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(announced(1));
  auto dbkey = Run(2, {"etcdctl", "get", "/services/db"});
  EXPECT_NE(dbkey.out.find("\"port\": 5432"), std::string::npos) << dbkey.out << dbkey.err;

  // A machine dies (not the one fleetctl talks to): its units move, the
  // others stay where they are.
  std::map<std::string, std::string> ids;  // short id -> member index
  for (int m = 1; m < 4; ++m) {
    std::ifstream f(cluster[m].data_dir + "/machine-id");
    std::string id;
    f >> id;
    ids[id.substr(0, 8)] = std::to_string(m);
  }
  std::string victim = units["web@01.service"] == units["db.service"] ? units["web@02.service"]
                                                                      : units["web@01.service"];
  if (!ids.count(victim)) victim = ids.begin()->first;  // web@01 ran on member 0
  int v = std::stoi(ids[victim]);
  cluster[v].process.Kill();
  KillUnits(cluster[v]);
  std::map<std::string, std::string> after;
  auto moved = [&] {
    if (!WaitForActive(0, 22, 1s, &after)) return false;
    for (const auto& [u, m] : after)
      if (m == victim) return false;
    return true;
  };
  deadline = std::chrono::steady_clock::now() + 60s;
  while (!moved() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(moved()) << Run(0, {"fleetctl", "list-units"}).out
                       << Run(0, {"fleetctl", "status", "web@01.service", "web@04.service"}).out;
  for (const auto& [u, m] : units) {
    if (m == victim) continue;
    EXPECT_EQ(after[u], m) << u << " moved though its machine lives";
  }
  for (int i = 1; i <= 10; ++i)
    EXPECT_EQ(after["monweb@" + Nn(i) + ".service"], after["web@" + Nn(i) + ".service"]) << i;
  EXPECT_TRUE(announced(0));
}

}  // namespace
}  // namespace flotilla::testing

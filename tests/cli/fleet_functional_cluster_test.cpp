// fleet's functional tests of a changing cluster (functional/
// cluster_test.go, node_test.go, connectivity-loss_test.go, and
// scheduling_test.go's MachineOf; shared/reference/fleet.md sections 4.5
// and 5): machines stop, come back as new machines, lose the store. Every
// `flotilla serve` is a store member and a fleet machine, so a cluster that
// loses a member keeps a quorum only with three or more members.
//
// "systemctl stop fleet" is SIGTERM to the member (fleet's purge), and a
// rebooted machine comes back on its data dir with a new machine id
// (fleet's harness recreates the container). A machine losing the store is
// either its fleet cut from its store member (StoreLink, no root needed:
// fleet's single-node test), or its member isolated from the other members
// in network namespaces (root only; skipped otherwise).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "fleet_cluster.h"
#include "net/http_client.h"
#include "netns.h"
#include "service/proc.h"
#include "store_link.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

std::string NewMachineId() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) id += kHex[rd() % 16];
  return id;
}

std::string Conflict(int i) {
  return "conflict." + std::to_string(i) + ".service";
}

void WriteConflicts(const FleetCluster& c, int n) {
  for (int i = 0; i < n; ++i) {
    c.WriteUnit(Conflict(i), fixtures::Loop("Hello, World!", {"Conflicts=conflict.*.service"}));
  }
}

// HTTP status of GET `url` + `target` (-1 if unreachable).
int HttpStatus(const std::string& url, const std::string& target) {
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return -1;
  net::HttpClient client(*parsed);
  auto r = client.Do("GET", target, {}, {}, std::chrono::seconds(2));
  return r.ok() ? r->status : -1;
}

// Three ping/pong pairs (pong.N: MachineOf=ping.N) each on one machine;
// when the host of ping.1 stops, the pair moves together, and the others
// stay where they are.
TEST(FleetFunctionalCluster, ScheduleMachineOf) {
  auto c = FleetCluster::Start(3);
  ASSERT_TRUE(c);
  for (int i = 0; i < 3; ++i) {
    std::string n = std::to_string(i);
    c->WriteUnit("ping." + n + ".service", fixtures::Loop("ping"));
    c->WriteUnit("pong." + n + ".service",
                 fixtures::Loop("pong", {"MachineOf=ping." + n + ".service"}));
    auto r =
        c->Fleetctl(0, {"start", "--no-block", "ping." + n + ".service", "pong." + n + ".service"});
    ASSERT_EQ(r.code, 0) << Said(r);
  }
  auto files = c->ListUnitFiles(0);
  ASSERT_TRUE(files);
  EXPECT_EQ(files->size(), 6u);
  ActiveUnits active;
  ASSERT_TRUE(c->WaitForNActiveUnits(0, 6, &active));
  for (int i = 0; i < 3; ++i) {
    std::string n = std::to_string(i);
    std::string ping = OnlyMachine(active, "ping." + n + ".service");
    EXPECT_FALSE(ping.empty()) << Show(active);
    EXPECT_EQ(OnlyMachine(active, "pong." + n + ".service"), ping) << Show(active);
  }

  const std::string old_machine = OnlyMachine(active, "ping.1.service");
  int host = c->MemberOf(old_machine);
  ASSERT_GE(host, 0);
  ASSERT_TRUE(c->StopMember(host));
  int via = c->Other(host);
  ASSERT_TRUE(c->WaitForNMachines(via, 2));
  ActiveUnits after;
  ASSERT_TRUE(c->WaitForNActiveUnits(via, 6, &after));
  std::string moved = OnlyMachine(after, "ping.1.service");
  EXPECT_NE(moved, old_machine) << "ping.1.service did not migrate:\n" << Show(after);
  EXPECT_EQ(OnlyMachine(after, "pong.1.service"), moved)
      << "pong.1.service did not migrate with ping.1.service:\n"
      << Show(after);
  for (const char* unit :
       {"ping.0.service", "pong.0.service", "ping.2.service", "pong.2.service"}) {
    EXPECT_EQ(OnlyMachine(after, unit), OnlyMachine(active, unit)) << unit << " moved";
  }
}

// Four machines, three mutually conflicting units; when the host of
// conflict.1 stops, conflict.1 moves to the empty machine, and the other
// two neither move nor restart (same main process).
TEST(FleetFunctionalCluster, DynamicClusterNewMemberUnitMigration) {
  auto c = FleetCluster::Start(4);
  ASSERT_TRUE(c);
  WriteConflicts(*c, 3);
  auto r = c->Fleetctl(0, {"start", Conflict(0), Conflict(1), Conflict(2)});
  ASSERT_EQ(r.code, 0) << Said(r);
  std::vector<FleetUnitState> listed;
  ASSERT_TRUE(c->WaitForNUnits(0, 3, &listed));
  ActiveUnits before;
  ASSERT_TRUE(c->WaitForNActiveUnits(0, 3, &before));
  std::map<std::string, int> pids;
  for (int i : {0, 2}) {
    pids[Conflict(i)] = c->MainPid(0, Conflict(i));
    ASSERT_GT(pids[Conflict(i)], 0);
  }

  const std::string old_machine = OnlyMachine(before, Conflict(1));
  int host = c->MemberOf(old_machine);
  ASSERT_GE(host, 0);
  ASSERT_TRUE(c->StopMember(host));
  int via = c->Other(host);
  ASSERT_TRUE(c->WaitForNMachines(via, 3));
  ActiveUnits after;
  ASSERT_TRUE(c->WaitForNActiveUnits(via, 3, &after));

  std::string moved = OnlyMachine(after, Conflict(1));
  EXPECT_NE(moved, old_machine) << Show(after);
  EXPECT_NE(moved, OnlyMachine(before, Conflict(0))) << "landed on an occupied machine";
  EXPECT_NE(moved, OnlyMachine(before, Conflict(2))) << "landed on an occupied machine";
  for (int i : {0, 2}) {
    EXPECT_EQ(OnlyMachine(after, Conflict(i)), OnlyMachine(before, Conflict(i)))
        << Conflict(i) << " moved: churn";
    EXPECT_EQ(c->MainPid(via, Conflict(i)), pids[Conflict(i)]) << Conflict(i) << " restarted";
  }
}

// Three machines, three conflicting units; member 1 powers off (purge)
// and comes back as a new machine: three active again, exactly one unit
// on another machine than before (the one member 1 ran, now on its new
// machine).
TEST(FleetFunctionalCluster, DynamicClusterMemberReboot) {
  auto c = FleetCluster::Start(3);
  ASSERT_TRUE(c);
  WriteConflicts(*c, 3);
  auto r = c->Fleetctl(0, {"start", Conflict(0), Conflict(1), Conflict(2)});
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits before;
  ASSERT_TRUE(c->WaitForNActiveUnits(0, 3, &before));

  const std::string old_id = c->machine_id(1);
  ASSERT_TRUE(c->StopMember(1));
  ASSERT_TRUE(c->WaitForNMachines(0, 2));
  ASSERT_TRUE(c->RestartMember(1, {"--machine-id", NewMachineId()}));
  ASSERT_NE(c->machine_id(1), old_id);
  ASSERT_TRUE(c->WaitForNMachines(0, 3));
  ActiveUnits after;
  ASSERT_TRUE(c->WaitForNActiveUnits(0, 3, &after));

  int migrated = 0;
  for (int i = 0; i < 3; ++i) {
    if (OnlyMachine(before, Conflict(i)) != OnlyMachine(after, Conflict(i))) {
      ++migrated;
      EXPECT_EQ(OnlyMachine(before, Conflict(i)), old_id);
      EXPECT_EQ(OnlyMachine(after, Conflict(i)), c->machine_id(1));
    }
  }
  EXPECT_EQ(migrated, 1) << "before:\n" << Show(before) << "after:\n" << Show(after);
}

// A unit pinned to m1 (pin@<id>: MachineID=%i); m1 stops: the others see
// two machines and no active unit (its state purged, the unit not
// rescheduled but waiting for its machine), and its process is gone.
TEST(FleetFunctionalCluster, NodeShutdown) {
  auto c = FleetCluster::Start(3);
  ASSERT_TRUE(c);
  c->WriteUnit("pin@.service", fixtures::Loop("Hello, World!", {"MachineID=%i"}));
  const std::string unit = "pin@" + c->machine_id(0) + ".service";
  auto r = c->Fleetctl(0, {"start", unit});
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits active;
  ASSERT_TRUE(c->WaitForNActiveUnits(0, 1, &active));
  ASSERT_EQ(OnlyMachine(active, unit), c->machine_id(0)) << Show(active);
  int pid = c->MainPid(0, unit);
  ASSERT_TRUE(service::ProcessLive(pid));

  ASSERT_TRUE(c->StopMember(0));
  ASSERT_TRUE(c->WaitForNMachines(1, 2));
  ASSERT_TRUE(c->WaitForNActiveUnits(1, 0));
  EXPECT_TRUE(FleetCluster::WaitFor(
      unit + " left unplaced, waiting for its machine", [&](std::string* seen) {
        auto files = c->ListUnitFiles(1);
        if (!files || files->size() != 1) return false;
        const auto& f = (*files)[0];
        *seen = f.unit + " " + f.dstate + " " + f.state + " " + f.target + " " + f.reason;
        return f.dstate == "launched" && f.target.empty() &&
               f.reason.find("MachineID") != std::string::npos;
      }));
  auto states = c->ListUnits(1);
  ASSERT_TRUE(states);
  EXPECT_TRUE(states->empty()) << "the stopped machine's unit state is still listed";
  EXPECT_FALSE(service::ProcessLive(pid))
      << "the unit's process " << pid << " survived its machine's stop";
  EXPECT_TRUE(c->UnitProcesses(0).empty());
}

// fleet's TestSingleNodeConnectivityLoss: one machine whose fleet loses
// its store (the relay to it is cut, connections refused) for longer than
// its machine key lives. Its units stay as they were (loaded ones loaded,
// launched ones running), and when the store is back nothing is stopped
// or restarted: same states in fleetctl, same main processes, no
// "Stopping" in their journals.
TEST(FleetFunctionalCluster, SingleNodeConnectivityLoss) {
  auto c = FleetCluster::Start(1);
  ASSERT_TRUE(c);
  auto link = StoreLink::Open(c->member(0).client_port);
  ASSERT_TRUE(link);
  // The machine's fleet (agent, engine, API) reaches its store through the
  // link from now on.
  ASSERT_TRUE(c->StopMember(0));
  ASSERT_TRUE(c->RestartMember(0, {"--etcd-endpoints", link->url()}));
  ASSERT_TRUE(c->WaitForNMachines(0, 1));

  c->WriteUnit("single@.service",
               "[Service]\nExecStart=/bin/sh -c \"while true; do echo 'Hello, World (@%i)!'; "
               "sleep 1; done\"\n");
  c->WriteUnit("global@.service",
               "[Service]\nExecStart=/bin/sh -c \"while true; do echo 'Hello, Global World "
               "(@%i)!'; sleep 1; done\"\n\n[X-Fleet]\nGlobal=true\n");
  const std::map<std::string, std::vector<std::string>> commands = {
      {"inactive", {"submit"}},
      {"loaded", {"load", "--no-block"}},
      {"launched", {"start", "--no-block"}}};
  std::map<std::string, std::string> want_files, want_active;
  for (const char* kind : {"single", "global"}) {
    for (const auto& [state, command] : commands) {
      std::string unit = std::string(kind) + "@" + state + ".service";
      auto args = command;
      args.push_back(unit);
      auto r = c->Fleetctl(0, args);
      ASSERT_EQ(r.code, 0) << Said(r);
      want_files[unit] = state;
      if (state != "inactive") want_active[unit] = state == "launched" ? "active" : "inactive";
    }
  }
  // list-unit-files' DSTATE and list-units' ACTIVE, as fleet checks them.
  auto expected_states = [&](std::string* seen) {
    auto files = c->ListUnitFiles(0);
    auto states = c->ListUnits(0);
    if (!files || !states) {
      *seen = "fleetctl failed";
      return false;
    }
    std::map<std::string, std::string> got_files, got_active;
    for (const auto& f : *files) got_files[f.unit] = f.dstate;
    for (const auto& s : *states) got_active[s.unit] = s.active;
    for (const auto& [u, s] : got_files) *seen += "file " + u + " " + s + "\n";
    for (const auto& [u, s] : got_active) *seen += "unit " + u + " " + s + "\n";
    return got_files == want_files && got_active == want_active;
  };
  ASSERT_TRUE(FleetCluster::WaitFor("the units in their initial states", expected_states));
  std::map<std::string, int> pids;
  for (const char* unit : {"single@launched.service", "global@launched.service"}) {
    pids[unit] = c->MainPid(0, unit);
    ASSERT_GT(pids[unit], 0) << unit;
  }

  // What the machine's own service manager runs (systemctl on the host):
  // launched units loaded/active/running, loaded ones loaded/inactive/dead.
  const std::string url = c->member(0).url;
  auto local_units_as_before = [&](std::string* seen) {
    auto r = RunProcess({FLOTILLA_BINARY, "systemctl", "--endpoint", url, "list-units", "--all"},
                        {"PATH=/usr/bin:/bin"});
    *seen = Said(r);
    std::map<std::string, std::string> got;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      std::istringstream cols(line);
      std::string unit, load, active, sub;
      if (!(cols >> unit >> load >> active >> sub)) continue;
      if (unit.starts_with("single@") || unit.starts_with("global@")) {
        got[unit] = load + " " + active + " " + sub;
      }
    }
    const std::map<std::string, std::string> want = {
        {"single@loaded.service", "loaded inactive dead"},
        {"single@launched.service", "loaded active running"},
        {"global@loaded.service", "loaded inactive dead"},
        {"global@launched.service", "loaded active running"}};
    return r.code == 0 && got == want;
  };

  link->Cut();
  // The store expires the machine's key: the machine is gone as far as the
  // cluster can tell (asked of the store directly, not through the link).
  const std::string key = "/v2/keys/_coreos.com/fleet/machines/" + c->machine_id(0) + "/object";
  ASSERT_TRUE(
      FleetCluster::WaitFor("the machine's key expired in the store", [&](std::string* seen) {
        int status = HttpStatus(url, key);
        *seen = "GET " + key + ": " + std::to_string(status);
        return status == 404;
      }));
  // A machine that cannot reach its store leaves its units alone, however
  // long it lasts (watched for an agent TTL more).
  EXPECT_TRUE(
      FleetCluster::HoldsFor("the units as they were, while cut off", local_units_as_before, 2s));

  ASSERT_TRUE(link->Restore());
  ASSERT_TRUE(FleetCluster::WaitFor("the machine's key back in the store", [&](std::string* seen) {
    int status = HttpStatus(url, key);
    *seen = "GET " + key + ": " + std::to_string(status);
    return status == 200;
  }));
  EXPECT_TRUE(FleetCluster::WaitFor("the units in their initial states again", expected_states));
  // The engine waits an agent TTL (its settle time) before it treats
  // machines without a key as gone: watch past that.
  EXPECT_TRUE(FleetCluster::HoldsFor(
      "the same main processes after the store came back",
      [&](std::string* seen) {
        for (const auto& [unit, pid] : pids) {
          int now = c->MainPid(0, unit);
          *seen +=
              unit + " main PID " + std::to_string(now) + " (was " + std::to_string(pid) + ")\n";
          if (now != pid) return false;
        }
        return true;
      },
      3s));
  EXPECT_TRUE(
      FleetCluster::WaitFor("the units in their initial states at the end", expected_states));
  for (const char* unit : {"single@launched.service", "global@launched.service",
                           "single@loaded.service", "global@loaded.service"}) {
    auto j =
        RunProcess({FLOTILLA_BINARY, "journalctl", "--endpoint", url, "-u", unit, "-n", "100000"},
                   {"PATH=/usr/bin:/bin"});
    EXPECT_EQ(j.code, 0) << Said(j);
    EXPECT_EQ(j.out.find("Stopping"), std::string::npos) << unit << " was stopped:\n" << j.out;
  }
}

// The main PID of `unit` as the machine's own service manager reports it
// (`flotilla systemctl status` on the member, which needs no store), 0 if
// none.
int LocalMainPid(const std::string& url, const std::string& unit) {
  auto r = RunProcess({FLOTILLA_BINARY, "systemctl", "--endpoint", url, "status", unit},
                      {"PATH=/usr/bin:/bin"});
  auto at = r.out.find("Main PID: ");
  return at == std::string::npos ? 0 : std::atoi(r.out.c_str() + at + 10);
}

// The multi-machine form of TestSingleNodeConnectivityLoss: machine m3 of
// three loses the store (`cut`) while the other two go on, then gets it
// back (`heal`). m3 runs a global unit, a unit only m3 can run
// (MachineMetadata=hostname=m3), and the one of three mutually
// conflicting units that lands on it (none can go elsewhere). While cut
// off, m3 keeps running all three and the others list two machines; once
// healed, fleetctl shows the three active on m3 again, and they were
// never stopped or restarted (same main processes, no "Stopping" in their
// journals).
void MachineLosesStore(FleetCluster& c, const std::function<void()>& cut,
                       const std::function<void()>& heal) {
  const int m3 = 2;
  const std::string m3_url = c.member(m3).url;
  c.WriteUnit("global@.service", fixtures::Loop("Hello, Global World!", {"Global=true"}));
  c.WriteUnit("pinned@.service", fixtures::Loop("Hello, World!", {"MachineMetadata=hostname=%i"}));
  WriteConflicts(c, 3);
  auto r = c.Fleetctl(0, {"start", "global@launched.service", "pinned@m3.service", Conflict(0),
                          Conflict(1), Conflict(2)});
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits before;
  ASSERT_TRUE(c.WaitForNActiveUnits(0, 7, &before));
  ASSERT_EQ(OnlyMachine(before, "pinned@m3.service"), c.machine_id(m3)) << Show(before);
  std::string on_m3;  // the conflict.N that m3 runs
  for (int i = 0; i < 3; ++i) {
    if (OnlyMachine(before, Conflict(i)) == c.machine_id(m3)) on_m3 = Conflict(i);
  }
  ASSERT_FALSE(on_m3.empty()) << Show(before);
  std::map<std::string, int> pids;
  for (const std::string& unit :
       {std::string("global@launched.service"), std::string("pinned@m3.service"), on_m3}) {
    pids[unit] = LocalMainPid(m3_url, unit);
    ASSERT_GT(pids[unit], 0) << unit;
  }
  auto same_pids = [&](std::string* seen) {
    for (const auto& [unit, pid] : pids) {
      int now = LocalMainPid(m3_url, unit);
      *seen += unit + " main PID " + std::to_string(now) + " (was " + std::to_string(pid) + ")\n";
      if (now != pid) return false;
    }
    return true;
  };

  cut();
  ASSERT_TRUE(c.WaitForNMachines(0, 2));
  // As fleet's state keys expire with their machine, the others stop
  // listing what m3 runs.
  ASSERT_TRUE(
      FleetCluster::WaitFor("no unit state of m3 listed by the others", [&](std::string* seen) {
        auto states = c.ListUnits(0);
        if (!states) return false;
        bool none = true;
        for (const auto& s : *states) {
          *seen += s.unit + " " + s.active + " " + s.machine + "\n";
          none = none && s.machine != c.machine_id(m3);
        }
        return none;
      }));
  EXPECT_TRUE(FleetCluster::HoldsFor("m3's units running on while it is cut off", same_pids, 2s));

  heal();
  ASSERT_TRUE(c.WaitForNMachines(0, 3));
  EXPECT_TRUE(
      FleetCluster::WaitFor("m3's three units active on m3 in fleetctl", [&](std::string* seen) {
        ActiveUnits now;
        auto states = c.ListUnits(0);
        if (!states) return false;
        for (const auto& s : *states) {
          if (s.active == "active") now[s.unit].push_back(s.machine);
        }
        *seen = Show(now);
        auto on = now["global@launched.service"];
        return OnlyMachine(now, "pinned@m3.service") == c.machine_id(m3) &&
               OnlyMachine(now, on_m3) == c.machine_id(m3) &&
               std::count(on.begin(), on.end(), c.machine_id(m3)) == 1;
      }));
  // The engine waits an agent TTL before it treats a machine without a key
  // as gone: watch past that.
  EXPECT_TRUE(FleetCluster::HoldsFor("m3's units never restarted", same_pids, 3s));
  for (const auto& [unit, pid] : pids) {
    auto j = RunProcess(
        {FLOTILLA_BINARY, "journalctl", "--endpoint", m3_url, "-u", unit, "-n", "100000"},
        {"PATH=/usr/bin:/bin"});
    EXPECT_EQ(j.out.find("Stopping"), std::string::npos) << unit << " was stopped:\n" << j.out;
  }
}

// m3's fleet reaches its store through a StoreLink that is cut: its member
// stays in the store's quorum, only its fleet (agent, engine, API) is cut
// off. No root needed.
//
// Two faults this found, fixed: the agent wrote its unit states again
// after its key expired (the engine had removed them), and the engine kept
// units no other machine could take scheduled on a machine whose key
// expired, so they are not stopped and started again on the heal.
TEST(FleetFunctionalCluster, MachineCutFromStoreKeepsItsUnits) {
  auto c = FleetCluster::Start(3);
  ASSERT_TRUE(c);
  auto link = StoreLink::Open(c->member(2).client_port);
  ASSERT_TRUE(link);
  ASSERT_TRUE(c->StopMember(2));
  ASSERT_TRUE(c->RestartMember(2, {"--etcd-endpoints", link->url()}));
  ASSERT_TRUE(c->WaitForNMachines(0, 3));
  MachineLosesStore(
      *c, [&] { link->Cut(); }, [&] { ASSERT_TRUE(link->Restore()); });
}

// m3's member is cut off from the other two members (network namespaces):
// its fleet has a store without a quorum. Needs root.
//
TEST(FleetFunctionalCluster, IsolatedMachineKeepsItsUnits) {
  std::string why;
  if (!NetLab::Available(&why)) {
    GTEST_SKIP() << "needs root and network namespaces (netns.h): " << why;
  }
  auto lab = NetLab::Create(3);
  ASSERT_TRUE(lab.ok()) << lab.status().ToString();
  std::vector<MemberPlacement> placements(3);
  for (int i = 0; i < 3; ++i) placements[i] = {(*lab)->Address(i), (*lab)->Launcher(i), {}};
  auto c = FleetCluster::Start(placements);
  ASSERT_TRUE(c);
  MachineLosesStore(
      *c, [&] { ASSERT_TRUE((*lab)->Isolate(2).ok()); }, [&] { ASSERT_TRUE((*lab)->Heal().ok()); });
  c.reset();  // the members go before their namespaces
}

}  // namespace
}  // namespace flotilla::testing

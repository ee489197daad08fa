// fleet's functional scheduling tests (functional/scheduling_test.go,
// metadata_test.go; shared/reference/fleet.md section 5): where units land
// on a cluster of real `flotilla serve` machines, as `flotilla fleetctl`
// shows it. Three suites by cluster size: three machines, two machines
// (Replaces), one machine (a one-way conflict).
#include <gtest/gtest.h>

#include <set>

#include "fleet_cluster.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

// A suite sharing one cluster of N machines; every test starts from no
// units.
template <int N>
class SharedCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = FleetCluster::Start(N).release(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr);
    ASSERT_TRUE(cluster_->DestroyAllUnits());
  }
  FleetCluster& c() { return *cluster_; }
  ProcessResult Fleetctl(const std::vector<std::string>& args) { return c().Fleetctl(0, args); }

  // Waits until `unit` is listed with a reason for being on no machine
  // (flotilla's engine publishes one for every unit it could not place):
  // the engine has considered it.
  ::testing::AssertionResult WaitUnplaced(const std::string& unit, std::string* reason = nullptr) {
    return FleetCluster::WaitFor(unit + " listed as not placed", [&](std::string* seen) {
      auto files = c().ListUnitFiles(0);
      if (!files) return false;
      for (const auto& f : *files) {
        *seen += f.unit + " target=" + f.target + " reason=" + f.reason + "\n";
        if (f.unit == unit && f.target.empty() && !f.reason.empty()) {
          if (reason) *reason = f.reason;
          return true;
        }
      }
      return false;
    });
  }

  static FleetCluster* cluster_;
};

template <int N>
FleetCluster* SharedCluster<N>::cluster_ = nullptr;

class FleetFunctionalScheduling : public SharedCluster<3> {};
class FleetFunctionalSchedulingReplace : public SharedCluster<2> {};
class FleetFunctionalSchedulingOneMachine : public SharedCluster<1> {};

std::string Conflict(int i) {
  return "conflict." + std::to_string(i) + ".service";
}

// Five mutually conflicting units on three machines: three run, one per
// machine; the other two wait, each with its reason.
TEST_F(FleetFunctionalScheduling, ScheduleConflicts) {
  for (int i = 0; i < 5; ++i) {
    c().WriteUnit(Conflict(i), fixtures::Loop("Hello, World!", {"Conflicts=conflict.*.service"}));
    auto r = Fleetctl({"start", "--no-block", Conflict(i)});
    ASSERT_EQ(r.code, 0) << Said(r);
  }
  auto files = c().ListUnitFiles(0);
  ASSERT_TRUE(files);
  EXPECT_EQ(files->size(), 5u);

  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3, &active));
  std::set<std::string> machines;
  for (const auto& [unit, on] : active) {
    ASSERT_EQ(on.size(), 1u) << unit;
    EXPECT_FALSE(on[0].empty()) << unit << " is not reporting a machine";
    machines.insert(on[0]);
  }
  EXPECT_EQ(machines.size(), 3u) << "3 active units not on 3 distinct machines:\n" << Show(active);
  for (int i = 0; i < 5; ++i) {
    if (!active.count(Conflict(i))) {
      EXPECT_TRUE(WaitUnplaced(Conflict(i)));
    }
  }
}

// Units whose Conflicts= line names several units, space-separated: three
// on three machines; a fourth of the same kind finds no machine.
TEST_F(FleetFunctionalScheduling, ScheduleMultipleConflicts) {
  auto name = [](int i) { return "conflict.multiple." + std::to_string(i) + ".service"; };
  const std::string conflicts =
      "Conflicts=conflict.multiple.2.service conflict.multiple.1.service "
      "conflict.multiple.0.service conflict.multiple.3.service";
  std::vector<std::string> args = {"start", "--no-block"};
  for (int i = 0; i < 3; ++i) {
    c().WriteUnit(name(i), fixtures::Loop("Hello, World!", {conflicts}));
    args.push_back(name(i));
  }
  auto r = Fleetctl(args);
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3, &active));
  std::set<std::string> machines;
  for (int i = 0; i < 3; ++i) machines.insert(OnlyMachine(active, name(i)));
  EXPECT_EQ(machines.size(), 3u) << Show(active);

  c().WriteUnit(name(3), fixtures::Loop("Hello, World!", {conflicts}));
  r = Fleetctl({"start", "--no-block", name(3)});
  ASSERT_EQ(r.code, 0) << Said(r);
  std::string reason;
  EXPECT_TRUE(WaitUnplaced(name(3), &reason));
  EXPECT_NE(reason.find("conflict"), std::string::npos) << reason;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3, &active));
  EXPECT_FALSE(active.count(name(3))) << Show(active);
}

// MachineID=<full id> puts each unit on its machine.
TEST_F(FleetFunctionalScheduling, ScheduleConditionMachineID) {
  std::map<std::string, std::string> schedule;
  for (int i = 0; i < c().size(); ++i) {
    std::string unit = "pinned-" + std::to_string(i) + ".service";
    c().WriteUnit(unit, fixtures::Loop("Hello, World!", {"MachineID=" + c().machine_id(i)}));
    auto r = Fleetctl({"start", unit});
    ASSERT_EQ(r.code, 0) << Said(r);
    schedule[unit] = c().machine_id(i);
  }
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3, &active));
  for (const auto& [unit, machine] : schedule) {
    EXPECT_EQ(OnlyMachine(active, unit), machine) << unit;
  }
}

// A global unit runs on every machine, next to the others; `status`
// works on it, and `restart` leaves it on every machine.
TEST_F(FleetFunctionalScheduling, ScheduleGlobalUnits) {
  c().WriteUnit("hello.service", fixtures::Hello());
  c().WriteUnit("goodbye.service", fixtures::Loop("Goodbye, World!"));
  c().WriteUnit("global.service",
                "[Service]\n"
                "ExecStart=/bin/sh -c \"while true; do echo Hello, Global "
                "World!; sleep 1; done\"\n\n[X-Fleet]\nGlobal=true\n");
  auto r = Fleetctl({"start", "--no-block", "hello.service", "goodbye.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 2));

  r = Fleetctl({"start", "--no-block", "global.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 5, &active));
  auto on = active["global.service"];
  std::set<std::string> machines(on.begin(), on.end());
  for (int i = 0; i < c().size(); ++i) {
    EXPECT_TRUE(machines.count(c().machine_id(i)))
        << "global.service not on " << c().name(i) << ":\n"
        << Show(active);
  }

  auto status = Fleetctl({"status", "global.service"});
  EXPECT_EQ(status.code, 0) << Said(status);
  EXPECT_NE(status.out.find("Active: active"), std::string::npos) << Said(status);

  r = Fleetctl({"restart", "global.service"});
  EXPECT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 5, &active));
  EXPECT_EQ(active["global.service"].size(), 3u) << Show(active);
}

// A global unit that conflicts with a running global unit runs nowhere.
TEST_F(FleetFunctionalScheduling, ScheduleGlobalConflicts) {
  auto name = [](int i) { return "conflict-global." + std::to_string(i) + ".service"; };
  for (int i = 0; i < 2; ++i) {
    c().WriteUnit(name(i), fixtures::Loop("Hello, World!",
                                          {"Global=true", "Conflicts=conflict-global.*.service"}));
  }
  auto r = Fleetctl({"start", "--no-block", name(0)});
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3, &active));
  EXPECT_EQ(active[name(0)].size(), 3u) << Show(active);

  r = Fleetctl({"start", "--no-block", name(1)});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNUnitFiles(0, 2));
  // Nothing shows that an agent has weighed a global unit and left it out
  // (agents decide on global units alone, within milliseconds of the
  // change), so watch for an agent TTL: the first unit stays on all three,
  // the second appears nowhere.
  EXPECT_TRUE(FleetCluster::HoldsFor(
      name(1) + " nowhere, " + name(0) + " active on all three",
      [&](std::string* seen) {
        auto states = c().ListUnits(0);
        if (!states) return true;  // a failed poll proves nothing either way
        int first = 0;
        for (const auto& s : *states) {
          *seen += s.unit + " " + s.active + " " + s.machine + "\n";
          if (s.unit == name(1)) return false;
          if (s.unit == name(0) && s.active == "active") ++first;
        }
        return first == 3;
      },
      2s));
}

// fleet's metadata@.service (MachineMetadata=hostname=%i): each instance
// lands on the machine of that name; one for a name no machine has is
// never scheduled, so a bounded start fails.
TEST_F(FleetFunctionalScheduling, TemplatesWithSpecifiersInMetadata) {
  c().WriteUnit("metadata@.service",
                "[Service]\n"
                "ExecStart=/bin/sh -c \"while true; do echo Hello, World %i!; sleep 1; done\"\n"
                "\n[X-Fleet]\nMachineMetadata=hostname=%i\n");
  auto r = Fleetctl({"submit", "metadata@.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  for (int i = c().size() - 1; i >= 0; --i) {
    r = Fleetctl({"start", "metadata@" + c().name(i) + ".service"});
    ASSERT_EQ(r.code, 0) << Said(r);
  }
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3, &active));
  for (int i = 0; i < c().size(); ++i) {
    EXPECT_EQ(OnlyMachine(active, "metadata@" + c().name(i) + ".service"), c().machine_id(i))
        << Show(active);
  }

  r = Fleetctl({"start", "--block-attempts=20", "metadata@invalid.service"});
  EXPECT_NE(r.code, 0) << "metadata@invalid should not be scheduled:\n" << Said(r);
  EXPECT_NE(r.err.find("hostname=invalid"), std::string::npos) << Said(r);
}

std::string Replace(int i) {
  return "replace." + std::to_string(i) + ".service";
}

// replace.0 alone on one machine, replace.1 and its follower replace.2 on
// the other; replace-kick0 (Replaces=replace.0) takes replace.0's machine
// and replace.0 moves to the other one.
TEST_F(FleetFunctionalSchedulingReplace, ScheduleReplace) {
  c().WriteUnit(Replace(0), fixtures::Loop("Hello, World!"));
  c().WriteUnit(Replace(1), fixtures::Loop("Hello, World!"));
  c().WriteUnit(Replace(2), fixtures::Loop("Hello, World!", {"MachineOf=" + Replace(1)}));
  c().WriteUnit("replace-kick0.service",
                fixtures::Loop("Hello, World!", {"Replaces=" + Replace(0)}));

  auto r = Fleetctl({"start", Replace(0)});
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 1, &active));
  const std::string first = OnlyMachine(active, Replace(0));
  ASSERT_FALSE(first.empty());

  r = Fleetctl({"start", Replace(1), Replace(2)});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3, &active));
  const std::string second = OnlyMachine(active, Replace(1));
  EXPECT_NE(second, first) << Show(active);
  EXPECT_EQ(OnlyMachine(active, Replace(2)), second) << Show(active);

  r = Fleetctl({"start", "--no-block", "replace-kick0.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNUnitFiles(0, 4));
  EXPECT_TRUE(FleetCluster::WaitFor(
      "replace-kick0 on replace.0's old machine, replace.0 moved to the other",
      [&](std::string* seen) {
        auto states = c().ListUnits(0);
        if (!states) return false;
        ActiveUnits now;
        for (const auto& s : *states) {
          if (s.active == "active") now[s.unit].push_back(s.machine);
        }
        *seen = Show(now);
        return now.size() == 4 && OnlyMachine(now, "replace-kick0.service") == first &&
               OnlyMachine(now, Replace(0)) == second && OnlyMachine(now, Replace(1)) == second &&
               OnlyMachine(now, Replace(2)) == second;
      }));
}

// Two units that replace each other: both are listed, exactly one is
// launched and active.
TEST_F(FleetFunctionalSchedulingReplace, ScheduleCircularReplace) {
  c().WriteUnit(Replace(0), fixtures::Loop("Hello, World!", {"Replaces=replace-kick0.service"}));
  c().WriteUnit("replace-kick0.service",
                fixtures::Loop("Hello, World!", {"Replaces=" + Replace(0)}));

  auto r = Fleetctl({"start", "--no-block", Replace(0)});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNUnitFiles(0, 1));
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 1));

  r = Fleetctl({"start", "--no-block", "replace-kick0.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNUnitFiles(0, 2));
  EXPECT_TRUE(WaitUnplaced("replace-kick0.service"));
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 1, &active));
  EXPECT_TRUE(active.count(Replace(0))) << Show(active);
  auto files = c().ListUnitFiles(0);
  ASSERT_TRUE(files);
  int launched = 0;
  for (const auto& f : *files) launched += f.state == "launched";
  EXPECT_EQ(launched, 1);
}

// conflicts-with-hello (X-Conflicts=hello.service) runs; hello, which
// names no conflict, is kept off its machine; once it is destroyed, hello
// runs.
TEST_F(FleetFunctionalSchedulingOneMachine, ScheduleOneWayConflict) {
  c().WriteUnit("conflicts-with-hello.service",
                fixtures::Loop("Hello, World!", {"X-Conflicts=hello.service"}));
  c().WriteUnit("hello.service", fixtures::Hello());

  auto r = Fleetctl({"start", "--no-block", "conflicts-with-hello.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 1));

  r = Fleetctl({"start", "--no-block", "hello.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNUnitFiles(0, 2));
  EXPECT_TRUE(WaitUnplaced("hello.service"));
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 1, &active));
  EXPECT_TRUE(active.count("conflicts-with-hello.service")) << Show(active);

  r = Fleetctl({"destroy", "conflicts-with-hello.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  EXPECT_TRUE(
      FleetCluster::WaitFor("the destroyed unit gone from list-units", [&](std::string* seen) {
        auto states = c().ListUnits(0);
        if (!states) return false;
        for (const auto& s : *states) {
          *seen += s.unit + "\n";
          if (s.unit == "conflicts-with-hello.service") return false;
        }
        return true;
      }));
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 1, &active));
  EXPECT_TRUE(active.count("hello.service")) << Show(active);
}

}  // namespace
}  // namespace flotilla::testing

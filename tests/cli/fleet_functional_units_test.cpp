// fleet's functional tests of the unit lifecycle (functional/
// unit_action_test.go; shared/reference/fleet.md section 5), on one
// machine: `flotilla fleetctl` against a real `flotilla serve`, asserting
// what fleetctl shows. fleet's TestUnitSSHActions is here without `ssh`
// (flotilla's fleetctl has none): status and journal come through the API.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fleet_cluster.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

std::string Trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

class FleetFunctionalUnits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = FleetCluster::Start(1).release(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr);
    ASSERT_TRUE(cluster_->DestroyAllUnits());
    c().WriteUnit("hello.service", fixtures::Hello());
    c().WriteUnit("hello@.service", fixtures::Hello());
  }

  FleetCluster& c() { return *cluster_; }
  ProcessResult Fleetctl(const std::vector<std::string>& args) { return c().Fleetctl(0, args); }

  static std::vector<std::string> Instances(int n, const char* format = "hello@%d.service") {
    std::vector<std::string> names;
    for (int i = 1; i <= n; ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, format, i);
      names.push_back(buf);
    }
    return names;
  }

  // fleet's checkListUnits: after `cmd`, n units in the list that cmd
  // changes (submit: unit files; load: units; start: active units), and
  // the given names among them.
  ::testing::AssertionResult CheckListed(const std::string& cmd,
                                         const std::vector<std::string>& names, int n) {
    std::set<std::string> listed;
    if (cmd == "submit") {
      std::vector<FleetUnitFile> files;
      auto r = c().WaitForNUnitFiles(0, n, &files);
      if (!r) return r;
      for (const auto& f : files) listed.insert(f.unit);
    } else if (cmd == "load") {
      std::vector<FleetUnitState> states;
      auto r = c().WaitForNUnits(0, n, &states);
      if (!r) return r;
      for (const auto& s : states) listed.insert(s.unit);
    } else {
      ActiveUnits active;
      auto r = c().WaitForNActiveUnits(0, n, &active);
      if (!r) return r;
      for (const auto& [unit, machines] : active) listed.insert(unit);
    }
    for (int i = 0; i < n; ++i) {
      if (!listed.count(names[i]))
        return ::testing::AssertionFailure() << names[i] << " not listed";
    }
    return ::testing::AssertionSuccess();
  }

  // fleet's doMultipleUnitsCmd: `cmd` n template instances in one
  // command, undo each (destroy, unload, stop), twice over.
  void DoMultipleUnitsCmd(const std::string& cmd, int n) {
    const std::map<std::string, std::string> undo = {
        {"submit", "destroy"}, {"load", "unload"}, {"start", "stop"}};
    auto names = Instances(n);
    for (int round = 0; round < 2; ++round) {
      std::vector<std::string> args = {cmd};
      args.insert(args.end(), names.begin(), names.end());
      auto r = Fleetctl(args);
      ASSERT_EQ(r.code, 0) << Said(r);
      ASSERT_EQ(r.err.find("Error"), std::string::npos) << Said(r);
      ASSERT_TRUE(CheckListed(cmd, names, n)) << "round " << round;
      for (const auto& name : names) {
        auto u = Fleetctl({undo.at(cmd), name});
        ASSERT_EQ(u.code, 0) << Said(u);
      }
      ASSERT_TRUE(CheckListed(cmd, names, 0)) << "round " << round;
    }
  }

  // The running copy of every unit is its current body: list-units'
  // hash (what the machine runs) equals list-unit-files' (what is stored),
  // and it is active.
  ::testing::AssertionResult RunningCurrentBodies(int n) {
    return FleetCluster::WaitFor("every unit active with its stored body", [&](std::string* seen) {
      auto files = Fleetctl({"list-unit-files", "--no-legend", "--full", "--fields", "unit,hash"});
      auto states =
          Fleetctl({"list-units", "--no-legend", "--full", "--fields", "unit,hash,active"});
      *seen = files.out + "--\n" + states.out;
      std::map<std::string, std::string> stored;
      std::istringstream f(files.out), s(states.out);
      for (std::string unit, hash; f >> unit >> hash;) stored[unit] = hash;
      int current = 0;
      for (std::string unit, hash, active; s >> unit >> hash >> active;) {
        if (stored[unit] != hash || active != "active") return false;
        ++current;
      }
      return current == n;
    });
  }

  // fleet's replaceUnitCommon: n instances made with `cmd`, then each
  // replaced by `cmd --replace` with a changed body; `cat` shows it.
  void ReplaceUnitCommon(const std::string& cmd, int n) {
    auto names = Instances(n);
    std::vector<std::string> args = {cmd};
    args.insert(args.end(), names.begin(), names.end());
    auto r = Fleetctl(args);
    ASSERT_EQ(r.code, 0) << Said(r);
    const std::string listed_by = cmd == "submit" ? "submit" : "load";
    ASSERT_TRUE(CheckListed(listed_by, names, n));

    std::filesystem::create_directories(c().unit_dir() + "/replace");
    std::string changed = fixtures::Hello();
    changed.replace(changed.find("sleep 1"), 7, "sleep 2");
    std::vector<std::string> before;
    for (const auto& name : names) {
      auto cat = Fleetctl({"cat", name});
      ASSERT_EQ(cat.code, 0) << Said(cat);
      before.push_back(cat.out);
      c().WriteUnit("replace/" + name, changed);
    }
    for (size_t i = 0; i < names.size(); ++i) {
      auto rep = Fleetctl({cmd, "--replace", "replace/" + names[i]});
      ASSERT_EQ(rep.code, 0) << Said(rep);
      ASSERT_TRUE(CheckListed(listed_by, names, n));
      auto cat = Fleetctl({"cat", names[i]});
      ASSERT_EQ(cat.code, 0) << Said(cat);
      EXPECT_NE(cat.out, before[i]) << names[i] << " was not replaced";
      EXPECT_EQ(Trim(cat.out), Trim(changed)) << names[i];
    }
    if (cmd == "start") {
      EXPECT_TRUE(RunningCurrentBodies(n));
    }

    args = {"destroy"};
    for (const auto& name : names) args.push_back("replace/" + name);
    auto d = Fleetctl(args);
    ASSERT_EQ(d.code, 0) << Said(d);
    ASSERT_TRUE(CheckListed(listed_by, names, 0));
  }

  static FleetCluster* cluster_;
};

FleetCluster* FleetFunctionalUnits::cluster_ = nullptr;

TEST_F(FleetFunctionalUnits, UnitRunnable) {
  auto r = Fleetctl({"start", "hello.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 1, &active));
  EXPECT_EQ(active.size(), 1u);
  EXPECT_TRUE(active.count("hello.service"));
  EXPECT_EQ(active["hello.service"], std::vector<std::string>{c().machine_id(0)});
}

TEST_F(FleetFunctionalUnits, UnitSubmit) {
  DoMultipleUnitsCmd("submit", 9);
}

TEST_F(FleetFunctionalUnits, UnitLoad) {
  DoMultipleUnitsCmd("load", 6);
}

TEST_F(FleetFunctionalUnits, UnitStart) {
  DoMultipleUnitsCmd("start", 3);
}

TEST_F(FleetFunctionalUnits, UnitSubmitReplace) {
  ReplaceUnitCommon("submit", 9);
}

TEST_F(FleetFunctionalUnits, UnitLoadReplace) {
  ReplaceUnitCommon("load", 9);
}

TEST_F(FleetFunctionalUnits, UnitStartReplace) {
  ReplaceUnitCommon("start", 9);
}

// Start 3, restart them: 3 active again, each with a new process; stop: 0.
TEST_F(FleetFunctionalUnits, UnitRestart) {
  auto names = Instances(3);
  std::vector<std::string> args = {"start"};
  args.insert(args.end(), names.begin(), names.end());
  auto r = Fleetctl(args);
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3));
  std::map<std::string, int> pids;
  for (const auto& name : names) {
    pids[name] = c().MainPid(0, name);
    ASSERT_GT(pids[name], 0) << name;
  }

  args[0] = "restart";
  r = Fleetctl(args);
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 3));
  for (const auto& name : names) {
    int now = c().MainPid(0, name);
    EXPECT_GT(now, 0) << name;
    EXPECT_NE(now, pids[name]) << name << " was not restarted";
  }

  args[0] = "stop";
  r = Fleetctl(args);
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 0));
}

// fleet's TestUnitSSHActions, without `ssh`: status and journal of a
// running unit.
TEST_F(FleetFunctionalUnits, UnitStatusAndJournal) {
  auto r = Fleetctl({"start", "--no-block", "hello.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ActiveUnits active;
  ASSERT_TRUE(c().WaitForNActiveUnits(0, 1, &active));
  ASSERT_TRUE(active.count("hello.service"));

  auto status = Fleetctl({"status", "hello.service"});
  EXPECT_EQ(status.code, 0) << Said(status);
  EXPECT_NE(status.out.find("Active: active"), std::string::npos) << Said(status);

  EXPECT_TRUE(
      FleetCluster::WaitFor("the unit's output in fleetctl journal", [&](std::string* seen) {
        auto j = Fleetctl({"journal", "--sudo", "hello.service"});
        *seen = Said(j);
        return j.code == 0 && j.out.find("Hello, World!") != std::string::npos;
      }));
}

TEST_F(FleetFunctionalUnits, UnitCat) {
  std::ifstream in(c().unit_dir() + "/hello.service");
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto r = Fleetctl({"submit", "hello.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNUnitFiles(0, 1));
  auto cat = Fleetctl({"cat", "hello.service"});
  ASSERT_EQ(cat.code, 0) << Said(cat);
  EXPECT_EQ(Trim(cat.out), Trim(body));
}

TEST_F(FleetFunctionalUnits, UnitStatus) {
  auto r = Fleetctl({"load", "hello.service"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_TRUE(c().WaitForNUnits(0, 1));
  auto status = Fleetctl({"status", "hello.service"});
  EXPECT_NE(status.out.find("Loaded: loaded"), std::string::npos) << Said(status);
}

TEST_F(FleetFunctionalUnits, ListUnitFilesOrder) {
  auto names = Instances(20, "hello@%02d.service");
  // Submitted out of order, one command each, as fleet's test submits.
  std::vector<std::string> shuffled = names;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 7, shuffled.end());
  for (const auto& name : shuffled) {
    auto r = Fleetctl({"submit", name});
    ASSERT_EQ(r.code, 0) << Said(r);
  }
  ASSERT_TRUE(c().WaitForNUnitFiles(0, 20));
  auto r = Fleetctl({"list-unit-files", "--no-legend", "--fields", "unit"});
  ASSERT_EQ(r.code, 0) << Said(r);
  std::vector<std::string> listed;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) listed.push_back(Trim(line));
  EXPECT_EQ(listed, names);
}

}  // namespace
}  // namespace flotilla::testing

// FleetCluster: the harness of fleet's functional tests (functional/platform)
// for flotilla. A cluster of `flotilla serve` processes on loopback, each a
// store member and a fleet machine (metadata hostname=<member name>,
// agent TTL 2 s), driven the way a user drives it: the real `flotilla
// fleetctl` binary run from a directory of unit files, its tables parsed
// as fleet's harness parses them (--no-legend --full --fields ...).
//
// The WaitForN* calls are fleet's WaitForN{Machines,Units,UnitFiles,
// ActiveUnits}: poll a fleetctl list until it shows the count, up to a
// deadline, and fail with the last output seen. Nothing sleeps and hopes;
// HoldsFor() is the one bounded observation window, for the negative
// assertions ("this unit runs nowhere") that no event can confirm.
//
// Teardown (destructor): every live member is killed (SIGKILL: members
// stopped together lose the store's quorum under each other's graceful
// purge), every unit process still carrying a member's FLOTILLA_MANAGER
// mark is stopped, and the data dirs and the unit directory are removed.
// StopMember() is the graceful stop (fleet's purge) for the tests of it.
//
// Not thread-safe: the test's thread owns it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster_process.h"
#include "subprocess.h"

namespace flotilla::testing {

// One row of `fleetctl list-units --full --fields unit,active,machine`.
struct FleetUnitState {
  std::string unit;
  std::string active;   // systemd's ActiveState: "active", "inactive", ...
  std::string machine;  // full machine id ("" for "-")
};

// One row of `fleetctl list-unit-files --full --fields
// unit,dstate,state,target,reason`.
struct FleetUnitFile {
  std::string unit;
  std::string dstate;  // desired: inactive, loaded, launched
  std::string state;   // current ("-" for global units)
  std::string target;  // full machine id, "global", or "" for none
  std::string reason;  // why it is not placed ("" for none)
};

// unit -> the machines where it is active (one per machine for a global
// unit), as fleet's WaitForNActiveUnits returns it.
using ActiveUnits = std::map<std::string, std::vector<std::string>>;

class FleetCluster {
 public:
  // `n` members m1..mN on 127.0.0.1, or one per placement (netns.h), each
  // with `--agent-ttl 2s --metadata hostname=<name>` and its placement's
  // own flags; waits until all n machines are listed. Null (after a gtest
  // failure) if they do not come up.
  static std::unique_ptr<FleetCluster> Start(int n);
  static std::unique_ptr<FleetCluster> Start(std::vector<MemberPlacement> placements);
  ~FleetCluster();
  FleetCluster(const FleetCluster&) = delete;
  FleetCluster& operator=(const FleetCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  ServerProcess& member(int i) { return members_[i]; }
  const std::string& name(int i) const { return members_[i].name; }
  const std::string& machine_id(int i) const { return machine_ids_[i]; }
  // The member whose machine id is `id`, or -1.
  int MemberOf(const std::string& id) const;
  // A running member other than `except`.
  int Other(int except) const;
  const std::string& unit_dir() const { return unit_dir_; }

  // Writes a unit file into the unit directory; returns its path.
  std::string WriteUnit(const std::string& name, const std::string& text) const;

  // `flotilla fleetctl --endpoint <member via> args...`, run in the unit
  // directory (so bare names are local unit files), with `env` only.
  ProcessResult Fleetctl(int via, const std::vector<std::string>& args, Env env = {}) const;

  // The parsed lists; nullopt when fleetctl fails.
  std::optional<std::vector<FleetUnitState>> ListUnits(int via) const;
  std::optional<std::vector<FleetUnitFile>> ListUnitFiles(int via) const;
  std::optional<std::vector<std::string>> ListMachines(int via) const;

  ::testing::AssertionResult WaitForNMachines(int via, int n,
                                              std::vector<std::string>* ids = nullptr) const;
  ::testing::AssertionResult WaitForNUnitFiles(int via, int n,
                                               std::vector<FleetUnitFile>* files = nullptr) const;
  ::testing::AssertionResult WaitForNUnits(int via, int n,
                                           std::vector<FleetUnitState>* states = nullptr) const;
  ::testing::AssertionResult WaitForNActiveUnits(int via, int n,
                                                 ActiveUnits* active = nullptr) const;
  // Polls `check` (which describes what it saw in *seen) until it holds.
  static ::testing::AssertionResult WaitFor(
      const std::string& what, const std::function<bool(std::string* seen)>& check,
      std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Polls `check` for `window`; fails as soon as it does not hold.
  static ::testing::AssertionResult HoldsFor(const std::string& what,
                                             const std::function<bool(std::string* seen)>& check,
                                             std::chrono::milliseconds window);

  // The unit's main process as `fleetctl status` shows it ("Main PID:"),
  // or 0.
  int MainPid(int via, const std::string& unit) const;

  // Destroys every unit and waits until no unit file and no unit state is
  // left (suites sharing a cluster call it between tests).
  ::testing::AssertionResult DestroyAllUnits(int via = 0) const;

  // "systemctl stop fleet": SIGTERM, fleet's purge, and the exit awaited.
  ::testing::AssertionResult StopMember(int i);
  // Starts a stopped member again on its data dir, with `extra` flags
  // appended for good (e.g. a new --machine-id: the machine "reinstalled").
  ::testing::AssertionResult RestartMember(int i, const std::vector<std::string>& extra = {});

  // The member's unit processes still alive (FLOTILLA_MANAGER mark).
  std::vector<int> UnitProcesses(int i) const;

 private:
  FleetCluster() = default;
  std::string ReadMachineId(int i) const;

  std::vector<ServerProcess> members_;
  std::vector<std::string> machine_ids_;
  std::vector<std::string> manager_ids_;  // realpath(data dir)/service
  std::string unit_dir_;
};

// For failure messages: everything a command said, and where units run.
std::string Said(const ProcessResult& r);
std::string Show(const ActiveUnits& active);
// The one machine a non-global unit is active on ("" if none, "?" if
// several).
std::string OnlyMachine(const ActiveUnits& active, const std::string& unit);

// fleet's functional/fixtures/units, with /bin/sh for /bin/bash.
namespace fixtures {

std::string Hello();  // hello.service: the echo loop, Description "Hello World"
// A unit that runs the echo loop with `line` and the given [X-Fleet] lines.
std::string Loop(const std::string& line, const std::vector<std::string>& x_fleet = {});

}  // namespace fixtures

}  // namespace flotilla::testing

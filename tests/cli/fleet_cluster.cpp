#include "fleet_cluster.h"

#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "service/leftovers.h"

namespace flotilla::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kPoll = 100ms;

// The tab-separated columns of a fleetctl table row (text/tabwriter pads
// with tabs; no column is empty, fleetctl prints "-" instead).
std::vector<std::string> Columns(const std::string& line) {
  std::vector<std::string> cols;
  std::string cur;
  for (char c : line) {
    if (c == '\t') {
      if (!cur.empty()) cols.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) cols.push_back(cur);
  return cols;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// "ee5398cf.../10.0.0.1" or "<full id>/127.0.0.1" -> the id; "-" -> "".
std::string MachineOfLegend(const std::string& legend) {
  if (legend == "-") return "";
  return legend.substr(0, legend.find('/'));
}

std::string Dashless(const std::string& s) {
  return s == "-" ? "" : s;
}

}  // namespace

std::unique_ptr<FleetCluster> FleetCluster::Start(int n) {
  return Start(std::vector<MemberPlacement>(static_cast<size_t>(n)));
}

std::unique_ptr<FleetCluster> FleetCluster::Start(std::vector<MemberPlacement> placements) {
  std::unique_ptr<FleetCluster> c(new FleetCluster);
  for (size_t i = 0; i < placements.size(); ++i) {
    // cluster_process names the members m1..mN.
    std::vector<std::string> own = {"--agent-ttl", "2s", "--metadata",
                                    "hostname=m" + std::to_string(i + 1)};
    placements[i].flags.insert(placements[i].flags.begin(), own.begin(), own.end());
  }
  auto members = StartPlacedCluster(placements);
  if (!members) {
    ADD_FAILURE() << "the cluster of " << placements.size() << " members did not come up";
    return nullptr;
  }
  c->members_ = std::move(*members);
  c->unit_dir_ = MakeTempDir("fleet-units");
  for (int i = 0; i < c->size(); ++i) {
    c->machine_ids_.push_back(c->ReadMachineId(i));
    char* real = ::realpath(c->members_[i].data_dir.c_str(), nullptr);
    c->manager_ids_.push_back(std::string(real ? real : c->members_[i].data_dir.c_str()) +
                              "/service");
    std::free(real);
  }
  auto listed = c->WaitForNMachines(0, c->size());
  if (!listed) {
    ADD_FAILURE() << listed.message();
    return nullptr;
  }
  return c;
}

FleetCluster::~FleetCluster() {
  // SIGKILL, not SIGTERM: members stopping together lose the store's
  // quorum under each other's purge, which then waits out its timeouts
  // (about 10 s). The units they leave are stopped by their mark.
  for (auto& m : members_) m.process.Kill();
  for (size_t i = 0; i < manager_ids_.size(); ++i) {
    auto left = service::FindLeftovers(manager_ids_[i]);
    if (!left.empty()) service::StopLeftovers(left, 1s);
    if (!service::FindLeftovers(manager_ids_[i]).empty()) {
      ADD_FAILURE() << "unit processes of " << members_[i].name << " survive the teardown";
    }
  }
  RemoveTree(unit_dir_);
}

std::string FleetCluster::ReadMachineId(int i) const {
  const auto& argv = members_[i].argv;
  std::string id;
  for (size_t k = 0; k + 1 < argv.size(); ++k) {
    if (argv[k] == "--machine-id") id = argv[k + 1];
  }
  if (!id.empty()) return id;
  std::ifstream in(members_[i].data_dir + "/machine-id");
  std::getline(in, id);
  return id;
}

int FleetCluster::MemberOf(const std::string& id) const {
  for (int i = 0; i < size(); ++i) {
    if (machine_ids_[i] == id) return i;
  }
  return -1;
}

int FleetCluster::Other(int except) const {
  for (int i = 0; i < size(); ++i) {
    if (i != except && members_[i].process.running()) return i;
  }
  return -1;
}

std::string FleetCluster::WriteUnit(const std::string& name, const std::string& text) const {
  std::string path = unit_dir_ + "/" + name;
  std::ofstream(path) << text;
  return path;
}

ProcessResult FleetCluster::Fleetctl(int via, const std::vector<std::string>& args, Env env) const {
  std::vector<std::string> argv = {
      "/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", unit_dir_, FLOTILLA_BINARY, "fleetctl"};
  if (via >= 0) argv.insert(argv.end(), {"--endpoint", members_[via].url});
  argv.insert(argv.end(), args.begin(), args.end());
  env.push_back("PATH=/usr/bin:/bin");
  return RunProcess(argv, env);
}

std::optional<std::vector<FleetUnitState>> FleetCluster::ListUnits(int via) const {
  auto r =
      Fleetctl(via, {"list-units", "--no-legend", "--full", "--fields", "unit,active,machine"});
  if (r.code != 0) return std::nullopt;
  std::vector<FleetUnitState> rows;
  for (const auto& line : Lines(r.out)) {
    auto cols = Columns(line);
    if (cols.size() != 3) return std::nullopt;
    rows.push_back({cols[0], cols[1], MachineOfLegend(cols[2])});
  }
  return rows;
}

std::optional<std::vector<FleetUnitFile>> FleetCluster::ListUnitFiles(int via) const {
  auto r = Fleetctl(via, {"list-unit-files", "--no-legend", "--full", "--fields",
                          "unit,dstate,state,target,reason"});
  if (r.code != 0) return std::nullopt;
  std::vector<FleetUnitFile> rows;
  for (const auto& line : Lines(r.out)) {
    auto cols = Columns(line);
    if (cols.size() != 5) return std::nullopt;
    std::string target = cols[3] == "global" ? cols[3] : MachineOfLegend(cols[3]);
    rows.push_back({cols[0], cols[1], cols[2], target, Dashless(cols[4])});
  }
  return rows;
}

std::optional<std::vector<std::string>> FleetCluster::ListMachines(int via) const {
  auto r = Fleetctl(via, {"list-machines", "--no-legend", "--full", "--fields", "machine"});
  if (r.code != 0) return std::nullopt;
  return Lines(r.out);
}

::testing::AssertionResult FleetCluster::WaitFor(
    const std::string& what, const std::function<bool(std::string* seen)>& check,
    std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string seen;
  for (;;) {
    seen.clear();
    if (check(&seen)) return ::testing::AssertionSuccess();
    if (Clock::now() > deadline) {
      return ::testing::AssertionFailure()
             << "not within " << timeout.count() << " ms: " << what << "; last seen:\n"
             << seen;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

::testing::AssertionResult FleetCluster::HoldsFor(
    const std::string& what, const std::function<bool(std::string* seen)>& check,
    std::chrono::milliseconds window) {
  auto end = Clock::now() + window;
  std::string seen;
  do {
    seen.clear();
    if (!check(&seen)) {
      return ::testing::AssertionFailure() << "no longer true: " << what << "; seen:\n" << seen;
    }
    std::this_thread::sleep_for(kPoll);
  } while (Clock::now() < end);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult FleetCluster::WaitForNMachines(int via, int n,
                                                          std::vector<std::string>* ids) const {
  return WaitFor(std::to_string(n) + " machines in list-machines", [&](std::string* seen) {
    auto r = Fleetctl(via, {"list-machines", "--no-legend", "--full"});
    *seen = r.out + r.err;
    auto listed = Lines(r.out);
    if (r.code != 0 || static_cast<int>(listed.size()) != n) return false;
    if (ids) {
      ids->clear();
      for (const auto& line : listed) ids->push_back(Columns(line).at(0));
    }
    return true;
  });
}

::testing::AssertionResult FleetCluster::WaitForNUnitFiles(
    int via, int n, std::vector<FleetUnitFile>* files) const {
  return WaitFor(std::to_string(n) + " units in list-unit-files", [&](std::string* seen) {
    auto rows = ListUnitFiles(via);
    if (!rows) return false;
    for (const auto& f : *rows) *seen += f.unit + " " + f.dstate + " " + f.state + "\n";
    if (static_cast<int>(rows->size()) != n) return false;
    if (files) *files = *rows;
    return true;
  });
}

::testing::AssertionResult FleetCluster::WaitForNUnits(int via, int n,
                                                       std::vector<FleetUnitState>* states) const {
  return WaitFor(std::to_string(n) + " units in list-units", [&](std::string* seen) {
    auto rows = ListUnits(via);
    if (!rows) return false;
    for (const auto& s : *rows) *seen += s.unit + " " + s.active + " " + s.machine + "\n";
    if (static_cast<int>(rows->size()) != n) return false;
    if (states) *states = *rows;
    return true;
  });
}

::testing::AssertionResult FleetCluster::WaitForNActiveUnits(int via, int n,
                                                             ActiveUnits* active) const {
  return WaitFor(std::to_string(n) + " active units in list-units", [&](std::string* seen) {
    auto rows = ListUnits(via);
    if (!rows) return false;
    ActiveUnits found;
    int count = 0;
    for (const auto& s : *rows) {
      *seen += s.unit + " " + s.active + " " + s.machine + "\n";
      if (s.active != "active") continue;
      found[s.unit].push_back(s.machine);
      ++count;
    }
    if (count != n) return false;
    if (active) *active = found;
    return true;
  });
}

int FleetCluster::MainPid(int via, const std::string& unit) const {
  auto r = Fleetctl(via, {"status", unit});
  auto at = r.out.find("Main PID: ");
  if (at == std::string::npos) return 0;
  return std::atoi(r.out.c_str() + at + 10);
}

::testing::AssertionResult FleetCluster::DestroyAllUnits(int via) const {
  auto files = ListUnitFiles(via);
  if (!files) return ::testing::AssertionFailure() << "list-unit-files failed";
  if (!files->empty()) {
    std::vector<std::string> args = {"destroy"};
    for (const auto& f : *files) args.push_back(f.unit);
    auto r = Fleetctl(via, args);
    if (r.code != 0) return ::testing::AssertionFailure() << "destroy: " << r.out << r.err;
  }
  return WaitFor("no unit files and no unit states", [&](std::string* seen) {
    auto f = ListUnitFiles(via);
    auto s = ListUnits(via);
    if (f) *seen += std::to_string(f->size()) + " unit files\n";
    if (s) *seen += std::to_string(s->size()) + " unit states\n";
    return f && s && f->empty() && s->empty();
  });
}

::testing::AssertionResult FleetCluster::StopMember(int i) {
  auto& m = members_[i];
  m.process.Signal(SIGTERM);
  if (!m.process.Wait(15s)) {
    m.process.Kill();
    return ::testing::AssertionFailure()
           << "member " << m.name << " did not stop on SIGTERM; log in " << m.log_path;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult FleetCluster::RestartMember(int i,
                                                       const std::vector<std::string>& extra) {
  auto& m = members_[i];
  m.argv.insert(m.argv.end(), extra.begin(), extra.end());
  if (!testing::RestartMember(m)) {
    return ::testing::AssertionFailure()
           << "member " << m.name << " did not come back; log in " << m.log_path;
  }
  machine_ids_[i] = ReadMachineId(i);
  return ::testing::AssertionSuccess();
}

std::vector<int> FleetCluster::UnitProcesses(int i) const {
  std::vector<int> pids;
  for (const auto& l : service::FindLeftovers(manager_ids_[i])) pids.push_back(l.pid);
  return pids;
}

std::string Said(const ProcessResult& r) {
  return "exit " + std::to_string(r.code) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
}

std::string Show(const ActiveUnits& active) {
  std::string s;
  for (const auto& [unit, machines] : active) {
    s += unit + ":";
    for (const auto& m : machines) s += " " + m;
    s += "\n";
  }
  return s;
}

std::string OnlyMachine(const ActiveUnits& active, const std::string& unit) {
  auto it = active.find(unit);
  if (it == active.end()) return "";
  return it->second.size() == 1 ? it->second[0] : "?";
}

namespace fixtures {

std::string Hello() {
  return "[Unit]\n"
         "Description=Hello World\n"
         "\n"
         "[Service]\n"
         "ExecStart=/bin/sh -c \"while true; do echo Hello, World!; sleep 1; done\"\n";
}

std::string Loop(const std::string& line, const std::vector<std::string>& x_fleet) {
  std::string text =
      "[Unit]\n"
      "Description=Test Unit\n"
      "\n"
      "[Service]\n"
      "ExecStart=/bin/sh -c \"while true; do echo " +
      line + "; sleep 1; done\"\n";
  if (!x_fleet.empty()) {
    text += "\n[X-Fleet]\n";
    for (const auto& l : x_fleet) text += l + "\n";
  }
  return text;
}

}  // namespace fixtures

}  // namespace flotilla::testing

// Blocking until units reach a state (fleetctl.go: getBlockAttempts,
// tryWaitForUnitStates, checkUnitState, assertUnitState,
// tryWaitForSystemdActiveState). fleetctl polls each unit in a goroutine of
// its own; here one loop polls them in turn, one attempt per unit per
// round, which prints the same lines and gives up at the same count.
#include <thread>

#include "cli/fleetctl/commands.h"
#include "cli/fleetctl/lifecycle.h"
#include "cli/fleetctl/unit_files.h"

namespace flotilla::cli::fleetctl {
namespace {

using base::Code;
using base::Status;

// A reason is shown while waiting forever once it has held this many polls.
constexpr int kReasonPolls = 8;

struct Waiting {
  std::string name;
  int attempts = 0;
  std::string reason;  // flotilla's "why not placed", from the last poll
  int reason_polls = 0;
  std::string reason_shown;
};

// assertUnitState: true (and the line printed) once `w` is in `state`.
bool AssertUnitState(Session& s, Waiting& w, std::string_view state) {
  auto u = s.api().GetUnit(w.name);
  if (!u.ok()) {
    Stderr("Error retrieving Unit(" + w.name + ") from Registry: " + u.status().message());
    return false;
  }
  if (!*u) {
    Stderr("Unit " + w.name + " not found");
    return false;
  }
  const Unit& unit = **u;
  w.reason_polls = unit.reason == w.reason ? w.reason_polls + 1 : 1;
  w.reason = unit.reason;
  // A global unit never gets a current state; its desired one is awaited.
  // fleet always reports one for other units; none is read as inactive.
  bool global = IsGlobal(unit);
  std::string current = unit.current_state;
  if (!global && current.empty()) current = "inactive";
  if ((global ? unit.desired_state : current) != state) return false;
  std::string msg = "Unit " + w.name + " " + current;
  if (!unit.machine_id.empty()) {
    if (const Machine* m = s.CachedMachine(unit.machine_id)) {
      msg += " on " + MachineFullLegend(*m, false);
    }
  }
  Stdout(msg);
  return true;
}

bool SystemdActive(const std::vector<UnitState>& states, const std::string& name) {
  for (const auto& us : states) {
    if (us.name == name) {
      return us.systemd_active_state == "active" && us.systemd_load_state == "loaded";
    }
  }
  return false;
}

}  // namespace

int BlockAttempts(const Session& s) {
  if (s.flags().Bool("no-block")) return -1;
  int64_t n = s.flags().Int("block-attempts");
  return n > 0 ? static_cast<int>(n) : 0;
}

Status WaitForUnitStates(Session& s, const std::vector<std::string>& units, std::string_view state,
                         int attempts) {
  std::vector<Waiting> waiting;
  for (const auto& u : units) waiting.push_back({u});
  while (!waiting.empty()) {
    for (auto it = waiting.begin(); it != waiting.end();) {
      if (AssertUnitState(s, *it, state)) {
        it = waiting.erase(it);
        continue;
      }
      ++it->attempts;
      if (attempts >= 1 && it->attempts >= attempts) {
        std::string msg =
            "timed out waiting for unit " + it->name + " to report state " + std::string(state);
        if (!it->reason.empty()) msg += " (not placed: " + it->reason + ")";
        return Status(Code::kTimeout, msg);
      }
      if (attempts < 1 && !it->reason.empty() && it->reason_polls >= kReasonPolls &&
          it->reason != it->reason_shown) {
        Stderr("Unit " + it->name + " not placed yet: " + it->reason);
        it->reason_shown = it->reason;
      }
      ++it;
    }
    if (!waiting.empty()) std::this_thread::sleep_for(kPollInterval);
  }
  return Status::Ok();
}

Status TryWaitForUnitStates(Session& s, const std::vector<std::string>& units,
                            std::string_view verb, std::string_view state, int attempts) {
  if (attempts <= -1) {
    for (const auto& name : units) Stdout("Triggered unit " + name + " " + std::string(verb));
    return Status::Ok();
  }
  Status st = WaitForUnitStates(s, units, state, attempts);
  if (!st.ok()) Stderr("Error waiting for units: " + st.message());
  return st;
}

Status TryWaitForSystemdActiveState(Session& s, const std::vector<std::string>& units,
                                    int attempts) {
  // fleet 1.0 printed "Triggered unit X start" a second time here with
  // --no-block; once is enough.
  if (attempts <= -1 || units.empty()) return Status::Ok();
  int budget = attempts > 0 ? attempts : kReasonPolls;
  for (int round = 0;; ++round) {
    auto states = s.api().UnitStates();
    if (!states.ok()) {
      Status st(states.status().code(),
                "Error retrieving list of units: " + states.status().message());
      Stderr("Error waiting for units: " + st.message());
      return st;
    }
    bool all = true;
    for (const auto& name : units) all = all && SystemdActive(*states, name);
    if (all || round + 1 >= budget) return Status::Ok();
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace flotilla::cli::fleetctl

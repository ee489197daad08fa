#include "cluster_env.h"

#include <algorithm>
#include <sstream>

#include "fleet/placement.h"
#include "fleet/requirements.h"
#include "unit/unit_file.h"

namespace flotilla::fleet::testing {
namespace {

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string Usage(const std::string& what) {
  return "error: usage: " + what + "\n";
}

}  // namespace

std::string ClusterEnv::Run(const std::string& command, const std::vector<std::string>& input) {
  std::vector<std::string> args = Words(command);
  if (args.empty()) return "error: empty command\n";
  std::string verb = args.front();
  args.erase(args.begin());
  if (verb != "unit" && !input.empty()) return "error: " + verb + " takes no input lines\n";
  if (verb == "machine") return Machine_(args);
  if (verb == "metadata") return Metadata(args);
  if (verb == "kill") return Kill(args);
  if (verb == "unit") return Unit(args, input);
  if (verb == "state") return State(args);
  if (verb == "target") return Target(args);
  if (verb == "destroy") return Destroy(args);
  if (verb == "place") return Place_();
  if (verb == "schedule") return Schedule();
  if (verb == "agent") return Agent(args);
  return "error: unknown command " + verb + "\n";
}

Machine* ClusterEnv::FindMachine(const std::string& id) {
  for (auto& m : machines_)
    if (m.id.value == id) return &m;
  return nullptr;
}

Job* ClusterEnv::FindJob(const std::string& name) {
  for (auto& j : jobs_)
    if (j.name == name) return &j;
  return nullptr;
}

std::string ClusterEnv::Machine_(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("machine <id> [k=v ...]");
  Machine* m = FindMachine(args[0]);
  if (!m) m = &machines_.emplace_back(Machine{MachineId{args[0]}, {}});
  m->metadata.clear();
  for (size_t k = 1; k < args.size(); ++k) {
    size_t eq = args[k].find('=');
    if (eq == std::string::npos) return Usage("machine <id> [k=v ...]");
    m->metadata[args[k].substr(0, eq)] = args[k].substr(eq + 1);
  }
  return "ok\n";
}

std::string ClusterEnv::Metadata(const std::vector<std::string>& args) {
  if (args.size() < 2) return Usage("metadata <id> k=v [k= ...]");
  Machine* m = FindMachine(args[0]);
  if (!m) return "error: no machine " + args[0] + "\n";
  for (size_t k = 1; k < args.size(); ++k) {
    size_t eq = args[k].find('=');
    if (eq == std::string::npos) return Usage("metadata <id> k=v [k= ...]");
    std::string key = args[k].substr(0, eq), value = args[k].substr(eq + 1);
    if (value.empty()) {
      m->metadata.erase(key);
    } else {
      m->metadata[key] = value;
    }
  }
  return "ok\n";
}

std::string ClusterEnv::Kill(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("kill <id>");
  auto it = std::find_if(machines_.begin(), machines_.end(),
                         [&](const Machine& m) { return m.id.value == args[0]; });
  if (it == machines_.end()) return "error: no machine " + args[0] + "\n";
  machines_.erase(it);
  return "ok\n";
}

std::string ClusterEnv::Unit(const std::vector<std::string>& args,
                             const std::vector<std::string>& input) {
  if (args.size() != 2) return Usage("unit <name> <inactive|loaded|launched>");
  if (FindJob(args[0])) return "error: " + args[0] + " exists\n";
  if (auto st = ValidateUnitName(args[0]); !st.ok()) return "rejected: " + st.message() + "\n";
  auto state = ParseJobState(args[1]);
  if (!state.ok()) return "error: " + state.status().message() + "\n";
  std::string text = "[X-Fleet]\n";
  for (const auto& l : input) text += l + "\n";
  auto file = unit::ParseUnitFile(text, args[0]);
  if (!file.ok()) return "error: " + file.status().message() + "\n";
  Requirements r = ParseRequirements(*file, args[0]);
  std::string out;
  for (const auto& w : r.warnings) out += "warning: " + w + "\n";
  if (auto st = ValidateRequirements(r); !st.ok()) return out + "rejected: " + st.message() + "\n";
  jobs_.push_back(Job{args[0], std::move(r), *state, std::nullopt});
  return out + "ok\n";
}

std::string ClusterEnv::State(const std::vector<std::string>& args) {
  if (args.size() != 2) return Usage("state <name> <inactive|loaded|launched>");
  Job* j = FindJob(args[0]);
  if (!j) return "error: no unit " + args[0] + "\n";
  auto state = ParseJobState(args[1]);
  if (!state.ok()) return "error: " + state.status().message() + "\n";
  j->desired = *state;
  return "ok\n";
}

std::string ClusterEnv::Target(const std::vector<std::string>& args) {
  if (args.size() != 2) return Usage("target <name> <id|->");
  Job* j = FindJob(args[0]);
  if (!j) return "error: no unit " + args[0] + "\n";
  j->target = args[1] == "-" ? std::nullopt : std::optional<MachineId>(MachineId{args[1]});
  return "ok\n";
}

std::string ClusterEnv::Destroy(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("destroy <name>");
  auto it =
      std::find_if(jobs_.begin(), jobs_.end(), [&](const Job& j) { return j.name == args[0]; });
  if (it == jobs_.end()) return "error: no unit " + args[0] + "\n";
  jobs_.erase(it);
  return "ok\n";
}

std::string ClusterEnv::Place_() {
  Placement p = Place(machines_, jobs_);
  std::string out;
  for (const auto& d : p.decisions) {
    Job* j = FindJob(d.job);
    if (d.kind == Decision::Kind::kUnschedule) {
      out += "unschedule " + d.job + " from " + d.machine.value + ": " + d.reason + "\n";
      if (j && j->target == d.machine) j->target.reset();
    } else {
      out += "schedule " + d.job + " on " + d.machine.value + "\n";
      if (j && !j->target) j->target = d.machine;
    }
  }
  for (const auto& u : p.unplaced) out += "unplaced " + u.job + ": " + u.reason + "\n";
  return out.empty() ? "no decisions\n" : out;
}

std::string ClusterEnv::Schedule() {
  std::vector<const Machine*> sorted;
  for (const auto& m : machines_) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(),
            [](const Machine* a, const Machine* b) { return a->id < b->id; });
  std::string out;
  for (const Machine* m : sorted) {
    out += m->id.value + ":";
    for (const auto& u : AgentDesiredUnits(*m, jobs_)) out += " " + u.name;
    out += "\n";
  }
  std::vector<std::string> idle;
  for (const auto& j : jobs_) {
    if (!j.global() && !j.target) idle.push_back(j.name + "(" + JobStateName(j.desired) + ")");
  }
  std::sort(idle.begin(), idle.end());
  if (!idle.empty()) {
    out += "unscheduled:";
    for (const auto& n : idle) out += " " + n;
    out += "\n";
  }
  return out.empty() ? "no machines\n" : out;
}

std::string ClusterEnv::Agent(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("agent <id>");
  Machine* m = FindMachine(args[0]);
  if (!m) return "error: no machine " + args[0] + "\n";
  std::string out;
  for (const auto& u : AgentDesiredUnits(*m, jobs_)) {
    out += u.name + " " + JobStateName(u.desired) + "\n";
  }
  return out.empty() ? "nothing to run\n" : out;
}

}  // namespace flotilla::fleet::testing

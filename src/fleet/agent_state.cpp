#include "fleet/agent_state.h"

#include <algorithm>

#include "fleet/glob.h"

namespace flotilla::fleet {
namespace {

bool AnyMatches(const std::vector<std::string>& globs, std::string_view name) {
  for (const auto& g : globs)
    if (GlobMatches(g, name)) return true;
  return false;
}

bool ByName(const Job* a, const Job* b) {
  return a->name < b->name;
}

}  // namespace

const Job* AgentState::Find(std::string_view name) const {
  auto it = std::lower_bound(units.begin(), units.end(), name,
                             [](const Job* j, std::string_view n) { return j->name < n; });
  return it != units.end() && (*it)->name == name ? *it : nullptr;
}

AgentState BuildAgentState(const Machine& m, std::vector<const Job*> candidates) {
  std::stable_sort(candidates.begin(), candidates.end(), ByName);
  AgentState state{&m, {}};
  for (const Job* j : candidates) {
    if (j->desired == JobState::kInactive) continue;
    if (j->global() && !HasMetadata(m, j->requirements.metadata)) continue;
    if (!state.units.empty() && state.units.back()->name == j->name) continue;  // duplicate
    if (HasConflict(state, j->name, j->requirements.conflicts)) continue;
    state.units.push_back(j);
  }
  return state;
}

bool HasMetadata(const Machine& m, const MetadataRequirement& required) {
  for (const auto& [key, values] : required) {
    auto it = m.metadata.find(key);
    if (it == m.metadata.end() || !values.contains(it->second)) return false;
  }
  return true;
}

std::string FormatMetadata(const MetadataRequirement& required) {
  std::string out;
  for (const auto& [key, values] : required) {
    if (!out.empty()) out += " and ";
    std::string alts;
    for (const auto& v : values) alts += (alts.empty() ? "" : " or ") + key + "=" + v;
    out += values.size() > 1 && required.size() > 1 ? "(" + alts + ")" : alts;
  }
  return out;
}

std::optional<std::string> HasConflict(const AgentState& state, std::string_view name,
                                       const std::vector<std::string>& conflicts) {
  for (const Job* e : state.units) {
    if (e->name == name) continue;
    if (AnyMatches(conflicts, e->name) || AnyMatches(e->requirements.conflicts, name)) {
      return e->name;
    }
  }
  return std::nullopt;
}

std::optional<std::string> HasReplace(const AgentState& state, std::string_view name,
                                      const std::vector<std::string>& replaces) {
  for (const Job* e : state.units) {
    if (e->name == name) continue;
    bool mine = AnyMatches(replaces, e->name);
    bool theirs = AnyMatches(e->requirements.replaces, name);
    if (mine != theirs) return e->name;
  }
  return std::nullopt;
}

Verdict AbleToRun(const AgentState& state, const Job& job) {
  const Requirements& r = job.requirements;
  auto no = [](std::string reason) { return Verdict{Action::kUnschedule, std::move(reason), {}}; };
  if (r.machine_id && !state.machine->id.Matches(*r.machine_id)) {
    return no("pinned to MachineID " + *r.machine_id);
  }
  if (!r.metadata.empty() && !HasMetadata(*state.machine, r.metadata)) {
    MetadataRequirement missing;  // only the keys it fails
    for (const auto& [key, values] : r.metadata) {
      if (!HasMetadata(*state.machine, {{key, values}})) missing.emplace(key, values);
    }
    return no("lacks metadata " + FormatMetadata(missing));
  }
  for (const auto& peer : r.machine_of) {
    if (!state.Find(peer)) return no("MachineOf peer " + peer + " is not here");
  }
  if (auto c = HasConflict(state, job.name, r.conflicts)) return no("conflicts with " + *c);

  Verdict v;
  for (const Job* e : state.units) {
    if (e->name == job.name || e->global()) continue;
    bool mine = AnyMatches(r.replaces, e->name);
    bool theirs = AnyMatches(e->requirements.replaces, job.name);
    if (mine && theirs) continue;  // circular: ignored here, as fleet does
    if (theirs) return no("replaced by " + e->name);
    if (mine) v.replaced.push_back(e->name);
  }
  if (!v.replaced.empty()) v.action = Action::kReschedule;
  return v;
}

void SortLeastLoaded(std::vector<const AgentState*>& agents) {
  std::stable_sort(agents.begin(), agents.end(), [](const AgentState* a, const AgentState* b) {
    if (a->load() != b->load()) return a->load() < b->load();
    return a->machine->id < b->machine->id;
  });
}

}  // namespace flotilla::fleet

#include "fleet/placement_explain.h"

namespace flotilla::fleet {
namespace {

constexpr size_t kMaxListed = 4;

// "a on m1, b on m2, c on m3, and 2 more".
std::string List(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t k = 0; k < items.size() && k < kMaxListed; ++k) {
    if (k > 0) out += sep;
    out += items[k];
  }
  if (items.size() > kMaxListed)
    out += ", and " + std::to_string(items.size() - kMaxListed) + " more";
  return out;
}

constexpr std::string_view kConflicts = "conflicts with ";

}  // namespace

std::string ExplainUnplaced(ClusterView& cluster, const Job& job) {
  const Requirements& r = job.requirements;
  const auto& machines = cluster.machines();
  if (machines.empty()) return "no machines in the cluster";
  if (auto p = cluster.CircularPartner(job)) {
    return "circular Replaces with " + p->first + ", which is scheduled on " + p->second.value;
  }

  // The machines that meet the static requirements, one at a time.
  std::vector<size_t> eligible;
  for (size_t m = 0; m < machines.size(); ++m) {
    if (!r.machine_id || machines[m]->id.Matches(*r.machine_id)) eligible.push_back(m);
  }
  if (eligible.empty()) {
    return "MachineID " + (r.machine_id->empty() ? "\"\"" : *r.machine_id) + " not in the cluster";
  }
  if (!r.metadata.empty()) {
    std::vector<size_t> with;
    for (size_t m : eligible)
      if (HasMetadata(*machines[m], r.metadata)) with.push_back(m);
    if (with.empty()) {
      return (r.machine_id ? "machine " + machines[eligible[0]]->id.value + " (MachineID) lacks"
                           : std::string("no machine has")) +
             " metadata " + FormatMetadata(r.metadata);
    }
    eligible = std::move(with);
  }
  for (const auto& peer : r.machine_of) {
    bool anywhere = false;
    for (size_t m = 0; m < machines.size() && !anywhere; ++m) anywhere = cluster.View(m).Find(peer);
    if (anywhere) continue;
    const Job* p = cluster.FindJob(peer);
    bool waiting = p && !p->global() && p->desired != JobState::kInactive;
    return waiting ? "waiting for MachineOf peer " + peer
                   : "MachineOf peer " + peer + " is not scheduled";
  }

  // What each machine that is left says.
  std::vector<std::pair<size_t, std::string>> said;
  for (size_t m = 0; m < machines.size(); ++m) {
    said.emplace_back(m, AbleToRun(cluster.View(m), job).reason);
  }
  std::vector<std::pair<size_t, std::string>> left;
  for (size_t m : eligible) {
    bool peers_here = true;
    for (const auto& peer : r.machine_of) peers_here = peers_here && cluster.View(m).Find(peer);
    if (peers_here) left.push_back(said[m]);
  }
  if (left.empty()) {
    std::vector<std::string> items;
    for (const auto& [m, why] : said) items.push_back(machines[m]->id.value + ": " + why);
    return "no machine meets all its requirements (" + List(items, "; ") + ")";
  }
  bool same = true, conflicts = true;
  for (const auto& [m, why] : left) {
    same = same && why == left[0].second;
    conflicts = conflicts && why.starts_with(kConflicts);
  }
  if (same && left.size() == 1) return left[0].second + " on " + machines[left[0].first]->id.value;
  if (same && left.size() == machines.size()) return left[0].second + " on every machine";
  if (same && !r.metadata.empty()) {
    return left[0].second + " on every machine with metadata " + FormatMetadata(r.metadata);
  }
  if (same) return left[0].second + " on every machine it may use";
  std::vector<std::string> items;
  for (const auto& [m, why] : left) {
    items.push_back(conflicts ? why.substr(kConflicts.size()) + " on " + machines[m]->id.value
                              : machines[m]->id.value + ": " + why);
  }
  return conflicts ? std::string(kConflicts) + List(items, ", ") : List(items, "; ");
}

}  // namespace flotilla::fleet

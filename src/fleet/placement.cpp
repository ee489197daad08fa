#include "fleet/placement.h"

#include <algorithm>
#include <optional>
#include <set>

#include "fleet/agent_state.h"
#include "fleet/glob.h"
#include "fleet/placement_explain.h"

namespace flotilla::fleet {
namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

bool Replaces(const Job& a, const Job& b) {
  for (const auto& g : a.requirements.replaces)
    if (GlobMatches(g, b.name)) return true;
  return false;
}

// The in-memory cluster of one Place call: where each job is, and each
// machine's AgentState, rebuilt when its jobs change. Machines are kept
// ordered by (load, id) as they change, so a decision does not sort them
// all again (10,000 units on 1,000 machines place in tens of ms).
class Scheduler final : public ClusterView {
 public:
  Scheduler(std::vector<const Machine*> machines, std::vector<const Job*> jobs)
      : machines_(std::move(machines)), jobs_(std::move(jobs)) {
    // Callers usually pass them in order already (the engine does).
    auto by_id = [](const Machine* a, const Machine* b) { return a->id < b->id; };
    if (!std::is_sorted(machines_.begin(), machines_.end(), by_id))
      std::stable_sort(machines_.begin(), machines_.end(), by_id);
    machines_.erase(std::unique(machines_.begin(), machines_.end(),
                                [](const Machine* a, const Machine* b) { return a->id == b->id; }),
                    machines_.end());
    auto by_name = [](const Job* a, const Job* b) { return a->name < b->name; };
    if (!std::is_sorted(jobs_.begin(), jobs_.end(), by_name))
      std::stable_sort(jobs_.begin(), jobs_.end(), by_name);
    jobs_.erase(std::unique(jobs_.begin(), jobs_.end(),
                            [](const Job* a, const Job* b) { return a->name == b->name; }),
                jobs_.end());
    target_.assign(jobs_.size(), kNone);
    last_reason_.resize(jobs_.size());
    views_.resize(machines_.size());
    jobs_of_.resize(machines_.size());
    load_.assign(machines_.size(), kNone);
    for (size_t m = 0; m < machines_.size(); ++m) stale_.push_back(m);
    for (size_t i = 0; i < jobs_.size(); ++i) {
      const Job& j = *jobs_[i];
      if (j.global()) {
        globals_.push_back(&j);
        continue;
      }
      if (!j.requirements.replaces.empty()) replacers_.push_back(i);
      if (!j.target) continue;
      size_t m = MachineIndex(*j.target);
      if (m != kNone) {
        SetTarget(i, m);
      } else {
        Emit(Decision::Kind::kUnschedule, i, *j.target,
             j.desired == JobState::kInactive ? "desired state inactive"
                                              : "target machine went away");
      }
    }
  }

  Placement Run() {
    // Causes before effects: the units leaving by choice go first, then
    // those they leave unable to stay.
    for (size_t i = 0; i < jobs_.size(); ++i) {
      if (jobs_[i]->desired == JobState::kInactive) CheckScheduled(i);
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < jobs_.size(); ++i) changed |= CheckScheduled(i);
    }
    std::vector<bool> placed(jobs_.size(), false);
    for (bool progress = true; progress;) {
      progress = false;
      for (size_t i = 0; i < jobs_.size(); ++i) {
        if (!Pending(i) || placed[i]) continue;
        bool replaces = false;
        size_t m = Decide(i, &replaces);
        if (m == kNone) continue;
        SetTarget(i, m);
        Emit(Decision::Kind::kSchedule, i, machines_[m]->id, "");
        placed[i] = progress = true;
        // Only units it replaces can no longer stay: it passed AbleToRun,
        // so it conflicts with none of them and removes no peer.
        if (replaces) Recheck(m);
      }
    }
    for (size_t i = 0; i < jobs_.size(); ++i) {
      if (!Pending(i)) continue;
      bool replaces;
      // A unit placed and then moved away by Replaces in this call waits
      // for the next one, which may find it a machine.
      std::string reason =
          placed[i] && Decide(i, &replaces) != kNone
              ? "moved away in this pass (" + last_reason_[i] + "); placed again on the next one"
              : ExplainUnplaced(*this, *jobs_[i]);
      out_.unplaced.push_back({jobs_[i]->name, std::move(reason)});
    }
    return std::move(out_);
  }

  // ClusterView
  const std::vector<const Machine*>& machines() const override { return machines_; }
  const AgentState& View(size_t m) override {
    if (!views_[m]) {
      std::vector<const Job*> candidates = globals_;
      for (size_t i : jobs_of_[m]) candidates.push_back(jobs_[i]);
      views_[m] = BuildAgentState(*machines_[m], std::move(candidates));
    }
    return *views_[m];
  }
  const Job* FindJob(std::string_view name) const override {
    auto it = std::lower_bound(jobs_.begin(), jobs_.end(), name,
                               [](const Job* j, std::string_view n) { return j->name < n; });
    return it != jobs_.end() && (*it)->name == name ? *it : nullptr;
  }
  std::optional<std::pair<std::string, MachineId>> CircularPartner(const Job& j) const override {
    if (size_t x = Partner(Index(j), /*only_before=*/false); x != kNone) {
      return std::make_pair(jobs_[x]->name, machines_[target_[x]]->id);
    }
    return std::nullopt;
  }

 private:
  size_t MachineIndex(const MachineId& id) const {
    auto it = std::lower_bound(machines_.begin(), machines_.end(), id,
                               [](const Machine* m, const MachineId& x) { return m->id < x; });
    return it != machines_.end() && (*it)->id == id ? it - machines_.begin() : kNone;
  }
  size_t Index(const Job& j) const {
    auto it = std::lower_bound(jobs_.begin(), jobs_.end(), j.name,
                               [](const Job* a, const std::string& n) { return a->name < n; });
    return it - jobs_.begin();
  }

  // A non-global job wanting a machine and without one.
  bool Pending(size_t i) const {
    return !jobs_[i]->global() && jobs_[i]->desired != JobState::kInactive && target_[i] == kNone;
  }

  // A scheduled job whose Replaces and its own match each other; with
  // `only_before`, one that sorts before job i.
  size_t Partner(size_t i, bool only_before) const {
    const Job& j = *jobs_[i];
    if (j.requirements.replaces.empty()) return kNone;
    for (size_t x : replacers_) {
      if (x == i || target_[x] == kNone || (only_before && x > i)) continue;
      if (jobs_[x]->desired == JobState::kInactive) continue;
      if (Replaces(j, *jobs_[x]) && Replaces(*jobs_[x], j)) return x;
    }
    return kNone;
  }

  // Pass 1 for job i: unschedules it if it may not stay where it is.
  bool CheckScheduled(size_t i) {
    size_t m = target_[i];
    if (m == kNone) return false;
    const Job& j = *jobs_[i];
    std::string reason;
    if (j.desired == JobState::kInactive) {
      reason = "desired state inactive";
    } else if (size_t x = Partner(i, /*only_before=*/true); x != kNone) {
      reason = "circular Replaces with " + jobs_[x]->name + ", which stays";
    } else if (Verdict v = AbleToRun(View(m), j); v.action == Action::kUnschedule) {
      reason = std::move(v.reason);
    } else {
      return false;
    }
    SetTarget(i, kNone);
    last_reason_[i] = reason;
    Emit(Decision::Kind::kUnschedule, i, machines_[m]->id, std::move(reason));
    return true;
  }

  // Pass 1 again for the jobs of machine m, after a placement there.
  void Recheck(size_t m) {
    for (bool changed = true; changed;) {
      changed = false;
      std::vector<size_t> here = jobs_of_[m];
      std::sort(here.begin(), here.end());  // by name, as pass 1 goes
      for (size_t i : here)
        if (target_[i] == m) changed |= CheckScheduled(i);
    }
  }

  // Moves job i to machine m (kNone: nowhere); both machines' views go stale.
  void SetTarget(size_t i, size_t m) {
    if (size_t old = target_[i]; old != kNone) {
      auto& list = jobs_of_[old];
      list.erase(std::find(list.begin(), list.end(), i));
      Invalidate(old);
    }
    target_[i] = m;
    if (m != kNone) {
      jobs_of_[m].push_back(i);
      Invalidate(m);
    }
  }

  void Invalidate(size_t m) {
    if (views_[m]) stale_.push_back(m);
    views_[m].reset();
  }

  // by_load_ brought up to date with the views that changed.
  void Refresh() {
    for (size_t m : stale_) {
      size_t load = View(m).load();
      if (load == load_[m]) continue;
      if (load_[m] != kNone) by_load_.erase({load_[m], m});
      load_[m] = load;
      by_load_.insert({load, m});
    }
    stale_.clear();
  }

  // The least-loaded machine that can take job i, or kNone; `replaces`
  // tells whether units there must then leave.
  size_t Decide(size_t i, bool* replaces) {
    if (Partner(i, /*only_before=*/false) != kNone) return kNone;
    Refresh();
    // SortLeastLoaded's order: load, then id (machines_ is by id).
    for (auto [load, m] : by_load_) {
      Action action = AbleToRun(View(m), *jobs_[i]).action;
      if (action == Action::kUnschedule) continue;
      *replaces = action == Action::kReschedule;
      return m;
    }
    return kNone;
  }

  void Emit(Decision::Kind kind, size_t i, const MachineId& m, std::string reason) {
    out_.decisions.push_back({kind, jobs_[i]->name, m, std::move(reason)});
  }

  std::vector<const Machine*> machines_;  // by id
  std::vector<const Job*> jobs_;          // by name
  std::vector<const Job*> globals_;       // by name
  std::vector<size_t> replacers_;         // non-global jobs with Replaces
  std::vector<size_t> target_;            // per job: machine index or kNone
  std::vector<std::optional<AgentState>> views_;
  std::vector<std::vector<size_t>> jobs_of_;     // per machine: its jobs
  std::set<std::pair<size_t, size_t>> by_load_;  // (load, machine)
  std::vector<size_t> load_;                     // per machine: as in by_load_
  std::vector<size_t> stale_;                    // machines whose view changed
  std::vector<std::string> last_reason_;         // per job: why pass 1 last moved it
  Placement out_;
};

}  // namespace

Placement Place(const std::vector<Machine>& machines, const std::vector<Job>& jobs) {
  std::vector<const Machine*> m;
  std::vector<const Job*> j;
  for (const auto& x : machines) m.push_back(&x);
  for (const auto& x : jobs) j.push_back(&x);
  return Scheduler(std::move(m), std::move(j)).Run();
}

Placement PlaceBorrowed(std::vector<const Machine*> machines, std::vector<const Job*> jobs) {
  return Scheduler(std::move(machines), std::move(jobs)).Run();
}

std::vector<AgentUnit> AgentDesiredUnits(const Machine& machine, const std::vector<Job>& jobs) {
  std::vector<const Job*> candidates;
  for (const auto& j : jobs) {
    if (j.global() || (j.target && j.target->value == machine.id.value)) candidates.push_back(&j);
  }
  std::vector<AgentUnit> out;
  for (const Job* j : BuildAgentState(machine, std::move(candidates)).units) {
    out.push_back({j->name, j->desired});
  }
  return out;
}

}  // namespace flotilla::fleet

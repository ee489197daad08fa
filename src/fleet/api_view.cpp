#include "fleet/api_view.h"

#include "fleet/requirements.h"

namespace flotilla::fleet {
namespace {

// The stored body of `unit`, parsed; nullopt when missing or unreadable.
std::optional<unit::UnitFile> BodyOf(const Snapshot& s, const std::string& unit,
                                     const JobRecord& job) {
  auto body = s.bodies.find(job.hash);
  if (body == s.bodies.end()) return std::nullopt;
  auto file = unit::ParseUnitFile(body->second, unit);
  if (!file.ok()) return std::nullopt;
  return std::move(*file);
}

ApiUnit UnitFrom(const Snapshot& s, const std::string& name, const JobRecord& job) {
  ApiUnit u;
  u.name = name;
  u.desired_state = JobStateName(job.desired);
  bool global = false;
  if (auto file = BodyOf(s, name, job)) {
    for (const auto& o : file->options) u.options.push_back({o.section, o.name, o.value});
    global = ParseRequirements(*file, name).global;
  }
  if (!global) {
    u.machine_id = s.TargetOf(name);
    u.current_state = "inactive";
    if (!u.machine_id.empty()) {
      if (auto st = s.states.find(name); st != s.states.end()) {
        if (auto rec = st->second.find(u.machine_id); rec != st->second.end())
          u.current_state = JobStateName(rec->second.fleet_state);
      }
    }
  }
  if (job.desired != JobState::kInactive && u.machine_id.empty()) {
    if (auto why = s.unplaced.find(name); why != s.unplaced.end()) u.reason = why->second;
  }
  return u;
}

}  // namespace

std::vector<ApiUnit> UnitsOf(const Snapshot& s) {
  std::vector<ApiUnit> out;
  for (const auto& [name, job] : s.jobs) {
    if (!job.hash.empty()) out.push_back(UnitFrom(s, name, job));
  }
  return out;
}

std::optional<ApiUnit> UnitOf(const Snapshot& s, const std::string& name) {
  auto it = s.jobs.find(name);
  if (it == s.jobs.end() || it->second.hash.empty()) return std::nullopt;
  return UnitFrom(s, name, it->second);
}

std::vector<ApiUnitState> UnitStatesOf(const Snapshot& s, std::string_view machine,
                                       std::string_view unit) {
  std::vector<ApiUnitState> out;
  for (const auto& [name, by_machine] : s.states) {
    if (!unit.empty() && name != unit) continue;
    for (const auto& [id, rec] : by_machine) {
      if (!machine.empty() && id != machine) continue;
      if (!s.machines.count(id)) continue;
      out.push_back({name, rec.hash, id, rec.load, rec.active, rec.sub});
    }
  }
  return out;
}

std::vector<ApiMachine> MachinesOf(const Snapshot& s) {
  std::vector<ApiMachine> out;
  for (const auto& [id, m] : s.machines)
    out.push_back({id, m.public_ip, s.MachineView(m).metadata});
  return out;
}

bool IsGlobalUnit(const Snapshot& s, const std::string& unit) {
  auto it = s.jobs.find(unit);
  if (it == s.jobs.end()) return false;
  auto file = BodyOf(s, unit, it->second);
  return file && ParseRequirements(*file, unit).global;
}

std::vector<std::string> MachinesRunning(const Snapshot& s, const std::string& unit) {
  std::vector<std::string> out;
  if (IsGlobalUnit(s, unit)) {
    if (auto st = s.states.find(unit); st != s.states.end()) {
      for (const auto& [id, rec] : st->second)
        if (s.machines.count(id)) out.push_back(id);
    }
    return out;
  }
  std::string target = s.TargetOf(unit);
  if (!target.empty()) out.push_back(target);
  return out;
}

unit::UnitFile UnitFileOf(const std::vector<ApiUnitOption>& options) {
  unit::UnitFile file;
  for (const auto& o : options) file.options.push_back({o.section, o.name, o.value});
  return file;
}

base::Status ValidateUnitOptions(const unit::UnitFile& file) {
  auto reread = unit::ParseUnitFile(unit::Serialize(file), "unit");
  if (!reread.ok()) return reread.status();
  return ValidateRequirements(ParseRequirements(file, ""));
}

bool IsTemplateName(std::string_view name) {
  size_t at = name.find('@');
  size_t dot = name.rfind('.');
  return at != std::string_view::npos && dot != std::string_view::npos && dot == at + 1;
}

}  // namespace flotilla::fleet

#include "fleet/memory_host.h"

namespace flotilla::fleet {

std::map<std::string, std::string> MemoryHost::Owned() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, u] : units_) out[name] = u.hash;
  return out;
}

base::Status MemoryHost::Load(const std::string& name, const unit::UnitFile& file,
                              const std::string& hash) {
  auto it = units_.find(name);
  if (it != units_.end() && it->second.state.Running())
    return base::Status(base::Code::kInvalidArgument, name + " is active; stop it first");
  units_[name] = Unit{file, hash, {}};
  return base::Status::Ok();
}

base::Status MemoryHost::Unload(const std::string& name) {
  auto it = units_.find(name);
  if (it == units_.end())
    return base::Status(base::Code::kNotFound, "Unit " + name + " not loaded.");
  if (it->second.state.Running())
    return base::Status(base::Code::kInvalidArgument, name + " is active; stop it first");
  units_.erase(it);
  return base::Status::Ok();
}

void MemoryHost::Set(const std::string& name, HostUnitState state) {
  loop_.Post([this, name, state, alive = alive_] {
    if (!*alive) return;
    auto it = units_.find(name);
    if (it == units_.end()) return;
    it->second.state = state;
    if (on_change) on_change(name);
  });
}

base::Status MemoryHost::Start(const std::string& name) {
  if (!units_.count(name))
    return base::Status(base::Code::kNotFound, "Unit " + name + " not found.");
  ++starts[name];
  if (fail_starts.count(name)) {
    Set(name, {"loaded", "failed", "failed"});
  } else {
    Set(name, {"loaded", "active", "running"});
  }
  return base::Status::Ok();
}

base::Status MemoryHost::Stop(const std::string& name) {
  if (!units_.count(name))
    return base::Status(base::Code::kNotFound, "Unit " + name + " not loaded.");
  Set(name, {"loaded", "inactive", "dead"});
  return base::Status::Ok();
}

std::optional<HostUnitState> MemoryHost::StateOf(const std::string& name) const {
  auto it = units_.find(name);
  if (it == units_.end()) return std::nullopt;
  return it->second.state;
}

const unit::UnitFile* MemoryHost::File(const std::string& name) const {
  auto it = units_.find(name);
  return it == units_.end() ? nullptr : &it->second.file;
}

}  // namespace flotilla::fleet

#include "fleet/unit_host.h"

namespace flotilla::fleet {
namespace {

constexpr std::string_view kSourcePrefix = "fleet:";

}  // namespace

ManagerHost::ManagerHost(service::Manager& manager) : manager_(manager) {
  manager_.OnUnitChanged([this](const std::string& name, const service::ServiceStatus&) {
    if (on_change) on_change(name);
  });
}

std::map<std::string, std::string> ManagerHost::Owned() const {
  std::map<std::string, std::string> out;
  for (const auto& name : manager_.Units()) {
    std::string source = manager_.Source(name);
    if (source.starts_with(kSourcePrefix)) out[name] = source.substr(kSourcePrefix.size());
  }
  return out;
}

base::Status ManagerHost::Load(const std::string& name, const unit::UnitFile& file,
                               const std::string& hash) {
  return manager_.Add(file, name, std::string(kSourcePrefix) + hash);
}

base::Status ManagerHost::Unload(const std::string& name) {
  return manager_.Unload(name);
}

base::Status ManagerHost::Start(const std::string& name) {
  return manager_.Start(name);
}

base::Status ManagerHost::Stop(const std::string& name) {
  return manager_.Stop(name);
}

std::optional<HostUnitState> ManagerHost::StateOf(const std::string& name) const {
  const service::Service* s = manager_.Find(name);
  if (!s) return std::nullopt;
  const auto& st = s->status();
  return HostUnitState{"loaded", service::ToString(st.active), service::ToString(st.sub)};
}

}  // namespace flotilla::fleet

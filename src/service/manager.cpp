#include "service/manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "base/fs.h"

namespace flotilla::service {
namespace {

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool Settled(const ServiceStatus& s) {
  return s.active == ActiveState::kActive || s.active == ActiveState::kFailed ||
         (s.active == ActiveState::kInactive && s.result == ServiceResult::kSuccess &&
          s.sub == SubState::kDead && s.since.time_since_epoch().count() != 0);
}

}  // namespace

Manager::Manager(net::EventLoop& loop, Journal* journal, std::map<std::string, std::string> env)
    : loop_(loop), journal_(journal), base_env_(std::move(env)) {}

Manager::~Manager() = default;

Manager::Unit* Manager::Get(const std::string& name) {
  auto it = units_.find(name);
  return it == units_.end() ? nullptr : &it->second;
}

const Service* Manager::Find(const std::string& name) const {
  auto it = units_.find(name);
  return it == units_.end() ? nullptr : it->second.service.get();
}

const unit::UnitFile* Manager::File(const std::string& name) const {
  auto it = units_.find(name);
  return it == units_.end() ? nullptr : &it->second.file;
}

std::vector<std::string> Manager::Units() const {
  std::vector<std::string> out;
  for (const auto& [name, u] : units_) out.push_back(name);
  return out;
}

base::Status Manager::Load(const unit::UnitFile& file, const std::string& name) {
  auto parsed = unit::ParseUnitName(name);
  if (!parsed.ok()) return parsed.status();
  if (parsed->type != "service") {
    return base::Status(base::Code::kInvalidArgument, name + ": only .service units can run");
  }
  if (parsed->IsTemplate()) {
    return base::Status(base::Code::kInvalidArgument,
                        name + ": a template cannot run; start an instance of it");
  }
  auto config = ReadServiceConfig(file, *parsed, name);
  if (!config.ok()) return config.status();
  if (auto* old = Get(name); old && old->service) {
    auto a = old->service->status().active;
    if (a != ActiveState::kInactive && a != ActiveState::kFailed) {
      return base::Status(base::Code::kInvalidArgument, name + " is active; stop it first");
    }
  }
  std::string ident = config->MainCommand().empty() ? parsed->prefix : config->MainCommand();
  Service::Events events;
  events.message = [this, name](std::string_view m) {
    if (journal_) (void)journal_->AppendEvent(name, m);
  };
  events.output = [this, name, ident](pid_t pid, Stream s, std::string_view line) {
    if (!journal_) return;
    JournalEntry e;
    e.unit = name;
    e.pid = pid;
    e.stream = s == Stream::kStdout ? JournalStream::kStdout : JournalStream::kStderr;
    e.identifier = ident;
    e.message = std::string(line);
    (void)journal_->Append(std::move(e));
  };
  events.changed = [this, name](const ServiceStatus& st) { OnChanged(name, st); };
  Unit u;
  u.file = file;
  u.service = std::make_unique<Service>(loop_, std::move(*config), base_env_, std::move(events));
  units_[name] = std::move(u);
  return base::Status::Ok();
}

base::Status Manager::LoadDirectory(const std::string& dir) {
  auto& fs = base::RealFs();
  auto names = fs.ListDir(dir);
  if (!names.ok()) return names.status().WithContext("unit directory");
  for (const auto& n : *names) {  // sorted
    if (n.size() <= 8 || !n.ends_with(".service") || n.find("@.") != std::string::npos) continue;
    std::string path = base::JoinPath(dir, n);
    auto text = fs.ReadFile(path);
    if (!text.ok()) return text.status();
    auto file = unit::ParseUnitFile(*text, path);
    if (!file.ok()) return file.status();
    FLOTILLA_RETURN_IF_ERROR(Load(*file, n));
  }
  return base::Status::Ok();
}

base::Status Manager::Unload(const std::string& name) {
  auto* u = Get(name);
  if (!u) return base::Status(base::Code::kNotFound, "Unit " + name + " not loaded.");
  auto a = u->service->status().active;
  if (a != ActiveState::kInactive && a != ActiveState::kFailed)
    return base::Status(base::Code::kInvalidArgument, name + " is active; stop it first");
  pending_.erase(name);
  units_.erase(name);
  return base::Status::Ok();
}

// u, what it requires or wants, and the sidekicks wanted by any of those.
std::set<std::string> Manager::PullIn(const std::string& name) {
  std::set<std::string> in;
  std::deque<std::string> todo{name};
  while (!todo.empty()) {
    std::string n = todo.front();
    todo.pop_front();
    if (!in.insert(n).second) continue;
    auto* u = Get(n);
    if (!u) continue;
    const auto& c = u->service->config();
    for (const auto* list : {&c.requires_, &c.wants, &c.binds_to})
      for (const auto& dep : *list)
        if (Get(dep)) todo.push_back(dep);
    for (const auto& [other, ou] : units_)
      if (Has(ou.service->config().wanted_by, n)) todo.push_back(other);
  }
  return in;
}

base::Status Manager::Start(const std::string& name) {
  auto* root = Get(name);
  if (!root) return base::Status(base::Code::kNotFound, "Unit " + name + " not found.");
  for (const auto& dep : root->service->config().requires_) {
    if (dep.ends_with(".service") && !Get(dep))
      return base::Status(base::Code::kNotFound, "Unit " + dep + " not found.");
  }
  auto set = PullIn(name);
  // Conflicts, either way round, are stopped first.
  for (const auto& n : set) {
    const auto& c = Get(n)->service->config();
    for (auto& [other, ou] : units_) {
      if (set.count(other)) continue;
      if (Has(c.conflicts, other) || Has(ou.service->config().conflicts, n)) {
        pending_.erase(other);
        ou.service->Stop();
      }
    }
  }
  for (const auto& n : set) {
    auto* u = Get(n);
    auto a = u->service->status().active;
    if (a == ActiveState::kActive || a == ActiveState::kActivating) continue;
    std::set<std::string> after;
    for (const auto& m : set) {
      if (m == n) continue;
      if (Has(u->service->config().after, m) || Has(Get(m)->service->config().before, n))
        after.insert(m);
    }
    pending_[n] = std::move(after);
  }
  StartReady();
  return base::Status::Ok();
}

// Starts every pending unit whose ordering predecessors have settled.
void Manager::StartReady() {
  if (in_start_ready_) return;
  in_start_ready_ = true;
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto* u = Get(it->first);
      bool ready = true, dependency_failed = false;
      for (const auto& dep : it->second) {
        auto* d = Get(dep);
        if (pending_.count(dep) || !Settled(d->service->status())) {
          ready = false;
          break;
        }
        const auto& c = u->service->config();
        if (d->service->status().active == ActiveState::kFailed &&
            (Has(c.requires_, dep) || Has(c.binds_to, dep)))
          dependency_failed = true;
      }
      if (!ready) {
        ++it;
        continue;
      }
      std::string n = it->first;
      it = pending_.erase(it);
      progress = true;
      if (dependency_failed) {
        if (journal_) {
          (void)journal_->AppendEvent(
              n, fmt::format("Dependency failed for {}.", u->service->config().description.empty()
                                                              ? n
                                                              : u->service->config().description));
        }
        continue;
      }
      u->service->Start();
    }
  }
  in_start_ready_ = false;
}

base::Status Manager::Stop(const std::string& name) {
  if (!Get(name)) return base::Status(base::Code::kNotFound, "Unit " + name + " not loaded.");
  std::set<std::string> stop;
  std::deque<std::string> todo{name};
  while (!todo.empty()) {
    std::string n = todo.front();
    todo.pop_front();
    if (!stop.insert(n).second) continue;
    for (const auto& [other, ou] : units_) {
      const auto& c = ou.service->config();
      if (Has(c.requires_, n) || Has(c.binds_to, n)) todo.push_back(other);
    }
  }
  for (const auto& n : stop) {
    pending_.erase(n);
    Get(n)->service->Stop();
  }
  return base::Status::Ok();
}

base::Status Manager::Restart(const std::string& name) {
  auto* u = Get(name);
  if (!u) return base::Status(base::Code::kNotFound, "Unit " + name + " not loaded.");
  u->service->Restart();
  return base::Status::Ok();
}

void Manager::OnChanged(const std::string& name, const ServiceStatus& status) {
  if (status.active == ActiveState::kInactive || status.active == ActiveState::kFailed) {
    // Units bound to this one go with it.
    for (auto& [other, ou] : units_) {
      if (!Has(ou.service->config().binds_to, name)) continue;
      auto a = ou.service->status().active;
      if (a == ActiveState::kActive || a == ActiveState::kActivating) {
        loop_.Post([this, other = other] {
          if (auto* u = Get(other)) u->service->Stop();
        });
      }
    }
  }
  if (!pending_.empty()) loop_.Post([this] { StartReady(); });
}

}  // namespace flotilla::service

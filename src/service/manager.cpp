#include "service/manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "base/fs.h"
#include "base/log.h"
#include "service/leftovers.h"

namespace flotilla::service {
namespace {

// CoreOS services that flotilla itself is (its store, its scheduler, its
// container engine): units may require them, and they are always there.
bool ProvidedByFlotilla(const std::string& name) {
  return name == "docker.service" || name == "etcd.service" || name == "etcd2.service" ||
         name == "fleet.service";
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool Settled(const ServiceStatus& s) {
  return s.active == ActiveState::kActive || s.active == ActiveState::kFailed ||
         (s.active == ActiveState::kInactive && s.result == ServiceResult::kSuccess &&
          s.sub == SubState::kDead && s.since.time_since_epoch().count() != 0);
}

constexpr const char* kActiveFile = "active";  // names of the active units, one per line
constexpr const char* kUnitsDir = "units";     // unit files given by content

}  // namespace

Manager::Manager(net::EventLoop& loop, Journal* journal, std::map<std::string, std::string> env)
    : loop_(loop), journal_(journal), base_env_(std::move(env)) {}

Manager::~Manager() {
  *alive_ = false;
}

Manager::Unit* Manager::Get(const std::string& name) {
  auto it = units_.find(name);
  return it == units_.end() ? nullptr : &it->second;
}

Manager::Unit* Manager::GetOrInstantiate(const std::string& name) {
  if (auto* u = Get(name)) return u;
  auto parsed = unit::ParseUnitName(name);
  if (!parsed.ok() || parsed->instance.empty()) return nullptr;
  auto t = templates_.find(parsed->TemplateName());
  if (t == templates_.end()) return nullptr;
  if (auto st = Load(t->second.file, name, t->second.source); !st.ok()) {
    if (journal_) (void)journal_->AppendEvent(name, st.message());
    return nullptr;
  }
  return Get(name);
}

std::string Manager::Source(const std::string& name) const {
  auto it = units_.find(name);
  return it == units_.end() ? "" : it->second.source;
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

base::Status Manager::UseStateDir(const std::string& dir) {
  if (!units_.empty() || !templates_.empty())
    return base::Status(base::Code::kInvalidArgument, "the state directory comes before units");
  auto& fs = base::RealFs();
  FLOTILLA_RETURN_IF_ERROR(fs.CreateDirs(base::JoinPath(dir, kUnitsDir)));
  state_dir_ = dir;
  base_env_[std::string(kManagerEnv)] = dir;
  return LoadFiles(base::JoinPath(dir, kUnitsDir), /*kept=*/true);
}

base::Status Manager::Add(const unit::UnitFile& file, const std::string& name,
                          const std::string& source) {
  FLOTILLA_RETURN_IF_ERROR(Load(file, name, source));
  if (state_dir_.empty()) return base::Status::Ok();
  // The source path goes first, as a comment, so the next run shows it too
  // (LoadFiles).
  std::string text = "# " + source + "\n" + unit::Serialize(file);
  return base::WriteFileAtomic(base::RealFs(), base::JoinPath(state_dir_, kUnitsDir) + "/" + name,
                               text);
}

base::Status Manager::Load(const unit::UnitFile& file, const std::string& name,
                           const std::string& source) {
  auto parsed = unit::ParseUnitName(name);
  if (!parsed.ok()) return parsed.status();
  if (parsed->type != "service") {
    return base::Status(base::Code::kInvalidArgument, name + ": only .service units can run");
  }
  if (parsed->IsTemplate()) {
    templates_[name] = Unit{file, source, nullptr};
    return base::Status::Ok();
  }
  // Specifiers (%i, %n, %H, ...) resolve in every setting, as systemd does.
  unit::UnitFile expanded = file;
  for (auto& o : expanded.options) {
    auto v = unit::ExpandSpecifiers(o.value, *parsed, specifiers_);
    if (!v.ok()) {
      return base::Status(base::Code::kInvalidArgument,
                          fmt::format("{}:{}: {}= {}", source.empty() ? name : source, o.line,
                                      o.name, v.status().message()));
    }
    o.value = std::move(*v);
  }
  auto config = ReadServiceConfig(expanded, *parsed, name);
  if (!config.ok()) return config.status();
  if (auto* old = Get(name); old && old->service) {
    auto a = old->service->status().active;
    if (a != ActiveState::kInactive && a != ActiveState::kFailed) {
      return base::Status(base::Code::kInvalidArgument, name + " is active; stop it first");
    }
  }
  if (journal_)
    for (const auto& w : config->warnings) (void)journal_->AppendEvent(name, w);
  Service::Events events;
  events.message = [this, name](std::string_view m) {
    if (journal_) (void)journal_->AppendEvent(name, m);
  };
  events.output = [this, name](pid_t pid, std::string_view ident, Stream s, std::string_view line) {
    if (!journal_) return;
    JournalEntry e;
    e.unit = name;
    e.pid = pid;
    e.stream = s == Stream::kStdout ? JournalStream::kStdout : JournalStream::kStderr;
    e.identifier = std::string(ident);
    e.message = std::string(line);
    (void)journal_->Append(std::move(e));
  };
  events.changed = [this, name](const ServiceStatus& st) { OnChanged(name, st); };
  Unit u;
  u.file = file;
  u.source = source;
  auto env = base_env_;
  if (!state_dir_.empty()) env["FLOTILLA_UNIT"] = name;
  u.service =
      std::make_unique<Service>(loop_, std::move(*config), std::move(env), std::move(events));
  units_[name] = std::move(u);
  return base::Status::Ok();
}

base::Status Manager::LoadDirectory(const std::string& dir) {
  return LoadFiles(dir, /*kept=*/false);
}

// `kept`: the state directory's copies written by Add, whose first line
// names where they came from.
base::Status Manager::LoadFiles(const std::string& dir, bool kept) {
  auto& fs = base::RealFs();
  auto names = fs.ListDir(dir);
  if (!names.ok()) return names.status().WithContext("unit directory");
  for (const auto& n : *names) {  // sorted
    if (n.size() <= 8 || !n.ends_with(".service")) continue;
    std::string path = base::JoinPath(dir, n);
    auto text = fs.ReadFile(path);
    if (!text.ok()) return text.status();
    auto file = unit::ParseUnitFile(*text, path);
    if (!file.ok()) return file.status();
    std::string source = path;
    if (kept) source = text->starts_with("# ") ? text->substr(2, text->find('\n') - 2) : "";
    FLOTILLA_RETURN_IF_ERROR(Load(*file, n, source));
  }
  return base::Status::Ok();
}

base::Status Manager::Unload(const std::string& name) {
  if (templates_.erase(name)) return base::Status::Ok();
  auto* u = Get(name);
  if (!u) return base::Status(base::Code::kNotFound, "Unit " + name + " not loaded.");
  auto a = u->service->status().active;
  if (a != ActiveState::kInactive && a != ActiveState::kFailed)
    return base::Status(base::Code::kInvalidArgument, name + " is active; stop it first");
  pending_.erase(name);
  units_.erase(name);
  if (!state_dir_.empty()) {
    std::string kept = base::JoinPath(state_dir_, kUnitsDir) + "/" + name;
    if (base::RealFs().Exists(kept)) (void)base::RealFs().Remove(kept);
  }
  return base::Status::Ok();
}

base::Status Manager::Recover(std::chrono::milliseconds grace) {
  if (state_dir_.empty()) return base::Status::Ok();
  auto left = FindLeftovers(state_dir_);
  if (!left.empty()) {
    std::map<std::string, std::string> by_unit;
    for (const auto& l : left)
      by_unit[l.unit] +=
          fmt::format("{}{} ({})", by_unit[l.unit].empty() ? "" : ", ", l.pid, l.comm);
    for (const auto& [unit, list] : by_unit) {
      std::string msg = fmt::format("Stopping processes left by an earlier run: {}", list);
      FLOG_WARN("service: {}{}", unit.empty() ? "" : unit + ": ", msg);
      if (journal_ && !unit.empty()) (void)journal_->AppendEvent(unit, msg);
    }
    StopLeftovers(left, grace);
  }
  auto text = base::RealFs().ReadFile(base::JoinPath(state_dir_, kActiveFile));
  if (!text.ok()) return base::Status::Ok();  // none were active
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    std::string name = text->substr(pos, end - pos);
    pos = end + 1;
    if (name.empty()) continue;
    if (auto st = Start(name); !st.ok())
      FLOG_WARN("service: not restarting {}: {}", name, st.message());
  }
  return base::Status::Ok();
}

std::set<std::string> Manager::ActiveUnits() const {
  std::set<std::string> out;
  for (const auto& [name, u] : units_) {
    auto a = u.service->status().active;
    if (a != ActiveState::kInactive && a != ActiveState::kFailed) out.insert(name);
  }
  for (const auto& [name, deps] : pending_) out.insert(name);
  return out;
}

// Once per loop turn at most: the file is small and written without fsync
// (a power cut stops the units anyway; a crash of flotilla loses nothing).
void Manager::RecordActive() {
  if (state_dir_.empty() || shutting_down_ || record_pending_) return;
  record_pending_ = true;
  loop_.Post([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    record_pending_ = false;
    std::string text;
    for (const auto& n : ActiveUnits()) text += n + "\n";
    auto st = base::WriteFileAtomic(base::RealFs(), base::JoinPath(state_dir_, kActiveFile), text,
                                    /*sync=*/false);
    if (!st.ok()) FLOG_WARN("service: cannot record the active units: {}", st.ToString());
  });
}

void Manager::Shutdown(std::function<void()> done) {
  if (!state_dir_.empty() && !shutting_down_) {
    std::string text;
    for (const auto& n : ActiveUnits()) text += n + "\n";
    auto st = base::WriteFileAtomic(base::RealFs(), base::JoinPath(state_dir_, kActiveFile), text);
    if (!st.ok()) FLOG_WARN("service: cannot record the active units: {}", st.ToString());
  }
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  pending_.clear();
  for (auto& [name, u] : units_) u.service->Stop();
  OnChanged("", {});
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
        if (GetOrInstantiate(dep)) todo.push_back(dep);
    for (const auto& [other, ou] : units_)
      if (Has(ou.service->config().wanted_by, n)) todo.push_back(other);
  }
  return in;
}

base::Status Manager::Start(const std::string& name) {
  if (shutting_down_)
    return base::Status(base::Code::kUnavailable, "the service manager is shutting down");
  auto* root = GetOrInstantiate(name);
  if (!root && templates_.count(name)) {
    return base::Status(base::Code::kInvalidArgument,
                        name + ": a template cannot run; start an instance of it");
  }
  if (!root) return base::Status(base::Code::kNotFound, "Unit " + name + " not found.");
  for (const auto& dep : root->service->config().requires_) {
    if (dep.ends_with(".service") && !ProvidedByFlotilla(dep) && !GetOrInstantiate(dep))
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

base::Status Manager::Reload(const std::string& name) {
  auto* u = Get(name);
  if (!u) return base::Status(base::Code::kNotFound, "Unit " + name + " not loaded.");
  return u->service->Reload();
}

void Manager::OnChanged(const std::string& name, const ServiceStatus& status) {
  RecordActive();
  if (on_unit_changed_ && !name.empty()) on_unit_changed_(name, status);
  if (shutting_down_) {
    bool any_active = std::any_of(units_.begin(), units_.end(), [](const auto& kv) {
      auto a = kv.second.service->status().active;
      return a != ActiveState::kInactive && a != ActiveState::kFailed;
    });
    if (shutdown_done_ && !any_active) {
      loop_.Post([done = std::move(shutdown_done_)] { done(); });
      shutdown_done_ = nullptr;
    }
    return;
  }
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

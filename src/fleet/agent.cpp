#include "fleet/agent.h"

#include "base/log.h"
#include "fleet/placement.h"

namespace flotilla::fleet {

Agent::Agent(Registry& registry, MachineRecord self, UnitHost& host, AgentOptions options)
    : registry_(registry),
      self_(std::move(self)),
      host_(host),
      options_(options),
      beat_timer_(registry.loop()),
      pass_timer_(registry.loop()),
      stop_timer_(registry.loop()) {
  host_.on_change = [this](const std::string&) { MarkDirty(); };
}

Agent::~Agent() {
  *alive_ = false;
  host_.on_change = nullptr;
}

void Agent::Start() {
  started_ = true;
  Beat();
}

void Agent::Beat() {
  if (!started_) return;
  beat_timer_.Start(options_.heartbeat, [this] { Beat(); });
  if (beat_in_flight_) return;
  beat_in_flight_ = true;
  const std::string key = registry_.keys().MachineObject(self_.id);
  auto alive = alive_;
  if (registered_) {
    registry_.client().Set(key, "", {.ttl = options_.ttl, .prev_exist = true, .refresh = true},
                           [this, alive](etcd::Reply r) {
                             if (!*alive) return;
                             beat_in_flight_ = false;
                             if (r.Is(etcd::ErrorCode::kKeyNotFound)) {
                               // It expired (the store was away longer than the TTL): register
                               // again.
                               FLOG_WARN("fleet agent {}: machine key expired; registering again",
                                         self_.id);
                               registered_ = false;
                               Beat();
                             }
                           });
    return;
  }
  std::string value = EncodeMachine(self_);
  registry_.client().Set(
      key, value, {.ttl = options_.ttl, .prev_exist = false},
      [this, alive, key, value](etcd::Reply r) {
        if (!*alive) return;
        if (r.ok() || !r.Is(etcd::ErrorCode::kNodeExist)) {
          beat_in_flight_ = false;
          if (!r.ok()) return;
          OnRegistered();
          return;
        }
        // The key is there: this machine's own from before a restart (same
        // record: take it over), or another machine with the same id.
        registry_.client().Set(
            key, value, {.ttl = options_.ttl, .prev_value = value}, [this, alive](etcd::Reply r2) {
              if (!*alive) return;
              beat_in_flight_ = false;
              if (!r2.ok()) {
                FLOG_WARN("fleet agent {}: another machine is registered with this id", self_.id);
                return;
              }
              OnRegistered();
            });
      });
}

void Agent::OnRegistered() {
  registered_ = true;
  // While the key was gone the engine may have removed this machine's unit
  // states: write them all again.
  published_.clear();
  if (!listed_) return List();
  MarkDirty();
}

void Agent::List() {
  const Keys& keys = registry_.keys();
  registry_.LoadKeys({keys.Schedule(self_.id), keys.Globals(), keys.MachineMetadata(self_.id)},
                     [this, alive = alive_](base::Result<Snapshot> s) {
                       if (!*alive || !started_) return;
                       if (!s.ok()) {
                         FLOG_WARN("fleet agent {}: reading the registry: {}", self_.id,
                                   s.status().ToString());
                         pass_timer_.Start(options_.retry, [this] { List(); });
                         return;
                       }
                       view_ = std::move(*s);
                       listed_ = true;
                       auto make = [&](std::string key) {
                         auto w = std::make_unique<WatchLoop>(
                             registry_.loop(), registry_.client(), std::move(key),
                             WatchLoop::Handlers{[this](const etcd::Response& e) { OnEvent(e); },
                                                 [this] { List(); }},
                             options_.retry);
                         w->Restart(view_.index + 1);
                         return w;
                       };
                       const Keys& k = registry_.keys();
                       schedule_watch_ = make(k.Schedule(self_.id));
                       global_watch_ = make(k.Globals());
                       metadata_watch_ = make(k.MachineMetadata(self_.id));
                       MarkDirty();
                     });
}

void Agent::OnEvent(const etcd::Response& event) {
  Apply(view_, registry_.keys(), event);
  MarkDirty();
}

void Agent::MarkDirty() {
  if (!started_ || pass_timer_.pending()) return;
  pass_timer_.Start(options_.min_pass_interval, [this] { Pass(); });
}

const unit::UnitFile* Agent::Body(const std::string& hash) {
  auto it = bodies_.find(hash);
  if (it != bodies_.end()) return &it->second;
  FetchBody(hash);
  return nullptr;
}

void Agent::FetchBody(const std::string& hash) {
  if (!fetching_.insert(hash).second) return;
  registry_.client().Get(
      registry_.keys().Body(hash), {}, [this, hash, alive = alive_](etcd::Reply r) {
        if (!*alive) return;
        fetching_.erase(hash);
        std::optional<std::string> text = r.ok() ? DecodeBody(r->node.value) : std::nullopt;
        if (!text) {
          FLOG_WARN("fleet agent {}: unit body {}: {}", self_.id, hash,
                    r.ok() ? "not a unit body" : r.status().ToString());
          // Missing ones too: the engine puts back a body it collected
          // just as a unit using it was submitted.
          if (!pass_timer_.pending()) pass_timer_.Start(options_.retry, [this] { Pass(); });
          return;
        }
        auto file = unit::ParseUnitFile(*text, hash);
        if (!file.ok()) {
          FLOG_WARN("fleet agent {}: unit body {}: {}", self_.id, hash, file.status().ToString());
          return;
        }
        bodies_[hash] = std::move(*file);
        MarkDirty();
      });
}

void Agent::Pass() {
  if (!listed_ && !stopping_) return;
  // What this machine should run (none while stopping).
  std::map<std::string, Assignment> want;
  if (!stopping_) {
    std::vector<Job> jobs;
    auto add = [&](const std::string& name, const Assignment& a, bool scheduled) {
      const unit::UnitFile* file = Body(a.hash);
      if (!file) return;
      Job job{name, ParseRequirements(*file, name), a.desired, std::nullopt};
      if (scheduled) {
        job.target = MachineId{self_.id};
        job.requirements.global = false;
      }
      jobs.push_back(std::move(job));
    };
    if (auto it = view_.schedule.find(self_.id); it != view_.schedule.end())
      for (const auto& [name, a] : it->second) add(name, a, true);
    for (const auto& [name, a] : view_.globals) {
      if (view_.schedule.count(self_.id) && view_.schedule.at(self_.id).count(name)) continue;
      add(name, a, false);
    }
    Machine me = view_.MachineView(self_);
    for (const AgentUnit& u : AgentDesiredUnits(me, jobs)) {
      auto s = view_.schedule.find(self_.id);
      const Assignment* a = nullptr;
      if (s != view_.schedule.end())
        if (auto it = s->second.find(u.name); it != s->second.end()) a = &it->second;
      if (!a) a = &view_.globals.at(u.name);
      want[u.name] = *a;
    }
  }

  // Units to go, or whose body changed: stop first, unload once stopped.
  auto owned = host_.Owned();
  for (const auto& [name, hash] : owned) {
    auto w = want.find(name);
    if (w != want.end() && w->second.hash == hash) continue;
    auto st = host_.StateOf(name);
    if (st && st->Running()) {
      if (st->active != "deactivating") (void)host_.Stop(name);
      continue;  // unloaded when its change says it stopped
    }
    launched_.erase(name);
    if (auto s = host_.Unload(name); !s.ok())
      FLOG_WARN("fleet agent {}: unload {}: {}", self_.id, name, s.ToString());
  }
  owned = host_.Owned();
  std::set<std::string> starting;
  for (const auto& [name, a] : want) {
    if (!owned.count(name)) {
      const unit::UnitFile* file = Body(a.hash);
      if (!file) continue;
      if (auto s = host_.Load(name, *file, a.hash); !s.ok()) {
        FLOG_WARN("fleet agent {}: load {}: {}", self_.id, name, s.ToString());
        continue;
      }
      owned[name] = a.hash;
    }
    if (owned[name] != a.hash) continue;  // the old body is still stopping
    auto st = host_.StateOf(name);
    if (a.desired == JobState::kLaunched) {
      if (launched_.insert(name).second) {
        if (auto s = host_.Start(name); !s.ok()) {
          FLOG_WARN("fleet agent {}: start {}: {}", self_.id, name, s.ToString());
        } else if (!st || !st->Running()) {
          starting.insert(name);  // its change follows; publish that one
        }
      }
    } else {
      launched_.erase(name);
      if (st && st->Running() && st->active != "deactivating") (void)host_.Stop(name);
    }
  }
  for (auto it = bodies_.begin(); it != bodies_.end();) {
    bool used = std::any_of(want.begin(), want.end(),
                            [&](const auto& w) { return w.second.hash == it->first; }) ||
                std::any_of(owned.begin(), owned.end(),
                            [&](const auto& o) { return o.second == it->first; });
    it = used ? std::next(it) : bodies_.erase(it);
  }
  auto now_owned = host_.Owned();
  for (const auto& name : starting) now_owned.erase(name);
  Publish(now_owned, starting);
  if (stopping_ && host_.Owned().empty() && published_.empty() && publishing_.empty()) FinishStop();
}

void Agent::Publish(const std::map<std::string, std::string>& owned,
                    const std::set<std::string>& keep) {
  const Keys& keys = registry_.keys();
  auto alive = alive_;
  auto done = [this, alive](const std::string& name, bool ok) {
    if (!*alive) return;
    publishing_.erase(name);
    if (!ok) {
      published_.erase(name);  // unknown now: write it again
      pass_timer_.Start(options_.retry, [this] { Pass(); });
      return;
    }
    MarkDirty();
  };
  for (const auto& [name, hash] : owned) {
    if (publishing_.count(name)) continue;
    auto st = host_.StateOf(name);
    if (!st) continue;
    UnitStateRecord rec{st->load, st->active,
                        st->sub,  self_.id,
                        hash,     launched_.count(name) ? JobState::kLaunched : JobState::kLoaded};
    auto it = published_.find(name);
    if (it != published_.end() && it->second == rec) continue;
    published_[name] = rec;
    publishing_.insert(name);
    // A copy: clang before 16 cannot capture a structured binding.
    registry_.client().Set(keys.State(name, self_.id), EncodeUnitState(rec), {},
                           [done, unit = std::string(name)](etcd::Reply r) { done(unit, r.ok()); });
  }
  for (auto it = published_.begin(); it != published_.end();) {
    const std::string name = it->first;
    if (owned.count(name) || keep.count(name) || publishing_.count(name)) {
      ++it;
      continue;
    }
    it = published_.erase(it);
    publishing_.insert(name);
    registry_.client().Delete(keys.State(name, self_.id), {}, [done, name](etcd::Reply r) {
      done(name, r.ok() || r.Is(etcd::ErrorCode::kKeyNotFound));
    });
  }
}

void Agent::Stop(std::function<void()> done, std::chrono::milliseconds timeout) {
  if (!started_) return done();
  stopping_ = true;
  stop_done_ = std::move(done);
  schedule_watch_.reset();
  global_watch_.reset();
  metadata_watch_.reset();
  stop_timer_.Start(timeout, [this] {
    FLOG_WARN("fleet agent {}: stopping took too long; leaving the rest", self_.id);
    FinishStop();
  });
  Pass();
}

void Agent::FinishStop() {
  if (!stop_done_) return;
  stop_timer_.Cancel();
  beat_timer_.Cancel();
  pass_timer_.Cancel();
  started_ = false;
  auto done = std::move(stop_done_);
  stop_done_ = nullptr;
  if (!registered_) return done();
  registered_ = false;
  // The engine moves whatever was here as soon as the key is gone.
  registry_.client().Delete(registry_.keys().MachineObject(self_.id), {},
                            [done = std::move(done)](etcd::Reply) { done(); });
}

}  // namespace flotilla::fleet

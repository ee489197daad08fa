#include "fleet/engine.h"

#include <unordered_map>

#include "base/log.h"
#include "fleet/placement.h"
#include "unit/unit_file.h"

namespace flotilla::fleet {
namespace {

using Clock = std::chrono::steady_clock;
// How long the text of a collected body is kept, to put it back should a
// unit that uses it turn up (the API skips writing a body already there).
constexpr auto kKeepCollected = std::chrono::seconds(60);
constexpr unsigned kEngineParts =
    kPartJobs | kPartBodies | kPartSchedule | kPartGlobals | kPartUnplaced | kPartMachines;

}  // namespace

Engine::Engine(Registry& registry, std::string machine_id, EngineOptions options)
    : registry_(registry),
      machine_id_(std::move(machine_id)),
      options_(options),
      tick_(registry.loop()),
      pass_timer_(registry.loop()),
      gc_timer_(registry.loop()) {}

Engine::~Engine() {
  *alive_ = false;
}

void Engine::Start() {
  started_ = true;
  Tick();
}

void Engine::Stop(std::function<void()> done) {
  started_ = false;
  tick_.Cancel();
  gc_timer_.Cancel();
  if (!leader_) return done();
  // Finish what is decided (the units of a machine that just purged
  // itself move now, not after the next leader settles), then let go.
  if (pass_timer_.pending()) {
    pass_timer_.Cancel();
    Pass();
  }
  if (writes_in_flight_ > 0) {
    pass_timer_.Start(std::chrono::milliseconds(5),
                      [this, done = std::move(done)]() mutable { Stop(std::move(done)); });
    return;
  }
  uint64_t index = lease_index_;
  LoseLeadership("stopping");
  registry_.client().Delete(registry_.keys().Lease(), {.prev_index = index},
                            [done = std::move(done)](etcd::Reply) { done(); });
}

void Engine::Tick() {
  if (!started_) return;
  tick_.Start(options_.renew_interval, [this] { Tick(); });
  if (lease_call_) return;
  leader_ ? Renew() : Acquire();
}

void Engine::Acquire() {
  LeaseRecord lease{machine_id_, 1};
  lease_call_ = true;
  registry_.client().Set(registry_.keys().Lease(), EncodeLease(lease),
                         {.ttl = options_.lease_ttl, .prev_exist = false},
                         [this, alive = alive_](etcd::Reply r) {
                           if (!*alive) return;
                           lease_call_ = false;
                           if (r.ok() && started_) BecomeLeader(r->node.modified_index);
                         });
}

void Engine::Renew() {
  LeaseRecord lease{machine_id_, 1};
  uint64_t term = term_;
  lease_call_ = true;
  registry_.client().Set(registry_.keys().Lease(), EncodeLease(lease),
                         {.ttl = options_.lease_ttl, .prev_index = lease_index_},
                         [this, term, alive = alive_](etcd::Reply r) {
                           if (!*alive) return;
                           lease_call_ = false;
                           if (term != term_ || !leader_) return;
                           if (r.ok()) {
                             lease_index_ = r->node.modified_index;
                             renewed_at_ = Clock::now();
                             return;
                           }
                           if (r.etcd_error())
                             return LoseLeadership("lease taken: " + r.status().message());
                           // The store is away. Keep acting only while the lease can still be ours.
                           if (Clock::now() - renewed_at_ >= options_.lease_ttl)
                             return LoseLeadership("lease not renewed: " + r.status().message());
                           settle_until_ = Clock::now() + options_.settle;
                         });
}

void Engine::BecomeLeader(uint64_t lease_index) {
  leader_ = true;
  ++term_;
  lease_index_ = lease_index;
  renewed_at_ = Clock::now();
  settle_until_ = Clock::now() + options_.settle;
  FLOG_INFO("fleet engine: {} holds the lease", machine_id_);
  List();
}

void Engine::LoseLeadership(const std::string& why) {
  if (!leader_) return;
  FLOG_INFO("fleet engine: {} lost the lease ({})", machine_id_, why);
  leader_ = false;
  ++term_;
  loaded_ = false;
  cache_ = Snapshot{};
  parsed_.clear();
  unused_bodies_.clear();
  collected_.clear();
  jobs_watch_.reset();
  bodies_watch_.reset();
  machines_watch_.reset();
  schedule_watch_.reset();
  pass_timer_.Cancel();
  gc_timer_.Cancel();
}

void Engine::List() {
  loaded_ = false;
  uint64_t term = term_;
  ++stats_.listings;
  registry_.Load(kEngineParts, [this, term, alive = alive_](base::Result<Snapshot> s) {
    if (!*alive || term != term_ || !leader_) return;
    if (!s.ok()) {
      FLOG_WARN("fleet engine: reading the registry: {}", s.status().ToString());
      // Try again on a later tick.
      pass_timer_.Start(options_.renew_interval, [this] { List(); });
      return;
    }
    cache_ = std::move(*s);
    loaded_ = true;
    machines_changed_ = true;
    auto& loop = registry_.loop();
    auto& client = registry_.client();
    auto make = [&](std::string key) {
      auto w = std::make_unique<WatchLoop>(
          loop, client, std::move(key),
          WatchLoop::Handlers{[this](const etcd::Response& e) { OnEvent(e); }, [this] { List(); }});
      w->Restart(cache_.index + 1);
      return w;
    };
    jobs_watch_ = make(registry_.keys().Jobs());
    bodies_watch_ = make(registry_.keys().Bodies());
    machines_watch_ = make(registry_.keys().Machines());
    // Its own writes come back here; what another engine wrote just before
    // losing the lease comes too (a unit scheduled twice is then fixed).
    schedule_watch_ = make(registry_.keys().Schedule());
    MarkDirty();
  });
}

void Engine::OnEvent(const etcd::Response& event) {
  Apply(cache_, registry_.keys(), event);
  const std::string& key = event.node.key;
  if (key.starts_with(registry_.keys().Machines())) machines_changed_ = true;
  if (key.starts_with(registry_.keys().Machines() + "/") && key.ends_with("/object")) {
    std::string rest = key.substr(registry_.keys().Machines().size() + 1);
    std::string id = rest.substr(0, rest.find('/'));
    if (event.action == "expire" || event.action == "delete") dead_machines_.insert(id);
    // A machine that deleted its own key stopped for good (its purge):
    // its units move at once, settling or not.
    if (event.action == "delete") {
      departed_.insert(id);
    } else {
      departed_.erase(id);
    }
  }
  if (key.starts_with(registry_.keys().Bodies() + "/"))
    unused_bodies_.erase(key.substr(registry_.keys().Bodies().size() + 1));
  MarkDirty();
}

void Engine::MarkDirty() {
  if (!started_ || !leader_ || !loaded_ || pass_timer_.pending()) return;
  // A pass costs time on a loop it may share with a store member: keep
  // at least three times its last duration between passes.
  auto gap = std::max<Clock::duration>(options_.min_pass_interval, 3 * last_pass_duration_);
  auto wait =
      std::max<Clock::duration>(Clock::duration::zero(), last_pass_end_ + gap - Clock::now());
  pass_timer_.Start(
      std::chrono::duration_cast<std::chrono::milliseconds>(wait) + std::chrono::milliseconds(1),
      [this] { Pass(); });
}

Job* Engine::JobOf(const std::string& name, const std::string& hash) {
  auto it = parsed_.find(name);
  if (it != parsed_.end() && it->second.hash == hash) return &it->second.job;
  auto body = cache_.bodies.find(hash);
  if (body == cache_.bodies.end()) return nullptr;  // its watch event is on the way
  auto file = unit::ParseUnitFile(body->second, name);
  if (!file.ok()) {
    FLOG_WARN("fleet engine: unit {}: {}", name, file.status().ToString());
    return nullptr;
  }
  auto& p = parsed_[name];
  p.hash = hash;
  p.job = Job{name, ParseRequirements(*file, name), JobState::kInactive, std::nullopt};
  return &p.job;
}

void Engine::Write(const std::string& key, std::optional<std::string> value,
                   etcd::SetOptions options) {
  ++stats_.writes;
  ++writes_in_flight_;
  uint64_t term = term_;
  bool removing = !value;
  auto done = [this, term, key, removing, alive = alive_](etcd::Reply r) {
    if (!*alive) return;
    --writes_in_flight_;
    if (term != term_ || r.ok()) return;
    if (!(removing && r.Is(etcd::ErrorCode::kKeyNotFound))) {
      ++stats_.write_errors;
      FLOG_WARN("fleet engine: writing {}: {}", key, r.status().ToString());
      // The cache is wrong about this key: read everything again.
      if (leader_) List();
    }
  };
  if (value) {
    registry_.client().Set(key, *value, options, std::move(done));
  } else {
    registry_.client().Delete(key, {}, std::move(done));
  }
}

void Engine::Pass() {
  if (!leader_ || !loaded_) return;
  ++stats_.passes;
  const Keys& keys = registry_.keys();
  auto now = Clock::now();
  struct PassTimer {
    Engine* e;
    Clock::time_point t0;
    ~PassTimer() {
      e->last_pass_end_ = Clock::now();
      e->last_pass_duration_ = e->last_pass_end_ - t0;
    }
  } pass_timer{this, now};
  bool settling = now < settle_until_;

  if (machines_changed_) {
    machine_views_.clear();
    for (const auto& [id, m] : cache_.machines) machine_views_.push_back(cache_.MachineView(m));
    machines_changed_ = false;
  }
  std::vector<const Machine*> machines;
  machines.reserve(machine_views_.size());
  for (const auto& m : machine_views_) machines.push_back(&m);

  std::unordered_map<std::string_view, std::string_view> target;  // unit -> machine
  target.reserve(cache_.jobs.size());
  std::vector<std::pair<std::string, std::string>> twice;  // (machine, unit)
  for (const auto& [machine, units] : cache_.schedule)
    for (const auto& [unit, a] : units)
      if (!target.emplace(unit, machine).second) twice.emplace_back(machine, unit);
  // Scheduled on two machines (two engines overlapped at a change of
  // leader): it stays on the first.
  for (const auto& [machine, unit] : twice) {
    FLOG_WARN("fleet engine: {} was scheduled on {} too; unscheduling it there", unit, machine);
    cache_.schedule[machine].erase(unit);
    if (cache_.schedule[machine].empty()) cache_.schedule.erase(machine);
    Write(keys.Scheduled(machine, unit), std::nullopt, {});
  }

  std::vector<const Job*> jobs;
  jobs.reserve(cache_.jobs.size());
  std::set<std::string> referenced;
  std::set<std::string> frozen;  // on a machine without a key, while settling
  for (const auto& [name, record] : cache_.jobs) {
    if (record.hash.empty()) continue;
    referenced.insert(record.hash);
    if (!cache_.bodies.count(record.hash)) {
      // A unit submitted just as its (equal) body was collected: put it back.
      if (auto it = collected_.find(record.hash); it != collected_.end()) {
        Write(keys.Body(record.hash), EncodeBody(it->second.first), {});
        cache_.bodies[record.hash] = it->second.first;
        collected_.erase(it);
      }
    }
    Job* job = JobOf(name, record.hash);
    if (!job) continue;
    job->desired = record.desired;
    job->target.reset();
    if (auto t = target.find(name); t != target.end()) {
      job->target = MachineId{std::string(t->second)};
      if (settling && !cache_.machines.count(job->target->value) &&
          !departed_.count(job->target->value)) {
        frozen.insert(name);
        continue;
      }
    }
    jobs.push_back(job);
  }
  target.clear();  // its views point into the schedule, which changes now

  Placement placement = PlaceBorrowed(std::move(machines), std::move(jobs));
  // A unit whose machine's key expired and that no other machine can take
  // stays scheduled there: if the machine was only cut off, it never
  // stopped running the unit, and it goes on when it comes back (fleet
  // would stop and restart it). Units of a machine that left for good
  // (deleted its key) are unscheduled.
  std::set<std::string> placed, kept;
  for (const Decision& d : placement.decisions)
    if (d.kind == Decision::Kind::kSchedule) placed.insert(d.job);
  for (const Decision& d : placement.decisions)
    if (d.kind == Decision::Kind::kUnschedule && !placed.count(d.job) &&
        !cache_.machines.count(d.machine.value) && !departed_.count(d.machine.value))
      kept.insert(d.job);
  // Writes go out in order: units leaving a live machine first (it stops
  // them before another starts them), then the new places, then the
  // leftovers of machines that are gone, which nobody waits for (a dead
  // machine's 1,000 units start elsewhere ~40% sooner this way).
  std::vector<const Decision*> ordered;
  for (int round = 0; round < 3; ++round)
    for (const Decision& d : placement.decisions) {
      bool unschedule = d.kind == Decision::Kind::kUnschedule;
      bool alive = cache_.machines.count(d.machine.value) > 0;
      int r = unschedule ? (alive ? 0 : 2) : 1;
      if (r == round) ordered.push_back(&d);
    }
  for (const Decision* dp : ordered) {
    const Decision& d = *dp;
    if (d.kind == Decision::Kind::kUnschedule && kept.count(d.job)) continue;
    auto& units = cache_.schedule[d.machine.value];
    if (d.kind == Decision::Kind::kUnschedule) {
      FLOG_DEBUG("fleet engine: unschedule {} from {}: {}", d.job, d.machine.value, d.reason);
      units.erase(d.job);
      if (units.empty()) cache_.schedule.erase(d.machine.value);
      target.erase(d.job);
      Write(keys.Scheduled(d.machine.value, d.job), std::nullopt, {});
    } else {
      const JobRecord& job = cache_.jobs[d.job];
      Assignment a{job.desired, job.hash};
      FLOG_DEBUG("fleet engine: schedule {} on {}", d.job, d.machine.value);
      units[d.job] = a;
      target[d.job] = d.machine.value;
      Write(keys.Scheduled(d.machine.value, d.job), EncodeAssignment(a), {.prev_exist = false});
    }
  }

  // Keep every scheduled unit's desired state and body in step; drop the
  // entries of units that are gone.
  for (auto mit = cache_.schedule.begin(); mit != cache_.schedule.end();) {
    auto& [machine, units] = *mit;
    for (auto uit = units.begin(); uit != units.end();) {
      auto job = cache_.jobs.find(uit->first);
      bool gone = job == cache_.jobs.end() || job->second.hash.empty() ||
                  job->second.desired == JobState::kInactive;
      if (gone && !frozen.count(uit->first)) {
        Write(keys.Scheduled(machine, uit->first), std::nullopt, {});
        uit = units.erase(uit);
        continue;
      }
      if (!gone) {
        Assignment want{job->second.desired, job->second.hash};
        if (uit->second != want) {
          uit->second = want;
          Write(keys.Scheduled(machine, uit->first), EncodeAssignment(want), {});
        }
      }
      ++uit;
    }
    mit = units.empty() ? cache_.schedule.erase(mit) : std::next(mit);
  }

  // Global units: every agent reads global/ and decides for itself.
  std::map<std::string, Assignment> globals;
  for (const auto& [name, record] : cache_.jobs) {
    auto p = parsed_.find(name);
    if (p == parsed_.end() || p->second.hash != record.hash) continue;
    if (p->second.job.global() && record.desired != JobState::kInactive)
      globals[name] = Assignment{record.desired, record.hash};
  }
  for (const auto& [name, a] : globals) {
    auto it = cache_.globals.find(name);
    if (it == cache_.globals.end() || it->second != a)
      Write(keys.Global(name), EncodeAssignment(a), {});
  }
  for (const auto& [name, a] : cache_.globals)
    if (!globals.count(name)) Write(keys.Global(name), std::nullopt, {});
  cache_.globals = std::move(globals);

  // Why units wait.
  std::map<std::string, std::string> unplaced;
  for (const Unplaced& u : placement.unplaced) unplaced[u.job] = u.reason;
  for (const auto& [name, reason] : unplaced) {
    auto it = cache_.unplaced.find(name);
    if (it == cache_.unplaced.end() || it->second != reason) Write(keys.Unplaced(name), reason, {});
  }
  for (const auto& [name, reason] : cache_.unplaced)
    if (!unplaced.count(name)) Write(keys.Unplaced(name), std::nullopt, {});
  cache_.unplaced = std::move(unplaced);

  CollectBodies(referenced);
  for (const auto& machine : std::exchange(dead_machines_, {}))
    if (!cache_.machines.count(machine)) CleanStates(machine);
  for (auto it = parsed_.begin(); it != parsed_.end();)
    it = cache_.jobs.count(it->first) ? std::next(it) : parsed_.erase(it);

  if (settling && !frozen.empty()) {
    // Look again once the machines had their chance to come back.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(settle_until_ - now);
    pass_timer_.Start(wait + std::chrono::milliseconds(1), [this] { Pass(); });
  }
}

void Engine::CollectBodies(const std::set<std::string>& referenced) {
  auto now = Clock::now();
  for (auto it = collected_.begin(); it != collected_.end();)
    it = now - it->second.second > kKeepCollected ? collected_.erase(it) : std::next(it);
  std::optional<Clock::time_point> next_due;
  for (auto it = cache_.bodies.begin(); it != cache_.bodies.end();) {
    const std::string& hash = it->first;
    if (referenced.count(hash)) {
      unused_bodies_.erase(hash);
      ++it;
      continue;
    }
    auto since = unused_bodies_.emplace(hash, now).first;
    if (auto due = since->second + options_.body_gc_grace; now < due) {
      next_due = next_due ? std::min(*next_due, due) : due;
      ++it;
      continue;
    }
    Write(registry_.keys().Body(hash), std::nullopt, {});
    unused_bodies_.erase(since);
    collected_[hash] = {it->second, now};
    it = cache_.bodies.erase(it);
  }
  // Look again when the first grace is over, even if nothing else changes.
  if (next_due)
    gc_timer_.Start(std::chrono::duration_cast<std::chrono::milliseconds>(*next_due - now) +
                        std::chrono::milliseconds(1),
                    [this] { MarkDirty(); });
}

void Engine::CleanStates(const std::string& machine) {
  uint64_t term = term_;
  registry_.client().Get(
      registry_.keys().States(), {.recursive = true},
      [this, term, machine, alive = alive_](etcd::Reply r) {
        if (!*alive || term != term_ || !r.ok() || cache_.machines.count(machine)) return;
        for (const auto& unit : r->node.nodes)
          for (const auto& record : unit.nodes)
            if (record.key.ends_with("/" + machine)) Write(record.key, std::nullopt, {});
      });
}

}  // namespace flotilla::fleet

#include "fleet/registry.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace flotilla::fleet {

base::Status StatusOf(const etcd::Reply& reply) {
  return reply.ok() ? base::Status::Ok() : reply.status();
}

void Registry::Load(unsigned parts, std::function<void(base::Result<Snapshot>)> done) {
  std::vector<std::string> keys;
  if (parts & kPartJobs) keys.push_back(keys_.Jobs());
  if (parts & kPartBodies) keys.push_back(keys_.Bodies());
  if (parts & kPartSchedule) keys.push_back(keys_.Schedule());
  if (parts & kPartGlobals) keys.push_back(keys_.Globals());
  if (parts & kPartUnplaced) keys.push_back(keys_.Unplaced());
  if (parts & kPartStates) keys.push_back(keys_.States());
  if (parts & kPartMachines) keys.push_back(keys_.Machines());
  LoadKeys(std::move(keys), std::move(done));
}

void Registry::LoadKeys(std::vector<std::string> keys,
                        std::function<void(base::Result<Snapshot>)> done) {
  struct State {
    Snapshot snapshot;
    base::Status error = base::Status::Ok();
    int outstanding = 0;
    uint64_t listed = UINT64_MAX;  // the oldest listing's etcd_index
    std::function<void(base::Result<Snapshot>)> done;
  };
  auto state = std::make_shared<State>();
  state->done = std::move(done);
  state->outstanding = static_cast<int>(keys.size());
  if (keys.empty()) {
    loop_.Post([state] { state->done(std::move(state->snapshot)); });
    return;
  }
  for (const auto& key : keys) {
    client_.Get(key, {.recursive = true}, [this, state](etcd::Reply reply) {
      if (reply.ok()) {
        Apply(state->snapshot, keys_, *reply);
        state->listed = std::min(state->listed, reply->etcd_index);
      } else if (reply.Is(etcd::ErrorCode::kKeyNotFound)) {
        // Nothing there yet; the error still tells how far the store is.
        state->listed = std::min(state->listed, reply.etcd_error()->index);
      } else if (state->error.ok()) {
        state->error = reply.status();
      }
      if (--state->outstanding > 0) return;
      if (!state->error.ok()) return state->done(state->error);
      // Complete up to the oldest listing: a watch of these parts goes on
      // from there (replaying events a later listing already holds ends in
      // the same state).
      state->snapshot.index = state->listed;
      state->done(std::move(state->snapshot));
    });
  }
}

void Registry::LoadJob(const std::string& name,
                       std::function<void(base::Result<std::optional<JobRecord>>)> done) {
  client_.Get(keys_.Job(name), {.recursive = true},
              [this, name, done = std::move(done)](etcd::Reply reply) {
                if (reply.Is(etcd::ErrorCode::kKeyNotFound))
                  return done(std::optional<JobRecord>());
                if (!reply.ok()) return done(reply.status());
                Snapshot s;
                Apply(s, keys_, *reply);
                auto it = s.jobs.find(name);
                if (it == s.jobs.end() || it->second.hash.empty())
                  return done(std::optional<JobRecord>());
                done(std::optional<JobRecord>(it->second));
              });
}

void Registry::PutUnit(const std::string& name, const std::string& text, const std::string& hash,
                       JobState desired, StatusCallback done) {
  // The body (unless the store has it: units are often equal) and the
  // desired state at once; the object, which makes the unit whole, last.
  struct State {
    int outstanding = 2;
    base::Status error = base::Status::Ok();
  };
  auto state = std::make_shared<State>();
  auto step = [=, this](base::Status s) {
    if (!s.ok() && state->error.ok()) state->error = s;
    if (--state->outstanding > 0) return;
    if (!state->error.ok()) return done(state->error);
    client_.Set(keys_.JobObject(name), EncodeJobObject(name, hash), {},
                [done](etcd::Reply r) { done(StatusOf(r)); });
  };
  std::string body = EncodeBody(text);
  client_.Get(keys_.Body(hash), {}, [=, this](etcd::Reply r) {
    if (r.ok() && r->node.value == body) return step(base::Status::Ok());
    client_.Set(keys_.Body(hash), body, {}, [step](etcd::Reply r2) { step(StatusOf(r2)); });
  });
  client_.Set(keys_.JobTargetState(name), JobStateName(desired), {},
              [step](etcd::Reply r) { step(StatusOf(r)); });
}

void Registry::SetDesiredState(const std::string& name, JobState desired, StatusCallback done) {
  client_.Set(keys_.JobTargetState(name), JobStateName(desired), {},
              [done = std::move(done)](etcd::Reply r) { done(StatusOf(r)); });
}

void Registry::DestroyUnit(const std::string& name, StatusCallback done) {
  client_.Delete(keys_.Job(name), {.recursive = true, .dir = true},
                 [done = std::move(done), name](etcd::Reply r) {
                   if (r.Is(etcd::ErrorCode::kKeyNotFound))
                     return done(base::Status(base::Code::kNotFound, "unit does not exist"));
                   done(StatusOf(r));
                 });
}

void Registry::SetMetadata(const std::string& machine, const std::string& key,
                           const std::string& value, StatusCallback done) {
  client_.Set(keys_.MachineMetadata(machine, key), value, {},
              [done = std::move(done)](etcd::Reply r) { done(StatusOf(r)); });
}

// --- WatchLoop ---

WatchLoop::WatchLoop(net::EventLoop& loop, etcd::Client& client, std::string key, Handlers handlers,
                     std::chrono::milliseconds retry)
    : loop_(loop),
      client_(client),
      key_(std::move(key)),
      handlers_(std::move(handlers)),
      retry_(retry) {}

WatchLoop::~WatchLoop() {
  *alive_ = false;
  Stop();
}

void WatchLoop::Restart(uint64_t index) {
  Stop();
  next_ = index;
  running_ = true;
  Arm();
}

void WatchLoop::Stop() {
  running_ = false;
  ++generation_;
  if (call_) client_.Cancel(*call_);
  call_.reset();
}

void WatchLoop::Arm() {
  uint64_t gen = generation_;
  call_ = client_.Watch(
      key_, {.recursive = true, .wait_index = next_},
      [this, gen, alive = alive_](etcd::Reply reply) {
        if (!*alive || gen != generation_) return;
        call_.reset();
        if (reply.ok()) {
          next_ = reply->node.modified_index + 1;
          handlers_.event(*reply);
          if (gen == generation_) Arm();
          return;
        }
        if (reply.Is(etcd::ErrorCode::kEventIndexCleared)) {
          running_ = false;
          return handlers_.resync();
        }
        if (reply.status().code() == base::Code::kCancelled) return;
        // The store is away: try again from the same place.
        auto timer = std::make_shared<boost::asio::steady_timer>(loop_.context(), retry_);
        timer->async_wait([this, gen, alive, timer](const boost::system::error_code&) {
          if (*alive && gen == generation_) Arm();
        });
      });
}

}  // namespace flotilla::fleet

// Registry: the registry (registry_format.h) read and written through an
// etcd::Client, so the fleet layer runs on any etcd v2 API, flotilla's own
// store or a real etcd.
//
// Load() reads chosen parts with one recursive GET each, at once; a part
// that does not exist yet reads as empty. The writes are the API's: a unit
// is created by writing its body (unless the store has it already) and
// its desired state, then its object, so whoever sees the object sees a
// whole unit; a replaced body is written before the object that points to
// it. Callbacks run once, on the loop.
//
// WatchLoop follows one subtree: a recursive watch re-armed after every
// event, retried after a pause when the store is away, and re-listed
// (on_resync) when the store's event history no longer reaches back to
// where it left off (401).
//
// Threading: the loop thread of the client; objects must outlive their
// calls (destroying a WatchLoop cancels its watch).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "etcd/client.h"
#include "fleet/registry_format.h"
#include "net/event_loop.h"

namespace flotilla::fleet {

enum Part : unsigned {
  kPartJobs = 1,
  kPartBodies = 2,
  kPartSchedule = 4,
  kPartGlobals = 8,
  kPartUnplaced = 16,
  kPartStates = 32,
  kPartMachines = 64,
  kPartAll = 127,
};

using StatusCallback = std::function<void(base::Status)>;

class Registry {
 public:
  Registry(net::EventLoop& loop, etcd::Client& client, Keys keys = Keys())
      : loop_(loop), client_(client), keys_(std::move(keys)) {}

  net::EventLoop& loop() { return loop_; }

  etcd::Client& client() { return client_; }
  const Keys& keys() const { return keys_; }

  // The Snapshot's index is that of the oldest listing: watches of the
  // parts go on from index + 1.
  void Load(unsigned parts, std::function<void(base::Result<Snapshot>)> done);
  // One unit's job (job/<name>, one GET): nullopt while it has no object.
  // `name` must be a valid unit name (ValidateUnitName).
  void LoadJob(const std::string& name,
               std::function<void(base::Result<std::optional<JobRecord>>)> done);
  // The same for any keys of the registry (a missing one reads as empty).
  void LoadKeys(std::vector<std::string> keys, std::function<void(base::Result<Snapshot>)> done);

  // A new unit or a new body for one (`text` is unit::Serialize of the
  // file, `hash` its unit::Hash).
  void PutUnit(const std::string& name, const std::string& text, const std::string& hash,
               JobState desired, StatusCallback done);
  void SetDesiredState(const std::string& name, JobState desired, StatusCallback done);
  // kNotFound when there is no such unit.
  void DestroyUnit(const std::string& name, StatusCallback done);
  // Dynamic metadata of a machine; "" hides the key.
  void SetMetadata(const std::string& machine, const std::string& key, const std::string& value,
                   StatusCallback done);

 private:
  net::EventLoop& loop_;
  etcd::Client& client_;
  Keys keys_;
};

// A Status from an etcd Reply (ok for a Response).
base::Status StatusOf(const etcd::Reply& reply);

class WatchLoop {
 public:
  struct Handlers {
    std::function<void(const etcd::Response&)> event;
    // The watch cannot go on from where it was: list again and Restart().
    std::function<void()> resync;
  };
  WatchLoop(net::EventLoop& loop, etcd::Client& client, std::string key, Handlers handlers,
            std::chrono::milliseconds retry = std::chrono::milliseconds(500));
  ~WatchLoop();
  WatchLoop(const WatchLoop&) = delete;
  WatchLoop& operator=(const WatchLoop&) = delete;

  // Watches from `index` (the first event wanted) on; replaces a running watch.
  void Restart(uint64_t index);
  void Stop();
  bool running() const { return running_; }

 private:
  void Arm();

  net::EventLoop& loop_;
  etcd::Client& client_;
  std::string key_;
  Handlers handlers_;
  std::chrono::milliseconds retry_;
  uint64_t next_ = 0;
  bool running_ = false;
  std::optional<etcd::CallId> call_;
  uint64_t generation_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace flotilla::fleet

// FakeFleetApi: a fleet v1 API (shared/reference/fleet.md 3, plus
// flotilla's status and journal endpoints and the unit "reason") over an
// in-memory map, on 127.0.0.1, for the fleetctl tests.
//
// It plays the engine and agents too, in the simplest way that lets a
// blocking fleetctl command be tested without sleeps: a unit whose desired
// state changes reaches it after `placement_polls` further GETs of that
// unit (placed on the first machine, with a matching UnitState), unless it
// was marked unplaceable, in which case it stays where it is and carries
// the reason. Lists are paged `page_limit` items at a time with fleet's
// nextPageToken encoding, so every list call is paged.
//
// The server runs on its own thread; every method here is thread-safe.
// Tests wait for what the server has seen with WaitFor(), never by sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.h"
#include "net/http_server.h"

namespace flotilla::testing {

class FakeFleetApi {
 public:
  struct Option {
    std::string section, name, value;
  };
  struct Unit {
    std::string name;
    std::vector<Option> options;
    std::string desired = "inactive";
    std::string current = "inactive";  // "" for global units
    std::string machine;
    std::string reason;
  };
  struct State {
    std::string name, hash, machine, load, active, sub;
  };
  struct Machine {
    std::string id, ip;
    std::map<std::string, std::string> metadata;
  };
  struct Request {
    std::string method, target, body;
  };

  explicit FakeFleetApi(int page_limit = 2);
  ~FakeFleetApi();
  FakeFleetApi(const FakeFleetApi&) = delete;
  FakeFleetApi& operator=(const FakeFleetApi&) = delete;

  const std::string& url() const { return url_; }

  void AddMachine(Machine m);
  // Stores `u` as is; its UnitState follows its current state.
  void PutUnit(Unit u);
  std::optional<Unit> GetUnit(const std::string& name);
  void AddState(State s);

  // How many GETs of a unit it takes to reach a new desired state (0: at
  // once).
  void set_placement_polls(int polls);
  // The unit is never placed; the API says `reason`.
  void SetUnplaceable(const std::string& name, const std::string& reason);

  void SetStatusText(const std::string& name, const std::string& text);
  void SetJournal(const std::string& name, const std::string& text);
  // Appends to every open `journal -f` stream of the unit; End closes them.
  void PushJournal(const std::string& name, const std::string& text);
  void EndJournal(const std::string& name);

  // Every request whose path contains `path_part` is answered with fleet's
  // error envelope {"error":{"code":status,"message":message}}.
  void SetError(const std::string& path_part, int status, const std::string& message);

  std::vector<Request> requests();
  // Requests so far with this method whose target starts with `prefix`.
  int Count(const std::string& method, const std::string& prefix);
  // Waits (up to `timeout`) until `done(requests)` holds.
  bool WaitFor(const std::function<bool(const std::vector<Request>&)>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // The hash fleet shows for a unit with these options.
  static std::string Hash(const std::vector<Option>& options);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string url_;
};

}  // namespace flotilla::testing

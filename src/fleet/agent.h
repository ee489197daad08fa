// Agent: one machine's part of fleet. It keeps the machine's key alive
// (machines/<id>/object with a TTL, refreshed without waking watchers),
// follows only what concerns this machine (schedule/<id>/, global/ and
// machines/<id>/metadata/), and drives its UnitHost to what that asks
// (AgentDesiredUnits, placement.h): units not wanted are stopped, then
// unloaded; new ones loaded, and started when launched; a changed body
// replaces the unit (stop, unload, load, start); launched -> loaded stops.
// A launched unit is started once per launch: one that fails stays
// failed (fleet's rule; systemd's Restart= is what restarts units).
//
// It publishes every unit's state (states/<unit>/<id>) when it changes,
// and removes it when the unit goes: no periodic re-publishing, so a
// cluster at rest writes only the machines' heartbeats.
//
// When the store is unreachable the units stay as they are; when it comes
// back the agent registers again and reconciles what changed meanwhile.
// Stop() is fleet's purge: every unit stopped and unloaded, the states and
// the machine key removed, so the engine moves the units at once.
//
// Threading: the loop thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "fleet/registry.h"
#include "fleet/requirements.h"
#include "fleet/timer.h"
#include "fleet/unit_host.h"

namespace flotilla::fleet {

struct AgentOptions {
  std::chrono::seconds ttl{3};  // of the machine key
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds retry{500};  // after a failed call
  std::chrono::milliseconds min_pass_interval{10};
};

class Agent {
 public:
  // `self` is this machine's record (its id is the machine id).
  Agent(Registry& registry, MachineRecord self, UnitHost& host, AgentOptions options = {});
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  void Start();
  // Purge, then `done`; gives up on the store's part after `timeout`.
  void Stop(std::function<void()> done,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

  // The machine key is in the store (the API serves only then).
  bool registered() const { return registered_; }
  const std::string& id() const { return self_.id; }

 private:
  void Beat();
  void OnRegistered();
  void List();
  void OnEvent(const etcd::Response& event);
  void MarkDirty();
  void Pass();
  // Writes the states of `owned` that changed; removes those of units
  // neither owned nor in `keep`.
  void Publish(const std::map<std::string, std::string>& owned, const std::set<std::string>& keep);
  void FetchBody(const std::string& hash);
  const unit::UnitFile* Body(const std::string& hash);
  void FinishStop();

  Registry& registry_;
  MachineRecord self_;
  UnitHost& host_;
  AgentOptions options_;
  Timer beat_timer_;
  Timer pass_timer_;
  Timer stop_timer_;
  bool started_ = false;
  bool registered_ = false;
  bool beat_in_flight_ = false;
  bool listed_ = false;
  Snapshot view_;  // schedule/<id>/, global/, machines/<id>/metadata/
  std::unique_ptr<WatchLoop> schedule_watch_, global_watch_, metadata_watch_;
  std::map<std::string, unit::UnitFile> bodies_;  // hash ->
  std::set<std::string> fetching_;
  std::set<std::string> launched_;  // units started since they were last wanted launched
  std::map<std::string, UnitStateRecord> published_;
  std::set<std::string> publishing_;  // a write for it is in flight
  bool stopping_ = false;
  std::function<void()> stop_done_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace flotilla::fleet

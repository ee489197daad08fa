// Manager: the service units of one machine and the dependencies between
// them (systemd.unit(5)), each unit run by a Service, everything they say
// going to the Journal.
//
// Start(u) starts u together with what it pulls in: Requires=, Wants= and
// BindsTo= targets, and units whose [Install] WantedBy= names a unit being
// started (the sidekick pattern), transitively; units that conflict with
// any of them (Conflicts=, either side) are stopped first. Ordering comes
// only from After= / Before=: a unit starts once every unit of the same
// start that it is ordered after has finished starting (active, or failed).
// A unit whose Requires= or BindsTo= target failed is not started
// ("Dependency failed for ..."); a failed Wants= target does not matter.
//
// Stop(u) stops u and every active unit that Requires= or BindsTo= it. A
// unit bound to another (BindsTo=) also stops when that one stops or fails
// by itself.
//
// Only .service units are run; other names in dependencies are treated as
// already there (systemd's targets, docker.service on a host without it).
//
// Threading: the loop thread only.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "net/event_loop.h"
#include "service/journal.h"
#include "service/service.h"

namespace flotilla::service {

class Manager {
 public:
  // `journal` may be null (nothing is kept); `base_env` is every unit's
  // starting environment.
  Manager(net::EventLoop& loop, Journal* journal, std::map<std::string, std::string> base_env);
  ~Manager();

  // Adds a unit, or replaces an inactive one. kInvalidArgument for a bad
  // name or settings, and when a unit of that name is active.
  base::Status Load(const unit::UnitFile& file, const std::string& name);
  // Loads every *.service file of `dir` (errors name the file).
  base::Status LoadDirectory(const std::string& dir);
  base::Status Unload(const std::string& name);

  base::Status Start(const std::string& name);
  base::Status Stop(const std::string& name);
  base::Status Restart(const std::string& name);

  const Service* Find(const std::string& name) const;
  const unit::UnitFile* File(const std::string& name) const;
  std::vector<std::string> Units() const;  // sorted

 private:
  struct Unit {
    unit::UnitFile file;
    std::unique_ptr<Service> service;
  };
  Unit* Get(const std::string& name);
  void OnChanged(const std::string& name, const ServiceStatus& status);
  void StartReady();
  std::set<std::string> PullIn(const std::string& name);

  net::EventLoop& loop_;
  Journal* journal_;
  std::map<std::string, std::string> base_env_;
  std::map<std::string, Unit> units_;
  // Units waiting to start: name -> units of the same start it is ordered after.
  std::map<std::string, std::set<std::string>> pending_;
  bool in_start_ready_ = false;
};

}  // namespace flotilla::service

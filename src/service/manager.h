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
// already there (systemd's targets). A Requires= of a missing .service
// fails the start, except docker, etcd, etcd2 and fleet.service, which
// flotilla itself provides.
// Templates (web@.service) are kept and instantiated when an instance is
// started (web@01.service).
//
// Across restarts of flotilla (UseStateDir): the manager records which
// units are active and keeps the unit files it was given by content (Add).
// A new run first stops every process the old one left behind (it was
// killed: leftovers.h), then starts the units that were active, so a unit
// never runs twice. Shutdown() stops every unit for good, recording them
// first so that the next run starts them again.
//
// Threading: the loop thread only.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "net/event_loop.h"
#include "service/journal.h"
#include "service/service.h"
#include "unit/unit_name.h"

namespace flotilla::service {

class Manager {
 public:
  // `journal` may be null (nothing is kept); `base_env` is every unit's
  // starting environment.
  Manager(net::EventLoop& loop, Journal* journal, std::map<std::string, std::string> base_env);
  ~Manager();

  // Keeps state in `dir` (created if missing) from now on; call before
  // loading units. Loads the unit files kept there by Add. Every unit
  // process gets FLOTILLA_MANAGER=<dir> and FLOTILLA_UNIT=<name>.
  base::Status UseStateDir(const std::string& dir);

  // Adds a unit (a template is kept for its instances), or replaces an
  // inactive one; `source` is the file it came from ("" if none), as
  // status shows it. kInvalidArgument for a bad name or settings, and
  // when a unit of that name is active.
  base::Status Load(const unit::UnitFile& file, const std::string& name,
                    const std::string& source = "");
  // Load, and keep the file in the state directory so that the next run
  // loads it too (units given by path or by content rather than found in
  // the unit directory).
  base::Status Add(const unit::UnitFile& file, const std::string& name, const std::string& source);
  // Loads every *.service file of `dir` (errors name the file).
  base::Status LoadDirectory(const std::string& dir);
  base::Status Unload(const std::string& name);

  // At start-up, after loading: stops what an earlier run left running
  // (SIGTERM, SIGKILL after `grace`; blocks meanwhile), then starts the
  // units that were active when that run ended.
  base::Status Recover(std::chrono::milliseconds grace);
  // Stops every unit and refuses new starts; `done` runs on the loop once
  // none is active any more. The active units are recorded first.
  void Shutdown(std::function<void()> done);

  base::Status Start(const std::string& name);
  base::Status Stop(const std::string& name);
  base::Status Restart(const std::string& name);
  // ExecReload= (Service::Reload; refused without one or when inactive).
  base::Status Reload(const std::string& name);

  // `fn` runs after every status change of a unit (one listener).
  void OnUnitChanged(std::function<void(const std::string& name, const ServiceStatus&)> fn) {
    on_unit_changed_ = std::move(fn);
  }

  const Service* Find(const std::string& name) const;
  const unit::UnitFile* File(const std::string& name) const;
  // The file a unit was loaded from ("" if it was given by content).
  std::string Source(const std::string& name) const;
  std::vector<std::string> Units() const;  // sorted

 private:
  struct Unit {
    unit::UnitFile file;
    std::string source;
    std::unique_ptr<Service> service;  // null for a template
  };
  Unit* Get(const std::string& name);
  // A loaded unit, or one made now from its template (web@.service for web@01.service).
  Unit* GetOrInstantiate(const std::string& name);
  base::Status LoadFiles(const std::string& dir, bool kept);
  void OnChanged(const std::string& name, const ServiceStatus& status);
  void StartReady();
  std::set<std::string> PullIn(const std::string& name);
  std::set<std::string> ActiveUnits() const;
  void RecordActive();

  net::EventLoop& loop_;
  Journal* journal_;
  std::map<std::string, std::string> base_env_;
  unit::SpecifierContext specifiers_ = unit::LocalSpecifierContext();
  std::map<std::string, Unit> units_;
  std::map<std::string, Unit> templates_;
  std::string state_dir_;
  bool record_pending_ = false;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  std::function<void(const std::string&, const ServiceStatus&)> on_unit_changed_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted callbacks
  // Units waiting to start: name -> units of the same start it is ordered after.
  std::map<std::string, std::set<std::string>> pending_;
  bool in_start_ready_ = false;
};

}  // namespace flotilla::service

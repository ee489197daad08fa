// UnitHost: what a fleet agent drives on its machine. ManagerHost is the
// real one, the machine's service::Manager; benchmarks use light stand-ins
// that run nothing.
//
// A host knows which units it holds for fleet and the hash of each one's
// body, across restarts of flotilla for ManagerHost (the unit files are
// kept with "fleet:<hash>" as their source, manager.h's Add).
//
// Threading: the loop thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/status.h"
#include "service/manager.h"
#include "unit/unit_file.h"

namespace flotilla::fleet {

// systemd's three columns, as list-units shows them.
struct HostUnitState {
  std::string load = "loaded";
  std::string active = "inactive";
  std::string sub = "dead";
  bool operator==(const HostUnitState&) const = default;
  // Not inactive and not failed: must be stopped before it is unloaded.
  bool Running() const { return active != "inactive" && active != "failed"; }
};

class UnitHost {
 public:
  virtual ~UnitHost() = default;
  // Units held for fleet: name -> body hash.
  virtual std::map<std::string, std::string> Owned() const = 0;
  virtual base::Status Load(const std::string& name, const unit::UnitFile& file,
                            const std::string& hash) = 0;
  // Refused while the unit runs.
  virtual base::Status Unload(const std::string& name) = 0;
  virtual base::Status Start(const std::string& name) = 0;
  virtual base::Status Stop(const std::string& name) = 0;
  virtual std::optional<HostUnitState> StateOf(const std::string& name) const = 0;

  // Runs after a unit's state changed (set by the agent).
  std::function<void(const std::string& name)> on_change;
};

class ManagerHost : public UnitHost {
 public:
  explicit ManagerHost(service::Manager& manager);
  std::map<std::string, std::string> Owned() const override;
  base::Status Load(const std::string& name, const unit::UnitFile& file,
                    const std::string& hash) override;
  base::Status Unload(const std::string& name) override;
  base::Status Start(const std::string& name) override;
  base::Status Stop(const std::string& name) override;
  std::optional<HostUnitState> StateOf(const std::string& name) const override;

 private:
  service::Manager& manager_;
};

}  // namespace flotilla::fleet

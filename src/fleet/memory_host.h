// MemoryHost: a UnitHost that runs nothing. Start makes a unit
// active/running and Stop inactive/dead, each reported on the next loop
// turn as a real manager would report it; `fail_starts` names units whose
// start fails (failed/failed). For tests and for the light agents of
// bench/fleet, which stand in for a thousand machines in one process.
//
// Threading: the loop thread.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "fleet/unit_host.h"
#include "net/event_loop.h"

namespace flotilla::fleet {

class MemoryHost : public UnitHost {
 public:
  explicit MemoryHost(net::EventLoop& loop) : loop_(loop) {}
  ~MemoryHost() override { *alive_ = false; }

  std::map<std::string, std::string> Owned() const override;
  base::Status Load(const std::string& name, const unit::UnitFile& file,
                    const std::string& hash) override;
  base::Status Unload(const std::string& name) override;
  base::Status Start(const std::string& name) override;
  base::Status Stop(const std::string& name) override;
  std::optional<HostUnitState> StateOf(const std::string& name) const override;

  std::set<std::string> fail_starts;
  // How many times each unit was started (for tests: no restarts, no churn).
  std::map<std::string, int> starts;
  const unit::UnitFile* File(const std::string& name) const;

 private:
  struct Unit {
    unit::UnitFile file;
    std::string hash;
    HostUnitState state;
  };
  void Set(const std::string& name, HostUnitState state);

  net::EventLoop& loop_;
  std::map<std::string, Unit> units_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace flotilla::fleet

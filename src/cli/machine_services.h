// MachineServices: the service manager of this machine as `flotilla serve`
// runs it. The journal lives in DATA_DIR/journal, the manager's state in
// DATA_DIR/service (the active units and the unit files given by path), and
// units are loaded from --unit-dir. Opening it stops what an earlier run
// left running and starts the units that were active then (manager.h).
//
// Threading: the loop thread, after Open.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "net/event_loop.h"
#include "net/http.h"
#include "net/http_server.h"
#include "service/manager.h"

namespace flotilla::cli {

class MachineServices {
 public:
  // `env` comes on top of PATH in every unit's environment (e.g. CoreOS's
  // COREOS_PRIVATE_IPV4).
  static base::Result<std::unique_ptr<MachineServices>> Open(
      net::EventLoop& loop, const std::string& data_dir, const std::string& unit_dir,
      std::map<std::string, std::string> env = {});
  ~MachineServices();

  // Whether `request` is for the units API (/flotilla/v1/...), and its handler.
  static bool Serves(const net::HttpRequest& request);
  void Handle(net::HttpRequest&& request, net::ExchangePtr exchange);

  service::Manager& manager();

  // Stops every unit (each within its TimeoutStopSec), then runs `done`.
  void Shutdown(std::function<void()> done);

 private:
  struct Impl;
  explicit MachineServices(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::cli

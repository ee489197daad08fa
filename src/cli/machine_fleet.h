// MachineFleet: fleet on this machine as `flotilla serve` runs it: the
// agent (driving this machine's service manager), the engine (acting
// while it holds the cluster's lease), and the fleet v1 API on the client
// listener and on a unix socket (DATA_DIR/fleet.sock by default). Every
// part reaches the store through the etcd client protocol, at the
// endpoints given (this member's own client URL by default).
//
// The machine id is --machine-id, else the one kept in DATA_DIR/machine-id
// (made up at the first start: machines on one host need different ids,
// so /etc/machine-id is not used).
//
// Threading: the loop thread, after Open.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/event_loop.h"
#include "net/http.h"
#include "net/http_server.h"
#include "service/manager.h"

namespace flotilla::cli {

struct FleetConfig {
  std::string data_dir;
  std::string machine_id;                    // "" = DATA_DIR/machine-id
  std::vector<std::string> store_endpoints;  // etcd client URLs
  std::string public_ip;
  std::string endpoint;  // this machine's flotilla API URL
  std::map<std::string, std::string> metadata;
  std::chrono::seconds agent_ttl{3};
  std::string socket;  // "" = DATA_DIR/fleet.sock; "-" = none
  bool engine = true;
};

// "role=web,region=eu" (a repeated key keeps its last value, as fleet's).
base::Result<std::map<std::string, std::string>> ParseMetadata(const std::string& text);

class MachineFleet {
 public:
  static base::Result<std::unique_ptr<MachineFleet>> Open(net::EventLoop& loop,
                                                          service::Manager& manager,
                                                          FleetConfig config);
  ~MachineFleet();

  // Registers the machine and starts the agent and the engine (call once
  // the store serves).
  void Start();
  static bool Serves(const net::HttpRequest& request);
  void Handle(net::HttpRequest&& request, net::ExchangePtr exchange);
  // fleet's purge: this machine's units stopped and handed back, the lease
  // released; then `done`.
  void Stop(std::function<void()> done);

  const std::string& machine_id() const;

 private:
  struct Impl;
  explicit MachineFleet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::cli

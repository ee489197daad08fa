// Api: fleet's v1 HTTP API (reference: shared/reference/fleet.md section
// 3; fleet's api/*.go), served by net::HttpServer handlers. `flotilla
// serve` mounts it on its client listener (Serves() picks the requests)
// and on fleet's unix socket (every request; paths outside the API then
// get fleet's own answers: "/" 405, anything else 404).
//
// Endpoints, under /fleet/v1 and again under /v1-alpha:
//   GET    /units                 UnitPage, by name; ?nextPageToken=
//   GET    /units/NAME            Unit; 404 "unit does not exist"
//   PUT    /units/NAME            create (201), replace (201), set the
//                                 desired state (204); see api_units.cpp
//   DELETE /units/NAME            204; 404 "unit does not exist"
//   GET    /state                 UnitStatePage by (unit, machine);
//                                 ?machineID= ?unitName= filter first
//   GET    /state/NAME            the first UnitState of the unit; 404
//                                 "unit state does not exist"
//   GET    /machines              MachinePage, live machines by id
//   PATCH  /machines              JSON patch of dynamic metadata; 204
//   GET    /discovery             the API's discovery document
// Bodies are JSON (api_json.h has the shapes); PUT needs Content-Type
// application/json (else 415). Every answer carries "Server: fleetd/<version>";
// errors are {"error":{"code":N,"message":"..."}} with fleet's texts. The
// collection paths take only their methods (405 "only GET supported against
// this resource", ...), "/fleet/v1" itself 405, anything else 404 with an
// empty message. While options.ready() is false every request gets 503
// "fleet server unable to communicate with etcd".
//
// Flotilla's additions (fleet had none of these; #1123, #355, #912):
//   - Unit.reason: why the engine left a loaded/launched unit without a
//     machine (omitted otherwise);
//   - GET /units/NAME/status[?machineID=ID]: 200 text/plain, what
//     `systemctl status NAME` shows on the machine running it (fetched
//     from that machine's flotilla API, MachineRecord::endpoint, at
//     /flotilla/v1/units/NAME and /flotilla/v1/journal?unit=NAME&lines=10,
//     and printed by service::FormatStatus). A global unit answers for every
//     live machine that reports a state for it, each block preceded by
//     "machine <id>\n"; machineID (full or 8-character id) picks one. 404
//     "unit does not exist"; 409 "unit NAME is not running on any machine"
//     (not scheduled, or not on machineID); 502 when no machine answers
//     (a global unit's machines that do not answer get a line saying so);
//   - GET /units/NAME/journal?lines=N[&follow=true][&machineID=ID]: 200
//     text/plain, the last N (default 10) journal lines of the unit on the
//     machine running it (proxied /flotilla/v1/journal). With follow, a
//     chunked stream relayed until either side goes away; a global unit on
//     several machines then needs machineID (400). Without follow a global
//     unit answers like status, a block per machine.
//
// Deviations from fleet, deliberate:
//   - desiredState must be inactive, loaded or launched (400, "invalid
//     value \"x\" for JobState"); fleet stored anything.
//   - a template ("x@.service") is refused any desired state but inactive
//     on create and replace too (400 "cannot activate template"), not only
//     when the state alone changes.
//   - a replaced unit without desiredState keeps the one it had (fleet
//     wrote what the body had, empty included).
//   - store failures are 500 with the store's message (fleet: no message).
//   - PATCH takes "value" as {"value":"x"} (fleet's code) or "x" (its docs).
//   - the 503 answer carries the Server header too.
//   - no 301 to the cleaned path for "//" or ".." in a path (Go's ServeMux);
//     a name no unit can have is simply not found, and never reaches the
//     store.
//   - JSON syntax errors name the byte as Go does, but past the first byte
//     not Go's full wording (api_json.h).
//
// Reads go through Registry::Load (one recursive GET per part, so every
// page re-reads its collection, as fleet does) and LoadJob; writes through
// PutUnit, SetDesiredState, DestroyUnit and SetMetadata.
//
// Threading: the loop thread only, like HttpServer's handlers. The Api may
// be destroyed with requests in flight: their answers are then dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fleet/api_json.h"
#include "fleet/registry.h"
#include "net/async_http_client.h"
#include "net/event_loop.h"
#include "net/http_server.h"

namespace flotilla::fleet {

class Api {
 public:
  struct Options {
    uint16_t token_limit = 100;  // fleetd's token_limit: the page size
    // False until this server can reach the store (fleet: until its
    // machine has registered); empty means always ready.
    std::function<bool()> ready;
    std::string version = "1.0.0";  // "Server: fleetd/<version>"
    // Bounds each request to a machine's API (status, journal; a followed
    // journal only until its headers arrive).
    std::chrono::milliseconds machine_timeout{5000};
    // The clock of status's "since ...; 5s ago" (empty: the system clock).
    std::function<std::chrono::system_clock::time_point()> now;
  };

  Api(net::EventLoop& loop, Registry& registry, Options options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Requests for this API: paths /fleet/v1[/...] and /v1-alpha[/...].
  static bool Serves(const net::HttpRequest& request);
  void Handle(net::HttpRequest&& request, net::ExchangePtr exchange);

  struct Request;  // a routed request (api.cpp)

 private:
  void Route(Request r, const net::ExchangePtr& ex);

  // api_units.cpp
  void ListUnits(const Request& r, const net::ExchangePtr& ex);
  void GetUnit(const Request& r, const net::ExchangePtr& ex);
  void SetUnit(const Request& r, const net::ExchangePtr& ex);
  void DestroyUnit(const Request& r, const net::ExchangePtr& ex);
  // api_states.cpp
  void ListStates(const Request& r, const net::ExchangePtr& ex);
  void GetState(const Request& r, const net::ExchangePtr& ex);
  // api_machines.cpp
  void ListMachines(const Request& r, const net::ExchangePtr& ex);
  void PatchMachines(const Request& r, const net::ExchangePtr& ex);
  void WriteMetadata(std::shared_ptr<const std::vector<MetadataChange>> changes, size_t i,
                     const net::ExchangePtr& ex);
  // api_proxy.cpp
  void UnitStatus(const Request& r, const net::ExchangePtr& ex);
  void UnitJournal(const Request& r, const net::ExchangePtr& ex);
  struct Target;  // a machine a proxied request goes to
  // The machines `unit` runs on (only `machine` when given), then
  // `then(targets, global)`; answers 404, 409 and 500 itself.
  void LoadTargets(const std::string& unit, const std::string& machine, const net::ExchangePtr& ex,
                   std::function<void(std::vector<Target>, bool)> then);
  void FetchBlocks(const std::string& unit, std::vector<Target> targets, bool global, bool status,
                   size_t lines, const net::ExchangePtr& ex);
  void FollowJournal(const std::string& unit, const Target& target, size_t lines,
                     const net::ExchangePtr& ex);
  // A client for a machine's API ("http://10.0.0.2:2379"); `stream` picks
  // the pool without a connection limit, for followed journals.
  net::AsyncHttpClient* MachineClient(const std::string& endpoint, bool stream);

  // Wraps a callback so that it does nothing once the Api is gone.
  template <typename F>
  auto Guard(F f) {
    return [alive = alive_, f = std::move(f)](auto&&... args) mutable {
      if (*alive) f(std::forward<decltype(args)>(args)...);
    };
  }

  net::EventLoop& loop_;
  Registry& registry_;
  Options options_;
  std::map<std::pair<std::string, bool>, std::unique_ptr<net::AsyncHttpClient>> clients_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace flotilla::fleet

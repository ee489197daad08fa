// FleetClient: fleetctl's client of the fleet v1 HTTP API (fleet's
// client/http.go over the generated schema service), plus flotilla's
// status and journal endpoints.
//
// Requests are the ones fleetctl sends: "GET <base>/fleet/v1/units?alt=json",
// list calls follow nextPageToken until the last page, a PUT carries Go's
// JSON of a schema.Unit. Errors are worded as fleetctl prints them:
//   - the server could not be reached: Go's url.Error,
//     "Get http://127.0.0.1:1/fleet/v1/units?alt=json: dial tcp ...";
//   - a non-2xx answer: googleapi.Error, "googleapi: Error 404: unit does
//     not exist" from fleet's {"error":{"code":..,"message":..}} envelope,
//     or "googleapi: got HTTP response code 502 with body: ..." without one.
// A 404 has code kNotFound; GetUnit turns it into "no such unit".
//
// One keep-alive connection; single-threaded.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cli/fleetctl/schema.h"
#include "net/http_client.h"

namespace flotilla::cli::fleetctl {

// Where the API is, from the first of --endpoint's comma-separated URLs
// (fleetctl's getHTTPClient): "unix:///var/run/fleet.sock",
// "http://10.0.0.1:49153", "http://host:port/prefix".
struct ApiEndpoint {
  net::Url dial;            // what the HTTP client connects to
  std::string url_base;     // how URLs read in errors: "http://domain-sock"
  std::string path_prefix;  // "/fleet/v1/" under the endpoint's own path
};

// Errors in fleetctl's words: "URL scheme undefined", "unable to connect to
// host \"var\" with scheme \"unix\"", ...
base::Result<ApiEndpoint> ResolveEndpoint(std::string_view endpoint);

class FleetClient {
 public:
  using Duration = std::chrono::milliseconds;

  // `timeout` bounds each request (zero: none); `debug` logs every request
  // and its status on stderr, as fleetctl --debug does.
  FleetClient(ApiEndpoint endpoint, Duration timeout, bool debug);
  ~FleetClient();

  base::Result<std::vector<Unit>> Units();
  // nullopt when the API answers 404.
  base::Result<std::optional<Unit>> GetUnit(const std::string& name);
  base::Result<std::vector<UnitState>> UnitStates();
  base::Result<std::vector<Machine>> Machines();

  base::Status CreateUnit(const Unit& unit);
  base::Status SetUnitTargetState(const std::string& name, const std::string& state);
  base::Status DestroyUnit(const std::string& name);

  // flotilla: `systemctl status -l` of the unit where it runs (text/plain).
  base::Result<std::string> UnitStatus(const std::string& name);
  // flotilla: the unit's journal, `lines` lines and, with `follow`, whatever
  // follows until the server ends the response. Text is passed to `out` as
  // it arrives.
  base::Status Journal(const std::string& name, int64_t lines, bool follow,
                       const std::string& output, const std::function<void(std::string_view)>& out);

 private:
  struct Response {
    int status = 0;
    std::string body;
  };
  std::string Target(std::string_view relative, std::string_view query) const;
  base::Result<Response> Call(std::string_view method, const std::string& target,
                              std::string_view body = {});
  base::Status CheckResponse(const Response& r) const;
  template <typename T, typename Decode>
  base::Result<std::vector<T>> List(std::string_view relative, Decode decode);

  ApiEndpoint endpoint_;
  Duration timeout_;
  bool debug_;
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace flotilla::cli::fleetctl

// UnitsApi: the HTTP API of this machine's service manager, served by
// `flotilla serve` next to the etcd API, for `flotilla systemctl` and
// `flotilla journalctl`:
//
//   GET  /flotilla/v1/units                 {"units":[unit...]}, by name
//   GET  /flotilla/v1/units/NAME            a unit: {"name","description",
//        "path","load","active","sub","result","mainPID","since" (Unix
//        microseconds, 0 if never),"mainCommand"}
//   GET  /flotilla/v1/units/NAME/file       the unit file (text)
//   PUT  /flotilla/v1/units/NAME/file       loads the unit file in the body
//        (header X-Unit-Path: where it came from) and keeps it across
//        restarts; 204, or 400 naming the line that is wrong
//   POST /flotilla/v1/units/NAME/start|stop|restart|reload   204 (start of an
//        instance of a loaded template loads the instance)
//   GET  /flotilla/v1/journal?unit=NAME&lines=N[&since=T][&follow=1]
//        text: the last N lines (default 10), or every line since T (Unix
//        nanoseconds; with lines, the last N of those), in `journalctl
//        --output short` form; with follow=1 a chunked stream that goes on
//        with every new line
//
// Errors are JSON {"error":"..."} with 404 (unknown unit or path), 400
// (bad request, a unit that cannot start) or 405 (wrong method).
//
// Threading: the loop thread (net::HttpServer's handler).
#pragma once

#include <string>

#include "net/http_server.h"
#include "service/journal.h"
#include "service/manager.h"

namespace flotilla::service {

class UnitsApi {
 public:
  UnitsApi(Manager& manager, Journal& journal, std::string hostname)
      : manager_(manager), journal_(journal), hostname_(std::move(hostname)) {}

  static bool Serves(const net::HttpRequest& request) {
    return request.path.rfind("/flotilla/v1/", 0) == 0;
  }
  void Handle(net::HttpRequest&& request, net::ExchangePtr exchange);

 private:
  std::string UnitJson(const std::string& name) const;
  void Follow(const std::string& unit, std::string tail, const ShortFormat& format,
              net::ExchangePtr exchange);

  Manager& manager_;
  Journal& journal_;
  std::string hostname_;
};

}  // namespace flotilla::service

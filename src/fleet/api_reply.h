// Internal to the fleet API (api*.cpp): the routed request and the
// answers, as fleet's sendResponse and sendError write them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/api.h"
#include "fleet/api_json.h"
#include "net/http.h"

namespace flotilla::fleet {

struct Api::Request {
  std::string method;
  std::string path;  // percent-decoded
  // The unit name of /units/NAME[/status|/journal] and /state/NAME.
  std::string item;
  std::map<std::string, std::vector<std::string>> query;
  net::Headers headers;
  std::string body;

  // The first value of a query parameter ("" when absent), as fleet reads
  // machineID and unitName.
  std::string First(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() || it->second.empty() ? std::string() : it->second.front();
  }
};

// 2xx with a JSON body (Content-Type application/json).
inline net::HttpResponse JsonReply(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

// fleet's sendError.
inline net::HttpResponse ErrorReply(int status, std::string_view message) {
  return JsonReply(status, EncodeError(status, message));
}

// fleet's bare WriteHeader(201 or 204): no body, no Content-Type.
inline net::HttpResponse EmptyReply(int status) {
  net::HttpResponse r;
  r.status = status;
  return r;
}

inline net::HttpResponse TextReply(std::string body) {
  net::HttpResponse r;
  r.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

}  // namespace flotilla::fleet

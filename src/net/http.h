// Plain HTTP/1.1 message types shared by the server and the client.
// Header names compare case-insensitively; values are kept as received.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flotilla::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of header `name` (case-insensitive), or nullptr.
const std::string* FindHeader(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method;  // "GET", "PUT", ... as sent
  std::string target;  // raw request target, e.g. "/v2/keys/a?wait=true"
  std::string path;    // the target before '?', still percent-encoded
  std::string query;   // the target after '?', raw ("" when absent)
  Headers headers;
  std::string body;
  std::string remote;  // "ip:port" of the peer; "@" over a unix socket

  const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;

  void Set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
};

// "Not Found" for 404 etc.; "" for codes it does not know.
std::string_view StatusText(int status);

}  // namespace flotilla::net

#include "cli/fleetctl/api_client.h"

#include <cctype>
#include <cstdio>

#include "base/go_strconv.h"
#include "base/go_url.h"

namespace flotilla::cli::fleetctl {
namespace {

using base::Code;
using base::Status;

// Go's url.Error spells the method "Get", "Put", "Delete".
std::string UrlErrorOp(std::string_view method) {
  std::string op(method);
  for (size_t i = 1; i < op.size(); ++i) {
    op[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(op[i])));
  }
  return op;
}

std::string EscapeName(std::string_view name) {
  return base::EscapePath(name);
}

}  // namespace

base::Result<ApiEndpoint> ResolveEndpoint(std::string_view endpoint) {
  std::string first(endpoint.substr(0, endpoint.find(',')));
  std::string error;
  auto url = base::ParseGoUrl(first, &error);
  if (!url) return Status(Code::kInvalidArgument, error);
  if (url->scheme.empty()) return Status(Code::kInvalidArgument, "URL scheme undefined");
  ApiEndpoint ep;
  std::string prefix;
  if (url->scheme == "unix" || url->scheme == "file") {
    // "unix://var/run/fleet.sock" reads as host "var": a slash is missing.
    if (!url->host.empty()) {
      return Status(Code::kInvalidArgument, "unable to connect to host " +
                                                base::GoQuote(url->host) + " with scheme " +
                                                base::GoQuote(url->scheme));
    }
    auto dial = net::ParseUrl("unix://" + url->path);
    if (!dial.ok()) return dial.status();
    ep.dial = std::move(*dial);
    ep.url_base = "http://domain-sock";
  } else if (url->scheme == "http") {
    auto dial = net::ParseUrl("http://" + url->host);
    if (!dial.ok()) return dial.status();
    ep.dial = std::move(*dial);
    ep.url_base = "http://" + url->host;
    prefix = url->path;
  } else if (url->scheme == "https") {
    return Status(Code::kInvalidArgument,
                  "https endpoints are not supported by flotilla fleetctl; use http:// or unix://");
  } else {
    return Status(Code::kInvalidArgument,
                  "unsupported protocol scheme " + base::GoQuote(url->scheme));
  }
  ep.path_prefix = base::PathJoin(prefix.empty() ? "/" : prefix, "fleet/v1");
  if (ep.path_prefix.empty() || ep.path_prefix[0] != '/') ep.path_prefix.insert(0, "/");
  ep.path_prefix += '/';
  return ep;
}

FleetClient::FleetClient(ApiEndpoint endpoint, Duration timeout, bool debug)
    : endpoint_(std::move(endpoint)),
      timeout_(timeout),
      debug_(debug),
      http_(std::make_unique<net::HttpClient>(endpoint_.dial)) {}

FleetClient::~FleetClient() = default;

std::string FleetClient::Target(std::string_view relative, std::string_view query) const {
  std::string t = endpoint_.path_prefix + std::string(relative) + "?alt=json";
  if (!query.empty()) t += "&" + std::string(query);
  return t;
}

base::Result<FleetClient::Response> FleetClient::Call(std::string_view method,
                                                      const std::string& target,
                                                      std::string_view body) {
  std::string url = endpoint_.url_base + target;
  if (debug_)
    std::fprintf(stderr, "DEBUG: HTTP %.*s %s\n", int(method.size()), method.data(), url.c_str());
  net::ClientRequest req;
  req.method = method;
  req.target = target;
  req.body = body;
  if (!body.empty()) req.content_type = "application/json";
  net::HttpResponse resp;
  Status st = http_->Do(req, timeout_, &resp);
  if (!st.ok()) return Status(st.code(), UrlErrorOp(method) + " " + url + ": " + st.message());
  if (debug_) {
    std::fprintf(stderr, "DEBUG: HTTP %.*s %s %d %s\n", int(method.size()), method.data(),
                 url.c_str(), resp.status, std::string(net::StatusText(resp.status)).c_str());
  }
  return Response{resp.status, std::move(resp.body)};
}

// googleapi.CheckResponse and googleapi.Error's text.
Status FleetClient::CheckResponse(const Response& r) const {
  if (r.status >= 200 && r.status <= 299) return Status::Ok();
  Code code = r.status == 404 ? Code::kNotFound : Code::kUnavailable;
  int env_code = 0;
  std::string message;
  if (DecodeErrorEnvelope(r.body, &env_code, &message) && !message.empty()) {
    if (env_code == 0) env_code = r.status;
    return Status(code, "googleapi: Error " + std::to_string(env_code) + ": " + message);
  }
  return Status(code, "googleapi: got HTTP response code " + std::to_string(r.status) +
                          " with body: " + r.body);
}

template <typename T, typename Decode>
base::Result<std::vector<T>> FleetClient::List(std::string_view relative, Decode decode) {
  std::vector<T> all;
  std::string token;
  for (;;) {
    std::string query;
    if (!token.empty()) query = "nextPageToken=" + base::QueryEscape(token);
    auto r = Call("GET", Target(relative, query));
    if (!r.ok()) return r.status();
    FLOTILLA_RETURN_IF_ERROR(CheckResponse(*r));
    auto page = decode(r->body);
    if (!page.ok()) return page.status();
    for (auto& item : page->items) all.push_back(std::move(item));
    if (page->next_page_token.empty()) return all;
    token = page->next_page_token;
  }
}

base::Result<std::vector<Unit>> FleetClient::Units() {
  return List<Unit>("units", DecodeUnitPage);
}

base::Result<std::vector<UnitState>> FleetClient::UnitStates() {
  return List<UnitState>("state", DecodeUnitStatePage);
}

base::Result<std::vector<Machine>> FleetClient::Machines() {
  return List<Machine>("machines", DecodeMachinePage);
}

base::Result<std::optional<Unit>> FleetClient::GetUnit(const std::string& name) {
  auto r = Call("GET", Target("units/" + EscapeName(name), ""));
  if (!r.ok()) return r.status();
  if (r->status == 404) return std::optional<Unit>();
  FLOTILLA_RETURN_IF_ERROR(CheckResponse(*r));
  auto u = DecodeUnit(r->body);
  if (!u.ok()) return u.status();
  return std::optional<Unit>(std::move(*u));
}

Status FleetClient::CreateUnit(const Unit& unit) {
  Unit body{unit.name, unit.options, "", "", "", ""};
  auto r = Call("PUT", Target("units/" + EscapeName(unit.name), ""), EncodeUnit(body));
  if (!r.ok()) return r.status();
  return CheckResponse(*r);
}

Status FleetClient::SetUnitTargetState(const std::string& name, const std::string& state) {
  Unit body;
  body.name = name;
  body.desired_state = state;
  auto r = Call("PUT", Target("units/" + EscapeName(name), ""), EncodeUnit(body));
  if (!r.ok()) return r.status();
  return CheckResponse(*r);
}

Status FleetClient::DestroyUnit(const std::string& name) {
  auto r = Call("DELETE", Target("units/" + EscapeName(name), ""));
  if (!r.ok()) return r.status();
  return CheckResponse(*r);
}

base::Result<std::string> FleetClient::UnitStatus(const std::string& name) {
  auto r = Call("GET", endpoint_.path_prefix + "units/" + EscapeName(name) + "/status");
  if (!r.ok()) return r.status();
  FLOTILLA_RETURN_IF_ERROR(CheckResponse(*r));
  return std::move(r->body);
}

Status FleetClient::Journal(const std::string& name, int64_t lines, bool follow,
                            const std::string& output,
                            const std::function<void(std::string_view)>& out) {
  base::UrlValues q;
  q.Set("lines", std::to_string(lines));
  if (follow) q.Set("follow", "true");
  if (!output.empty() && output != "short") q.Set("output", output);
  std::string target =
      endpoint_.path_prefix + "units/" + EscapeName(name) + "/journal?" + q.Encode();
  if (!follow) {
    auto r = Call("GET", target);
    if (!r.ok()) return r.status();
    FLOTILLA_RETURN_IF_ERROR(CheckResponse(*r));
    out(r->body);
    return Status::Ok();
  }
  // The status of a streamed answer is known only once it ends, so what
  // looks like fleet's error envelope is held back until then; journal
  // lines never start with '{'.
  std::string url = endpoint_.url_base + target;
  if (debug_) std::fprintf(stderr, "DEBUG: HTTP GET %s\n", url.c_str());
  net::ClientRequest req;
  req.target = target;
  std::string held;
  bool holding = false, decided = false;
  auto head = http_->Stream(req, timeout_, [&](std::string_view data) {
    if (!decided) {
      decided = true;
      holding = data.front() == '{';
    }
    if (holding) {
      held.append(data);
    } else {
      out(data);
    }
    return true;
  });
  if (!head.ok())
    return Status(head.status().code(), "Get " + url + ": " + head.status().message());
  Status st = CheckResponse({head->status, held});
  if (st.ok() && !held.empty()) out(held);
  return st;
}

}  // namespace flotilla::cli::fleetctl

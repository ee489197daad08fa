// flotilla systemctl / flotilla journalctl: the service manager of the
// local `flotilla serve`, through its HTTP API (service/units_api.h), with
// systemctl's and journalctl's output and exit codes.
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/fs.h"
#include "cli/commands.h"
#include "net/http_client.h"
#include "service/journal_time.h"
#include "service/systemctl_format.h"

namespace flotilla::cli {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

struct Common {
  std::string endpoint = "http://127.0.0.1:2379";
  std::vector<std::string> args;
  std::string unit;  // journalctl -u
  std::string lines = "10";
  bool lines_set = false;
  std::string since;  // journalctl --since, as given
  bool follow = false;
};

// Splits the flags both commands share from the positional arguments.
bool ParseArgs(int argc, char** argv, Common& c, const char* prog) {
  if (const char* e = std::getenv("FLOTILLA_ENDPOINT")) c.endpoint = e;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s needs a value\n", prog, name);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--endpoint") {
      auto v = value("--endpoint");
      if (!v) return false;
      c.endpoint = v;
    } else if (a == "-u" || a == "--unit") {
      auto v = value("-u");
      if (!v) return false;
      c.unit = v;
    } else if (a == "-n" || a == "--lines") {
      auto v = value("-n");
      if (!v) return false;
      c.lines = v;
      c.lines_set = true;
    } else if (a == "-S" || a == "--since") {
      auto v = value("--since");
      if (!v) return false;
      c.since = v;
    } else if (a.rfind("--since=", 0) == 0) {
      c.since = a.substr(8);
    } else if (a == "-f" || a == "--follow") {
      c.follow = true;
    } else if (a.rfind("--endpoint=", 0) == 0) {
      c.endpoint = a.substr(11);
    } else {
      c.args.push_back(a);
    }
  }
  return true;
}

base::Result<net::HttpResponse> Call(const Common& c, std::string_view method,
                                     const std::string& target) {
  auto url = net::ParseUrl(c.endpoint);
  if (!url.ok()) return url.status();
  net::HttpClient client(*url);
  return client.Do(method, target, "", "", 10s);
}

std::string ErrorOf(const net::HttpResponse& r);

// `systemctl start ./web.service`: the file is read here and loaded by the
// manager under its file name. Returns that name.
base::Result<std::string> SendUnitFile(const Common& c, const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (!resolved) return base::Status(base::Code::kNotFound, std::strerror(errno));
  std::string absolute = resolved;
  std::free(resolved);
  auto text = base::RealFs().ReadFile(absolute);
  if (!text.ok()) return text.status();
  std::string name(base::BaseName(absolute));
  auto url = net::ParseUrl(c.endpoint);
  if (!url.ok()) return url.status();
  net::HttpClient client(*url);
  net::ClientRequest req;
  req.method = "PUT";
  std::string target = "/flotilla/v1/units/" + name + "/file";
  req.target = target;
  req.body = *text;
  req.content_type = "text/plain";
  req.headers.push_back({"X-Unit-Path", absolute});
  net::HttpResponse r;
  FLOTILLA_RETURN_IF_ERROR(client.Do(req, 10s, &r));
  if (r.status != 204) return base::Status(base::Code::kInvalidArgument, ErrorOf(r));
  return name;
}

std::string ErrorOf(const net::HttpResponse& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (!ec && v.is_object() && v.as_object().contains("error"))
    return std::string(v.at("error").as_string());
  return "HTTP " + std::to_string(r.status);
}

service::UnitStatusView ViewOf(const json::value& v) {
  service::UnitStatusView u;
  u.name = std::string(v.at("name").as_string());
  u.description = std::string(v.at("description").as_string());
  u.path = std::string(v.at("path").as_string());
  u.main_command = std::string(v.at("mainCommand").as_string());
  auto& st = u.status;
  st.main_pid = static_cast<pid_t>(v.at("mainPID").to_number<int64_t>());
  st.since = std::chrono::system_clock::time_point(
      std::chrono::microseconds(v.at("since").to_number<int64_t>()));
  std::string active(v.at("active").as_string()), sub(v.at("sub").as_string()),
      result(v.at("result").as_string());
  for (auto a : {service::ActiveState::kInactive, service::ActiveState::kActivating,
                 service::ActiveState::kActive, service::ActiveState::kReloading,
                 service::ActiveState::kDeactivating, service::ActiveState::kFailed})
    if (active == service::ToString(a)) st.active = a;
  for (int s = 0; s <= static_cast<int>(service::SubState::kAutoRestart); ++s)
    if (sub == service::ToString(static_cast<service::SubState>(s)))
      st.sub = static_cast<service::SubState>(s);
  for (int r = 0; r <= static_cast<int>(service::ServiceResult::kStartLimitHit); ++r)
    if (result == service::ToString(static_cast<service::ServiceResult>(r)))
      st.result = static_cast<service::ServiceResult>(r);
  return u;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

int Unreachable(const Common& c, const base::Status& st, const char* prog) {
  std::fprintf(stderr, "%s: cannot reach flotilla serve at %s: %s\n", prog, c.endpoint.c_str(),
               st.message().c_str());
  return 1;
}

}  // namespace

int Systemctl(int argc, char** argv) {
  Common c;
  if (!ParseArgs(argc, argv, c, "systemctl")) return 1;
  if (c.args.empty()) {
    std::fputs(
        "usage: flotilla systemctl [--endpoint URL] start|stop|restart|reload|status|cat UNIT...\n"
        "       flotilla systemctl [--endpoint URL] list-units\n",
        stderr);
    return 1;
  }
  std::string verb = c.args[0];
  std::vector<std::string> units(c.args.begin() + 1, c.args.end());
  if (verb == "list-units") {
    auto r = Call(c, "GET", "/flotilla/v1/units");
    if (!r.ok()) return Unreachable(c, r.status(), "systemctl");
    std::vector<service::UnitStatusView> views;
    json::value listing = json::parse(r->body);
    for (const auto& v : listing.at("units").as_array()) views.push_back(ViewOf(v));
    std::fputs(service::FormatListUnits(views).c_str(), stdout);
    return 0;
  }
  if (units.empty()) {
    std::fprintf(stderr, "systemctl: %s needs a unit name\n", verb.c_str());
    return 1;
  }
  int code = 0;
  for (std::string name : units) {
    if ((verb == "start" || verb == "restart") && name.find('/') != std::string::npos) {
      auto loaded = SendUnitFile(c, name);
      if (!loaded.ok()) {
        std::fprintf(stderr, "Failed to %s %s: %s\n", verb.c_str(), name.c_str(),
                     loaded.status().message().c_str());
        code = 1;
        continue;
      }
      name = *loaded;
    }
    if (verb == "start" || verb == "stop" || verb == "restart" || verb == "reload") {
      auto r = Call(c, "POST", "/flotilla/v1/units/" + name + "/" + verb);
      if (!r.ok()) return Unreachable(c, r.status(), "systemctl");
      if (r->status != 204) {
        std::fprintf(stderr, "Failed to %s %s: %s\n", verb.c_str(), name.c_str(),
                     ErrorOf(*r).c_str());
        code = r->status == 404 ? 5 : 1;
      }
    } else if (verb == "status") {
      auto r = Call(c, "GET", "/flotilla/v1/units/" + name);
      if (!r.ok()) return Unreachable(c, r.status(), "systemctl");
      if (r->status == 404) {
        std::fprintf(stderr, "Unit %s could not be found.\n", name.c_str());
        code = 4;
        continue;
      }
      auto view = ViewOf(json::parse(r->body));
      auto j = Call(c, "GET", "/flotilla/v1/journal?unit=" + name + "&lines=10");
      if (j.ok() && j->status == 200) view.journal_lines = SplitLines(j->body);
      std::fputs(service::FormatStatus(view, std::chrono::system_clock::now()).c_str(), stdout);
      bool active = view.status.active == service::ActiveState::kActive ||
                    view.status.active == service::ActiveState::kReloading;
      if (!active && code == 0) code = 3;
    } else if (verb == "cat") {
      auto r = Call(c, "GET", "/flotilla/v1/units/" + name + "/file");
      if (!r.ok()) return Unreachable(c, r.status(), "systemctl");
      if (r->status != 200) {
        std::fprintf(stderr, "No files found for %s.\n", name.c_str());
        code = 1;
        continue;
      }
      std::string source = name;
      if (auto u = Call(c, "GET", "/flotilla/v1/units/" + name); u.ok() && u->status == 200) {
        std::string path(json::parse(u->body).at("path").as_string());
        if (!path.empty()) source = path;
      }
      std::printf("# %s\n%s", source.c_str(), r->body.c_str());
    } else {
      std::fprintf(stderr, "systemctl: unknown command %s\n", verb.c_str());
      return 1;
    }
  }
  return code;
}

int Journalctl(int argc, char** argv) {
  Common c;
  if (!ParseArgs(argc, argv, c, "journalctl")) return 1;
  std::string target = "/flotilla/v1/journal?unit=" + c.unit;
  if (!c.since.empty()) {
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto since = service::ParseJournalTime(c.since, now);
    if (!since.ok()) {
      std::fprintf(stderr, "%s\n", since.status().message().c_str());
      return 1;
    }
    target += "&since=" + std::to_string(*since);
  }
  if (c.since.empty() || c.lines_set) target += "&lines=" + c.lines;
  if (c.follow) {
    auto url = net::ParseUrl(c.endpoint);
    if (!url.ok()) return Unreachable(c, url.status(), "journalctl");
    net::HttpClient client(*url);
    net::ClientRequest req;
    req.method = "GET";
    target += "&follow=1";
    req.target = target;
    auto r = client.Stream(req, 10s, [](std::string_view data) {
      std::fwrite(data.data(), 1, data.size(), stdout);
      std::fflush(stdout);
      return true;
    });
    if (!r.ok()) return Unreachable(c, r.status(), "journalctl");
    if (r->status != 200) {
      std::fprintf(stderr, "journalctl: %s\n", ErrorOf(*r).c_str());
      return 1;
    }
    return 0;
  }
  auto r = Call(c, "GET", target);
  if (!r.ok()) return Unreachable(c, r.status(), "journalctl");
  if (r->status != 200) {
    std::fprintf(stderr, "journalctl: %s\n", ErrorOf(*r).c_str());
    return 1;
  }
  std::fputs(r->body.c_str(), stdout);
  return 0;
}

}  // namespace flotilla::cli

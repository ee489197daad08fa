// cluster-health (ctlv2/command/cluster_health.go): list the members without
// syncing, GET <clientURL>/health on each, print a line per member and a
// verdict; exit 0 when all are healthy, else 5. --forever repeats every 10 s.
#include <unistd.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <thread>

#include "base/go_strconv.h"
#include "cli/etcdctl/commands.h"
#include "cli/etcdctl/members_api.h"
#include "cli/etcdctl/session.h"

namespace flotilla::cli::etcdctl {
namespace {

// The outcome of one GET <url>/health: healthy or not, or Go's error text.
struct Probe {
  bool checked = false;
  bool healthy = false;
  std::string error;
};

Probe CheckHealth(const std::string& url) {
  Probe p;
  std::string target_url = url + "/health";
  std::string error;
  auto u = base::ParseGoUrl(target_url, &error);
  auto fail = [&](const std::string& why) {
    p.error = "Get " + base::GoQuote(target_url) + ": " + why;
    return p;
  };
  if (!u) return p.error = error, p;
  if (u->scheme != "http") return fail("unsupported protocol scheme " + base::GoQuote(u->scheme));
  auto endpoint = net::ParseUrl("http://" + u->host);
  if (!endpoint.ok()) return fail("http: no Host in request URL");
  net::HttpClient http(*endpoint);
  std::string target = base::EscapePath(u->path);
  if (!u->raw_query.empty()) target += "?" + u->raw_query;
  auto resp = http.Do("GET", target, {}, {}, std::chrono::seconds(30));
  if (!resp.ok()) return fail(resp.status().message());
  // json.Unmarshal into struct{Health string}, then struct{Health bool}.
  std::error_code ec;
  boost::json::value v = boost::json::parse(resp->body, ec);
  if (ec) {
    p.error = resp->body.empty() ? "unexpected end of JSON input"
                                 : "invalid character in health response";
    return p;
  }
  p.checked = true;
  if (v.is_object()) {
    for (const auto& [k, field] : v.as_object()) {
      std::string key(k);
      for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (key != "health") continue;
      if (field.is_string()) p.healthy = field.as_string() == "true";
      if (field.is_bool()) p.healthy = field.as_bool();
    }
  }
  return p;
}

int ClusterHealthAction(Context& c) {
  bool forever = c.Bool("forever");
  if (forever) std::signal(SIGINT, [](int) { _exit(0); });
  auto client = MustNewClientNoSync(c);
  auto members = MembersApi(client.get()).List(Deadline::None());
  if (!members.ok()) {
    Out("cluster may be unhealthy: failed to list members\n");
    HandleError(c, kExitServerError, members.error());
  }
  const auto& ms = members.value();
  for (;;) {
    size_t healthy = 0;
    for (const auto& m : ms) {
      if (m.client_urls.empty()) {
        Out("member " + m.id + " is unreachable: no available published client urls\n");
        continue;
      }
      bool checked = false;
      for (const auto& url : m.client_urls) {
        Probe p = CheckHealth(url);
        if (!p.checked) {
          Out("failed to check the health of member " + m.id + " on " + url + ": " + p.error +
              "\n");
          continue;
        }
        checked = true;
        if (p.healthy) {
          Out("member " + m.id + " is healthy: got healthy result from " + url + "\n");
          ++healthy;
        } else {
          Out("member " + m.id + " is unhealthy: got unhealthy result from " + url + "\n");
        }
        break;
      }
      if (!checked) {
        std::string list;
        for (size_t i = 0; i < m.client_urls.size(); ++i) {
          list += (i ? " " : "") + m.client_urls[i];
        }
        Out("member " + m.id + " is unreachable: [" + list + "] are all unreachable\n");
      }
    }
    if (healthy == ms.size()) {
      Out("cluster is healthy\n");
    } else if (healthy == 0) {
      Out("cluster is unavailable\n");
    } else {
      Out("cluster is degraded\n");
    }
    if (!forever) return healthy == ms.size() ? kExitSuccess : kExitClusterNotHealthy;
    Out("\nnext check after 10 second...\n\n");
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(10));
  }
}

}  // namespace

Command ClusterHealthCommand() {
  Command c;
  c.name = "cluster-health";
  c.usage = "check the health of the etcd cluster";
  c.args_usage = " ";
  c.flags = {
      {"forever, f", FlagKind::kBool, "forever check the health every 10 second until CTRL+C"}};
  c.action = ClusterHealthAction;
  return c;
}

}  // namespace flotilla::cli::etcdctl

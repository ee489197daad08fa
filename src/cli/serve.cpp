// flotilla serve: one store member with etcd's flags (both -flag and --flag,
// "=value" or a separate value, and ETCD_* environment variables).
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/machine_fleet.h"
#include "cli/machine_services.h"
#include "etcd/client_api.h"
#include "etcd/server.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace flotilla::cli {
namespace {

struct Flag {
  std::string value;
  const char* help;
  bool set = false;
};

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

void PrintUsage(const std::map<std::string, Flag>& flags) {
  std::fputs(
      "usage: flotilla serve [flags]\n\nflags (etcd's names; also as ETCD_<NAME> variables):\n",
      stderr);
  for (const auto& [name, f] : flags)
    std::fprintf(stderr, "  --%-30s %s (default \"%s\")\n", name.c_str(), f.help, f.value.c_str());
}

// What every unit of this machine finds in its environment, besides
// its own settings: the machine's addresses as CoreOS's /etc/environment
// gave them, the store and fleet API of this machine for etcdctl and
// fleetctl, and those two on PATH (links to this binary, next to it).
std::map<std::string, std::string> UnitEnvironment(const std::string& private_ip,
                                                   const std::string& public_ip,
                                                   const std::string& client_url) {
  std::map<std::string, std::string> env = {{"COREOS_PRIVATE_IPV4", private_ip},
                                            {"COREOS_PUBLIC_IPV4", public_ip}};
  if (!client_url.empty()) {
    env["ETCDCTL_ENDPOINT"] = client_url;
    env["FLEETCTL_ENDPOINT"] = client_url;
  }
  const char* path = std::getenv("PATH");
  std::string search = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string dir(exe, size_t(n));
    dir = dir.substr(0, dir.rfind('/'));
    if (!dir.empty()) search = dir + ":" + search;
  }
  env["PATH"] = search;
  return env;
}

}  // namespace

int Serve(int argc, char** argv) {
  std::map<std::string, Flag> flags = {
      {"name", {"default", "human-readable name of this member"}},
      {"data-dir", {"", "where the WAL and snapshots live (default <name>.flotilla)"}},
      {"listen-client-urls", {"http://localhost:2379", "URLs to serve the client API on"}},
      {"advertise-client-urls", {"http://localhost:2379", "client URLs told to the cluster"}},
      {"listen-peer-urls", {"http://localhost:2380", "URLs for peer traffic (replication)"}},
      {"initial-advertise-peer-urls", {"http://localhost:2380", "peer URLs told to the cluster"}},
      {"initial-cluster", {"", "initial cluster configuration for bootstrapping"}},
      {"initial-cluster-state", {"new", "new or existing"}},
      {"initial-cluster-token", {"etcd-cluster", "token that makes cluster ids unique"}},
      {"heartbeat-interval", {"100", "time (in ms) of a heartbeat interval"}},
      {"election-timeout", {"1000", "time (in ms) for an election to time out"}},
      {"snapshot-count", {"100000", "applied entries between snapshots"}},
      {"enable-v2", {"true", "accepted for etcd compatibility; v2 is always on"}},
      {"log-level", {"info", "debug, info, warn or error"}},
      {"unit-dir", {"", "service units (*.service) that `flotilla systemctl` can run here"}},
      // fleet (fleetd's settings, as flags)
      {"fleet", {"true", "run fleet here (false: a store and service manager only, like etcd)"}},
      {"machine-id", {"", "this machine's fleet id (default: kept in <data-dir>/machine-id)"}},
      {"metadata", {"", "fleet machine metadata, key=value,key=value"}},
      {"public-ip",
       {"", "the address fleet shows for this machine (default: the advertised client host)"}},
      {"agent-ttl", {"3s", "how long a silent machine counts as alive (fleet's agent_ttl)"}},
      {"fleet-socket",
       {"", "unix socket of the fleet API (default <data-dir>/fleet.sock; - for none)"}},
      {"etcd-endpoints",
       {"", "store client URLs for fleet (default: this member's advertised client URLs)"}},
      {"disable-engine", {"false", "never act as the cluster's scheduler"}},
  };
  // ETCD_DATA_DIR etc. first, then the command line.
  for (auto& [name, f] : flags) {
    std::string env = "ETCD_";
    for (char c : name) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    if (const char* v = std::getenv(env.c_str())) f.value = v, f.set = true;
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "-help") {
      PrintUsage(flags);
      return 0;
    }
    if (!arg.starts_with("-")) {
      std::fprintf(stderr, "flotilla serve: unexpected argument %s\n", arg.c_str());
      return 2;
    }
    std::string name = arg.substr(arg.starts_with("--") ? 2 : 1);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = flags.find(name);
    if (it == flags.end()) {
      std::fprintf(stderr, "flotilla serve: unknown flag -%s\n", name.c_str());
      PrintUsage(flags);
      return 2;
    }
    if (!has_value) {
      if (name == "enable-v2" || name == "disable-engine" || name == "fleet") {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        std::fprintf(stderr, "flotilla serve: flag -%s needs a value\n", name.c_str());
        return 2;
      }
    }
    it->second.value = value;
    it->second.set = true;
  }

  const std::string& level = flags["log-level"].value;
  base::SetLogLevel(level == "debug"   ? base::LogLevel::kDebug
                    : level == "warn"  ? base::LogLevel::kWarn
                    : level == "error" ? base::LogLevel::kError
                                       : base::LogLevel::kInfo);

  etcd::ServerConfig config;
  config.name = flags["name"].value;
  config.data_dir =
      flags["data-dir"].value.empty() ? config.name + ".flotilla" : flags["data-dir"].value;
  config.advertise_client_urls = SplitList(flags["advertise-client-urls"].value);
  config.initial_advertise_peer_urls = SplitList(flags["initial-advertise-peer-urls"].value);
  config.initial_cluster_token = flags["initial-cluster-token"].value;
  config.snapshot_count = std::strtoull(flags["snapshot-count"].value.c_str(), nullptr, 10);
  if (config.snapshot_count == 0) config.snapshot_count = 100000;
  config.listen_peer_urls = SplitList(flags["listen-peer-urls"].value);
  config.heartbeat_ms = std::atoi(flags["heartbeat-interval"].value.c_str());
  config.election_ms = std::atoi(flags["election-timeout"].value.c_str());
  if (config.heartbeat_ms <= 0 || config.election_ms < 5 * config.heartbeat_ms) {
    std::fprintf(stderr,
                 "flotilla serve: --election-timeout must be at least 5 times "
                 "--heartbeat-interval (both in ms, > 0)\n");
    return 2;
  }
  const std::string& state = flags["initial-cluster-state"].value;
  if (state != "new" && state != "existing") {
    std::fprintf(stderr, "flotilla serve: --initial-cluster-state must be new or existing\n");
    return 2;
  }
  config.join_existing = state == "existing";
  // --initial-cluster name=url,name=url (a name may repeat for several URLs).
  for (const auto& item : SplitList(flags["initial-cluster"].value)) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || !net::ParseTcpUrl(item.substr(eq + 1)).ok()) {
      std::fprintf(stderr, "flotilla serve: bad --initial-cluster entry %s (want name=URL)\n",
                   item.c_str());
      return 2;
    }
    config.initial_cluster[item.substr(0, eq)].push_back(item.substr(eq + 1));
  }
  if (!config.initial_cluster.empty() && !config.initial_cluster.count(config.name)) {
    std::fprintf(stderr, "flotilla serve: --initial-cluster has no member named %s (--name)\n",
                 config.name.c_str());
    return 2;
  }
  if (config.initial_cluster.count(config.name)) {
    auto want = config.initial_cluster[config.name];
    auto have = config.initial_advertise_peer_urls;
    std::sort(want.begin(), want.end());
    std::sort(have.begin(), have.end());
    if (want != have) {
      std::fprintf(stderr,
                   "flotilla serve: --initial-cluster gives %s other peer URLs than "
                   "--initial-advertise-peer-urls\n",
                   config.name.c_str());
      return 2;
    }
  }

  // Listen before touching the data dir: a bad URL or a taken port fails
  // without side effects. Clients wait in the backlog until the server is
  // ready (its start-up writes applied), as etcd makes them wait.
  net::EventLoop loop;
  etcd::Server server(loop, config);
  etcd::ClientApi api(server);
  // This machine's service manager: its journal, state and units.
  // CoreOS put the machine's addresses in /etc/environment; units here get
  // them in their environment (the advertised client address unless
  // --public-ip says otherwise; cloud-config comes with issue 7).
  std::string ip = "127.0.0.1";
  if (auto u = net::ParseUrl(
          config.advertise_client_urls.empty() ? "" : config.advertise_client_urls.front());
      u.ok() && u->host.find_first_not_of("0123456789.") == std::string::npos)
    ip = u->host;
  // --public-ip (fleet's public-ip) is what the machine announces.
  std::string public_ip = flags["public-ip"].value.empty() ? ip : flags["public-ip"].value;
  std::string client_url =
      config.advertise_client_urls.empty() ? "" : config.advertise_client_urls.front();
  auto services = MachineServices::Open(loop, config.data_dir, flags["unit-dir"].value,
                                        UnitEnvironment(ip, public_ip, client_url));
  if (!services.ok()) {
    std::fprintf(stderr, "flotilla serve: %s\n", services.status().ToString().c_str());
    return 1;
  }
  auto& units = **services;

  FleetConfig fleet_config;
  fleet_config.data_dir = config.data_dir;
  fleet_config.machine_id = flags["machine-id"].value;
  fleet_config.public_ip = public_ip;
  fleet_config.endpoint = client_url;
  fleet_config.store_endpoints = flags["etcd-endpoints"].value.empty()
                                     ? config.advertise_client_urls
                                     : SplitList(flags["etcd-endpoints"].value);
  fleet_config.socket = flags["fleet-socket"].value;
  fleet_config.engine = flags["disable-engine"].value != "true";
  auto metadata = ParseMetadata(flags["metadata"].value);
  std::string ttl = flags["agent-ttl"].value;
  if (ttl.ends_with("s")) ttl.pop_back();
  long ttl_seconds = std::atol(ttl.c_str());
  if (!metadata.ok() || ttl_seconds <= 0) {
    std::fprintf(stderr, "flotilla serve: %s\n",
                 metadata.ok() ? "--agent-ttl must be a whole number of seconds, like 3s"
                               : metadata.status().message().c_str());
    return 2;
  }
  fleet_config.metadata = std::move(*metadata);
  fleet_config.agent_ttl = std::chrono::seconds(ttl_seconds);
  const std::string& run_fleet = flags["fleet"].value;
  if (run_fleet != "true" && run_fleet != "false") {
    std::fprintf(stderr, "flotilla serve: --fleet must be true or false\n");
    return 2;
  }
  // Without fleet the machine is a store (and its own service manager):
  // no keys of fleet's, no watchers, as a plain etcd member.
  std::unique_ptr<MachineFleet> machine;
  if (run_fleet == "true") {
    auto fleet = MachineFleet::Open(loop, units.manager(), std::move(fleet_config));
    if (!fleet.ok()) {
      std::fprintf(stderr, "flotilla serve: %s\n", fleet.status().ToString().c_str());
      return 1;
    }
    machine = std::move(*fleet);
  }

  net::HttpServer http(loop, [&api, &units, &machine](net::HttpRequest&& r, net::ExchangePtr ex) {
    if (MachineServices::Serves(r)) return units.Handle(std::move(r), std::move(ex));
    if (machine && MachineFleet::Serves(r)) return machine->Handle(std::move(r), std::move(ex));
    api.Handle(std::move(r), std::move(ex));
  });
  for (const auto& url : SplitList(flags["listen-client-urls"].value)) {
    auto parsed = net::ParseTcpUrl(url);
    if (!parsed.ok()) {
      std::fprintf(stderr, "flotilla serve: bad listen URL %s: %s\n", url.c_str(),
                   parsed.status().ToString().c_str());
      return 2;
    }
    std::string host = parsed->host == "localhost" ? "127.0.0.1" : parsed->host;
    auto bound = http.Listen(host, parsed->port);
    if (!bound.ok()) {
      std::fprintf(stderr, "flotilla serve: %s\n", bound.status().ToString().c_str());
      return 1;
    }
    FLOG_INFO("serve: client API on http://{}:{}", host, *bound);
  }
  int exit_code = 0;
  auto on_removed = [&] {
    std::fprintf(stderr, "flotilla serve: this member was removed from the cluster\n");
    exit_code = 1;
    http.Close();
    loop.Stop();
  };
  if (auto st = server.Start(
          [&http, &machine] {
            http.Serve();
            if (machine) machine->Start();
          },
          on_removed);
      !st.ok()) {
    std::fprintf(stderr, "flotilla serve: %s\n", st.ToString().c_str());
    return 1;
  }

  boost::asio::signal_set signals(loop.context(), SIGINT, SIGTERM);
  auto stop_now = [&] {
    http.Close();
    loop.Stop();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    FLOG_INFO("serve: signal {}, stopping the units (again to stop at once)", sig);
    // The store keeps serving while the units stop (their ExecStop may use
    // it). fleet's units first, handed back to the cluster (fleet's purge),
    // then this machine's own.
    if (machine) {
      machine->Stop([&] { units.Shutdown(stop_now); });
    } else {
      units.Shutdown(stop_now);
    }
    signals.async_wait([&](const boost::system::error_code& ec2, int) {
      if (!ec2) stop_now();  // what is left is killed as the manager goes
    });
  });
  std::signal(SIGPIPE, SIG_IGN);
  loop.Run();
  server.Stop();
  FLOG_INFO("serve: stopped");
  return exit_code;
}

}  // namespace flotilla::cli

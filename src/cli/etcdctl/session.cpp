#include "cli/etcdctl/session.h"

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string_view>

#include "cli/etcdctl/members_api.h"

namespace flotilla::cli::etcdctl {
namespace {

constexpr std::string_view kNoEndpoints = "client: no endpoints available";

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// getPeersFlagValue: the first non-empty of the flags and variables.
std::vector<std::string> PeersFlagValue(const Context& c) {
  std::string peers = c.GlobalString("endpoints");
  if (peers.empty()) peers = Getenv("ETCDCTL_ENDPOINTS");
  if (peers.empty()) peers = c.GlobalString("endpoint");
  if (peers.empty()) peers = Getenv("ETCDCTL_ENDPOINT");
  if (peers.empty()) peers = c.GlobalString("peers");
  if (peers.empty()) peers = Getenv("ETCDCTL_PEERS");
  if (peers.empty()) peers = "http://127.0.0.1:2379,http://127.0.0.1:4001";
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = peers.find(',', start);
    out.push_back(peers.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

[[noreturn]] void Unsupported(const std::string& what) {
  Err("flotilla etcdctl: " + what + " is not supported\n");
  Exit(kExitBadArgs);
}

// newClient: endpoints parsed as url.Parse does, "http" added when missing.
std::unique_ptr<ClusterClient> NewClient(const Context& c) {
  if (!c.GlobalString("discovery-srv").empty() || !Getenv("ETCDCTL_DISCOVERY_SRV").empty()) {
    Unsupported("DNS SRV discovery (--discovery-srv)");
  }
  for (const char* flag : {"ca-file", "cert-file", "key-file"}) {
    if (!c.GlobalString(flag).empty()) Unsupported("TLS (--" + std::string(flag) + ")");
  }
  for (const char* env : {"ETCDCTL_CA_FILE", "ETCDCTL_CERT_FILE", "ETCDCTL_KEY_FILE"}) {
    if (!Getenv(env).empty()) Unsupported(std::string("TLS (") + env + ")");
  }
  std::vector<base::GoUrl> endpoints;
  for (const auto& raw : PeersFlagValue(c)) {
    std::string error;
    auto u = base::ParseGoUrl(raw, &error);
    if (!u) {
      Err(error + "\n");
      Exit(kExitBadArgs);
    }
    if (u->scheme.empty()) u->scheme = "http";
    endpoints.push_back(*u);
  }
  auto client =
      std::make_unique<ClusterClient>(std::move(endpoints), c.GlobalDurationNs("timeout"));
  std::string user = c.GlobalString("username");
  if (user.empty()) user = Getenv("ETCDCTL_USERNAME");
  if (!user.empty()) {
    // getUsernamePassword: "user:password", else ask (Go reads the terminal
    // with echo off; this reads a line from stdin).
    size_t colon = user.find(':');
    std::string password;
    if (colon == std::string::npos) {
      Out("Password: ");
      std::fflush(stdout);
      int ch;
      while ((ch = std::fgetc(stdin)) != EOF && ch != '\n') password += static_cast<char>(ch);
      Out("\n");
    } else {
      password = user.substr(colon + 1);
      user = user.substr(0, colon);
    }
    client->SetCredentials(user, password);
  }
  return client;
}

}  // namespace

void Out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void Err(const std::string& text) {
  std::fflush(stdout);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

Deadline TotalTimeout(const Context& c) {
  return Deadline::AfterNs(c.GlobalDurationNs("total-timeout"));
}

void HandleError(const Context& c, int code, const ClientError& err) {
  (void)c;  // -o json would print *client.Error as JSON; v2 errors never are.
  std::string text = "Error:  " + err.message + "\n";
  if (err.cluster) text += err.Detail() + "\n";
  Err(text);
  Exit(code);
}

void HandleError(const Context& c, int code, const std::string& message) {
  HandleError(c, code, ClientError::Plain(message));
}

std::unique_ptr<ClusterClient> MustNewClient(const Context& c) {
  auto client = NewClient(c);
  bool debug = c.GlobalBool("debug");
  if (debug) client->EnableCurlDebug();
  if (!c.GlobalBool("no-sync")) {
    if (debug) {
      Err("start to sync cluster using endpoints(" + Join(client->Endpoints(), ",") + ")\n");
    }
    auto err = SyncEndpoints(client.get(), TotalTimeout(c));
    if (err) {
      if (err->message == kNoEndpoints) {
        Err("etcd cluster has no published client endpoints.\n");
        Err("Try '--no-sync' if you want to access non-published client endpoints(" +
            Join(client->Endpoints(), ",") + ").\n");
        HandleError(c, kExitServerError, *err);
      }
      if (err->connection) HandleError(c, kExitBadConnection, *err);
    }
    if (debug) Err("got endpoints(" + Join(client->Endpoints(), ",") + ") after sync\n");
  }
  if (debug) Err("Cluster-Endpoints: " + Join(client->Endpoints(), ", ") + "\n");
  return client;
}

std::unique_ptr<ClusterClient> MustNewClientNoSync(const Context& c) {
  auto client = NewClient(c);
  if (c.GlobalBool("debug")) {
    Err("Cluster-Endpoints: " + Join(client->Endpoints(), ", ") + "\n");
    client->EnableCurlDebug();
  }
  return client;
}

std::optional<std::string> ArgOrStdin(const std::vector<std::string>& args, size_t i) {
  if (i < args.size()) return args[i];
  std::string data;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) data.append(buf, n);
  if (data.empty() || std::ferror(stdin)) return std::nullopt;
  return data;
}

}  // namespace flotilla::cli::etcdctl

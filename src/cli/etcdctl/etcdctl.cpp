// Etcdctl(): the etcdctl v2 entry point (etcdctl/main.go + ctlv2/ctl.go).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/etcdctl/app.h"
#include "cli/etcdctl/commands.h"

namespace flotilla::cli {
namespace etcdctl {

App NewEtcdctlApp() {
  App app;
  app.name = "etcdctl";
  app.help_name = "etcdctl";
  app.usage = "A simple command line client for etcd.";
  // The version of the Go etcdctl this one mirrors, so scripts that parse it
  // see what they expect.
  app.version = "3.4.23";
  app.flags = {
      {"debug", FlagKind::kBool, "output cURL commands which can be used to reproduce the request"},
      {"no-sync", FlagKind::kBool, "don't synchronize cluster information before sending request"},
      {"output, o", FlagKind::kString,
       "output response in the given format (`simple`, `extended` or `json`)", "simple"},
      {"discovery-srv, D", FlagKind::kString,
       "domain name to query for SRV records describing cluster endpoints"},
      {"insecure-discovery", FlagKind::kBool,
       "accept insecure SRV records describing cluster endpoints"},
      {"peers, C", FlagKind::kString, "DEPRECATED - \"--endpoints\" should be used instead"},
      {"endpoint", FlagKind::kString, "DEPRECATED - \"--endpoints\" should be used instead"},
      {"endpoints", FlagKind::kString,
       "a comma-delimited list of machine addresses in the cluster (default: "
       "\"http://127.0.0.1:2379,http://127.0.0.1:4001\")"},
      {"cert-file", FlagKind::kString, "identify HTTPS client using this SSL certificate file"},
      {"key-file", FlagKind::kString, "identify HTTPS client using this SSL key file"},
      {"ca-file", FlagKind::kString,
       "verify certificates of HTTPS-enabled servers using this CA bundle"},
      {"username, u", FlagKind::kString,
       "provide username[:password] and prompt if password is not supplied."},
      {"timeout", FlagKind::kDuration, "connection timeout per request", "2s"},
      {"total-timeout", FlagKind::kDuration, "timeout for the command execution (except watch)",
       "5s"},
  };
  app.commands = {BackupCommand(), ClusterHealthCommand(), MakeCommand(),   MakeDirCommand(),
                  RemoveCommand(), RemoveDirCommand(),     GetCommand(),    LsCommand(),
                  SetCommand(),    SetDirCommand(),        UpdateCommand(), UpdateDirCommand(),
                  WatchCommand(),  ExecWatchCommand(),     MemberCommand(), UserCommand(),
                  RoleCommand(),   AuthCommand()};
  return app;
}

}  // namespace etcdctl

int Etcdctl(int argc, char** argv) {
  // etcdctl/main.go: ETCDCTL_API picks v2 or v3 and is removed from the
  // environment (so exec-watch children do not see it). flotilla speaks v2
  // whatever it says, except for values etcdctl itself refuses.
  const char* api_env = std::getenv("ETCDCTL_API");
  std::string api = api_env ? api_env : "";
  ::unsetenv("ETCDCTL_API");
  if (!api.empty() && api != "2" && api != "3") {
    std::fprintf(stderr, "unsupported API version %s\n", api.c_str());
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  int code;
  try {
    etcdctl::App app = etcdctl::NewEtcdctlApp();
    code = etcdctl::RunApp(app, args);
  } catch (const etcdctl::ExitRequest& exit) {
    code = exit.code;
  }
  std::fflush(stdout);
  return code;
}

}  // namespace flotilla::cli

// Fleetctl(): the fleetctl entry point (fleetctl.go main + cobra's Execute):
// global flags and their FLEETCTL_* variables, finding the command, flag
// errors in cobra's words, and the API client every command but help and
// version gets.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/fleetctl/commands.h"
#include "cli/fleetctl/help.h"
#include "cli/fleetctl/session.h"

namespace flotilla::cli {
namespace fleetctl {
namespace {

constexpr char kDefaultEndpoint[] = "unix:///var/run/fleet.sock";
constexpr char kDefaultSocket[] = "/var/run/fleet.sock";
// `flotilla serve` also serves the fleet API on its client URL.
constexpr char kFallbackEndpoint[] = "http://127.0.0.1:2379";

// FLEETCTL_<FLAG> for every global flag not given on the command line
// (getFlagsFromEnv; fleetctl applies them first, so flags win). Values the
// flag refuses are ignored, as fleetctl ignores fs.Set's error.
void ApplyEnvironment(FlagSet& flags) {
  for (const auto& spec : GlobalFlags()) {
    std::string key = "FLEETCTL_" + spec.name;
    for (auto& c : key) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
    const char* v = std::getenv(key.c_str());
    if (v && *v) (void)flags.Set(spec.name, v);
  }
}

// The index of the command name in `args`: the first argument that is not
// a flag or the value of one (cobra's stripFlags). npos if none.
size_t CommandIndex(const std::vector<std::string>& args) {
  FlagSet globals(GlobalFlags());
  bool value_next = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (value_next) {
      value_next = false;
      continue;
    }
    if (a == "--") return i + 1 < args.size() ? i + 1 : std::string::npos;
    if (a.rfind("--", 0) == 0) {
      if (a.find('=') == std::string::npos) {
        const FlagSpec* f = globals.Find(a.substr(2));
        value_next = !f || f->kind != FlagKind::kBool;
      }
      continue;
    }
    if (a.size() == 2 && a[0] == '-') {
      const FlagSpec* f = globals.FindShorthand(a[1]);
      value_next = !f || f->kind != FlagKind::kBool;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') continue;
    if (a.empty()) continue;
    return i;
  }
  return std::string::npos;
}

// cobra's report of a failed parse, then fleetctl's own line. fleetctl
// exits 0 after it (its exit code is only set by a command that ran); 2
// here, as for any usage error.
int FlagError(const Command* command, const std::string& error) {
  Stderr("Error: " + error);
  WriteStdout(UsageText(command));
  Stderr("");
  Stderr("cannot execute cmdFleet: " + error);
  return 2;
}

// The endpoint to use: --endpoint or FLEETCTL_ENDPOINT; without either, the
// local fleet socket, or flotilla serve's client URL when there is none.
std::string ChooseEndpoint(const FlagSet& flags) {
  if (flags.Changed("endpoint")) return flags.String("endpoint");
  struct stat st;
  if (::stat(kDefaultSocket, &st) == 0) return kDefaultEndpoint;
  return kFallbackEndpoint;
}

// getClient: only the API driver exists here.
base::Status MakeClient(Session& s) {
  const FlagSet& f = s.flags();
  if (!f.Bool("experimental-api") || f.String("driver") == "etcd") {
    return base::Status(base::Code::kInvalidArgument,
                        "the etcd driver is not supported by flotilla fleetctl; use the API");
  }
  if (f.String("driver") != "API") {
    return base::Status(base::Code::kInvalidArgument,
                        "unrecognized driver \"" + f.String("driver") + "\"");
  }
  if (!f.String("tunnel").empty()) {
    return base::Status(base::Code::kInvalidArgument,
                        "SSH tunnels are not supported by flotilla fleetctl");
  }
  auto ep = ResolveEndpoint(ChooseEndpoint(f));
  if (!ep.ok()) return ep.status();
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(f.Float("request-timeout") * 1000));
  s.set_api(std::make_unique<FleetClient>(std::move(*ep), timeout, f.Bool("debug")));
  return base::Status::Ok();
}

int Run(const std::vector<std::string>& all) {
  if (all.empty()) {
    WriteStdout(UsageText(nullptr));
    return 0;
  }
  if (all[0] == "--version" || all[0] == "-v") {
    Stdout(std::string("fleetctl version ") + FLOTILLA_VERSION);
    return 0;
  }
  std::vector<std::string> args = all;
  const Command* command = nullptr;
  size_t at = CommandIndex(args);
  if (at != std::string::npos) {
    command = FindCommand(args[at]);
    if (!command) {
      std::string error = UnknownCommandError(args[at]);
      Stderr("Error: " + error);
      Stderr("Run 'fleetctl --help' for usage.");
      Stderr("cannot execute cmdFleet: " + error);
      return 2;
    }
    args.erase(args.begin() + static_cast<ptrdiff_t>(at));
  }
  FlagSet flags(GlobalFlags());
  if (command) {
    for (const auto& f : command->flags) flags.Add(f);
  }
  ApplyEnvironment(flags);
  FlagParse parsed = ParseFlags(flags, args);
  if (!parsed.error.empty()) return FlagError(command, parsed.error);
  // No command, or a request for help: the usage (the root command's Run
  // prints its help too).
  if (!command || parsed.help || flags.Bool("help") || flags.Bool("h")) {
    WriteStdout(UsageText(command));
    return 0;
  }
  if (flags.Bool("sign")) {
    Stderr("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.");
    return 2;
  }
  Session session(*command, std::move(flags));
  if (command->uses_api) {
    base::Status st = MakeClient(session);
    if (!st.ok()) {
      Stderr("Unable to initialize client: " + st.message());
      return 1;
    }
  }
  return command->run(session, parsed.args);
}

}  // namespace

const std::vector<FlagSpec>& GlobalFlags() {
  static const std::vector<FlagSpec> flags = {
      {"help", 0, FlagKind::kBool, "false", "Print usage information and exit"},
      {"h", 0, FlagKind::kBool, "false", "Print usage information and exit"},
      {"debug", 0, FlagKind::kBool, "false", "Print out more debug information to stderr"},
      {"version", 0, FlagKind::kBool, "false", "Print the version and exit"},
      {"driver", 0, FlagKind::kString, "API",
       "Adapter used to execute fleetctl commands. Options include \"API\" and \"etcd\"."},
      {"endpoint", 0, FlagKind::kString, kDefaultEndpoint,
       "Location of the fleet API if --driver=API. Alternatively, if --driver=etcd, location "
       "of the etcd API."},
      {"etcd-key-prefix", 0, FlagKind::kString, "/_coreos.com/fleet/",
       "Keyspace for fleet data in etcd (development use only!)"},
      {"key-file", 0, FlagKind::kString, "",
       "Location of TLS key file used to secure communication with the fleet API or etcd"},
      {"cert-file", 0, FlagKind::kString, "",
       "Location of TLS cert file used to secure communication with the fleet API or etcd"},
      {"ca-file", 0, FlagKind::kString, "",
       "Location of TLS CA file used to secure communication with the fleet API or etcd"},
      {"known-hosts-file", 0, FlagKind::kString, "~/.fleetctl/known_hosts",
       "File used to store remote machine fingerprints. Ignored if strict host key checking is "
       "disabled."},
      {"strict-host-key-checking", 0, FlagKind::kBool, "true",
       "Verify host keys presented by remote machines before initiating SSH connections."},
      {"ssh-timeout", 0, FlagKind::kFloat, "10",
       "Amount of time in seconds to allow for SSH connection initialization before failing."},
      {"tunnel", 0, FlagKind::kString, "",
       "Establish an SSH tunnel through the provided address for communication with fleet and "
       "etcd."},
      {"request-timeout", 0, FlagKind::kFloat, "3",
       "Amount of time in seconds to allow a single request before considering it failed."},
      {"ssh-username", 0, FlagKind::kString, "core",
       "Username to use when connecting to CoreOS instance."},
      {"experimental-api", 0, FlagKind::kBool, "true", "DEPRECATED: do not use this flag."},
      {"etcd-keyfile", 0, FlagKind::kString, "", "DEPRECATED: do not use this flag."},
      {"etcd-certfile", 0, FlagKind::kString, "", "DEPRECATED: do not use this flag."},
      {"etcd-cafile", 0, FlagKind::kString, "", "DEPRECATED: do not use this flag."},
  };
  return flags;
}

const std::vector<Command>& AllCommands() {
  static const std::vector<Command> commands = [] {
    std::vector<Command> c = {
        CatCommand(),          DestroyCommand(),       HelpCommand(),      JournalCommand(),
        ListMachinesCommand(), ListUnitFilesCommand(), ListUnitsCommand(), LoadCommand(),
        RestartCommand(),      StartCommand(),         StatusCommand(),    StopCommand(),
        SubmitCommand(),       UnloadCommand(),        VersionCommand(),
    };
    std::sort(c.begin(), c.end(),
              [](const Command& a, const Command& b) { return a.name < b.name; });
    return c;
  }();
  return commands;
}

}  // namespace fleetctl

int Fleetctl(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int code = fleetctl::Run(args);
  std::fflush(stdout);
  return code;
}

}  // namespace flotilla::cli

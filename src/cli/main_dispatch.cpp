#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/fs.h"
#include "cli/commands.h"

namespace flotilla::cli {
namespace {

void Usage() {
  std::fputs(
      "usage: flotilla <command> [flags]\n"
      "\n"
      "commands:\n"
      "  serve        run a store member (etcd v2 API) on this machine\n"
      "  etcdctl      the etcdctl v2 client (also installed as `etcdctl`)\n"
      "  fleetctl     the fleetctl client of the fleet API (also installed as `fleetctl`)\n"
      "  systemctl    start, stop and inspect this machine's service units\n"
      "  journalctl   the logs of this machine's service units\n"
      "  engine       the container engine (Docker Engine API; the docker CLI is its client)\n"
      "  version      print the version\n",
      stderr);
}

}  // namespace

int Main(int argc, char** argv) {
  if (base::BaseName(argv[0]) == "etcdctl") return Etcdctl(argc, argv);
  if (base::BaseName(argv[0]) == "fleetctl") return Fleetctl(argc, argv);
  if (argc < 2) {
    Usage();
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "serve") return Serve(argc - 1, argv + 1);
  if (cmd == "etcdctl") return Etcdctl(argc - 1, argv + 1);
  if (cmd == "fleetctl") return Fleetctl(argc - 1, argv + 1);
  if (cmd == "systemctl") return Systemctl(argc - 1, argv + 1);
  if (cmd == "journalctl") return Journalctl(argc - 1, argv + 1);
  if (cmd == "engine") return Engine(argc - 1, argv + 1);
  if (cmd == "version" || cmd == "--version") {
    std::printf("flotilla %s\n", FLOTILLA_VERSION);
    return 0;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    Usage();
    return 0;
  }
  std::fprintf(stderr, "flotilla: unknown command %s\n", argv[1]);
  Usage();
  return 2;
}

}  // namespace flotilla::cli

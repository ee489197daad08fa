// Test support: real server processes on loopback ports, for process tests.
//
// StartEtcd() runs Debian's etcd 3.4 (--enable-v2) and StartFlotilla() runs
// `flotilla serve`, each in a fresh temporary data dir on free 127.0.0.1
// ports, and waits (with a deadline, never a blind sleep) until /health
// answers. The ServerProcess kills its process and removes its directory
// when destroyed. Servers use 127.0.0.1, except cluster members given a
// MemberPlacement elsewhere (e.g. a network namespace of netns.h's NetLab).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace flotilla::testing {

// A fresh directory under /tmp; the caller removes it (RemoveTree).
std::string MakeTempDir(const std::string& prefix);
void RemoveTree(const std::string& path);
// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t FreePort();

class Process {
 public:
  Process() = default;
  Process(Process&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Process& operator=(Process&& o) noexcept;
  ~Process();

  // Starts argv[0] with argv, extra environment entries ("K=V") added, stdout
  // and stderr appended to `log_path` ("" = inherit).
  static std::optional<Process> Spawn(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& env = {},
                                      const std::string& log_path = "");
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  void Signal(int sig);
  // Waits for exit; returns the wait status, or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void Kill();

 private:
  pid_t pid_ = -1;
};

struct ServerProcess {
  Process process;
  std::string dir;       // data dir parent (removed on destruction)
  std::string data_dir;  // the server's --data-dir
  std::string url;       // "http://127.0.0.1:<client port>" (or the member's host)
  uint16_t client_port = 0;
  uint16_t peer_port = 0;
  std::string log_path;
  std::string name;               // member name (clusters)
  std::vector<std::string> argv;  // how it was launched (clusters), for restarts

  ServerProcess() = default;
  ServerProcess(ServerProcess&&) = default;
  ServerProcess& operator=(ServerProcess&&) = default;
  ~ServerProcess();
};

bool HaveEtcd();  // /usr/bin/etcd exists

// Starts real etcd; nullopt (with a message on stderr) if it does not come up.
std::optional<ServerProcess> StartEtcd();
// `flotilla serve` as a plain store: no fleet agent, engine or API (whose
// keys and watchers would show in comparisons with etcd).
inline const std::vector<std::string> kStoreOnly = {"--fleet=false"};

// Starts `flotilla serve` (FLOTILLA_BINARY), reusing `data_dir` if given.
std::optional<ServerProcess> StartFlotilla(const std::string& data_dir = "",
                                           const std::vector<std::string>& extra_flags = {});
// Restarts a flotilla server on the same ports and data dir after it died.
bool RestartFlotilla(ServerProcess& server, const std::vector<std::string>& extra_flags = {});

// A cluster of `n` members on loopback ports, all founded together, each
// with its own data dir; waits until every member is healthy (has a
// leader). Real etcd when `etcd` is set, flotilla otherwise.
std::optional<std::vector<ServerProcess>> StartCluster(int n, bool etcd = false,
                                                       const std::vector<std::string>& extra = {});
// Where a cluster member runs. By default on 127.0.0.1 on free ports,
// started directly. With a `host`, the member binds that address on etcd's
// default ports (2379 for clients, 2380 for peers), and `launcher` is put
// before its command line, e.g. `ip netns exec NAME` (it must exec the
// member in place, so that the pid stays the member's).
// `flags` are this member's own extra flags, put after the cluster's
// `extra` ones (e.g. fleet's --metadata, which differs per machine).
struct MemberPlacement {
  std::string host;
  std::vector<std::string> launcher;
  std::vector<std::string> flags;
};

// As StartCluster, one member per placement.
std::optional<std::vector<ServerProcess>> StartPlacedCluster(
    const std::vector<MemberPlacement>& placements, bool etcd = false,
    const std::vector<std::string>& extra = {});

// Restarts a cluster member (after Kill) with its original command line,
// launcher included; waits for health when `wait` is set.
bool RestartMember(ServerProcess& member, bool wait = true);

// A connected TCP socket to 127.0.0.1:port, or -1.
int ConnectLoopback(uint16_t port);

// The "watchers" count of GET url/v2/stats/store, or -1 if unreadable.
int64_t StoreWatchers(const std::string& url);
// Polls StoreWatchers until it equals `n` or `timeout` passes.
bool WaitForWatchers(const std::string& url, int64_t n, std::chrono::milliseconds timeout);

// Sends raw bytes to the server at `url` and reads until it closes the
// connection or `timeout` passes: status (-1 on failure) and all text read.
struct RawAnswer {
  int status = -1;
  std::string text;
};
RawAnswer RawExchange(const std::string& url, const std::string& bytes,
                      std::chrono::milliseconds timeout);

// Polls GET url/health until it answers 200 or `timeout` passes.
bool WaitHealthy(const std::string& url, std::chrono::milliseconds timeout);

// Polls GET /v2/stats/self of the running members listed in `among` (all
// of them when empty) until one says it leads: its index, or -1 once
// `timeout` has passed.
int WaitForLeader(const std::vector<ServerProcess>& members, std::chrono::milliseconds timeout,
                  const std::vector<int>& among = {});

}  // namespace flotilla::testing

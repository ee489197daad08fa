// bench/kv --cluster N: N flotilla members against N real etcd 3.4 members,
// all on loopback on this machine, same client, both fdatasync before
// answering. Writes go to the leader (as a client that follows redirects
// would); linearizable reads (quorum=true) go to a follower. Then the
// leader of each is killed with SIGKILL, several times, and the time until
// another member says it leads is measured (default election settings).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "cluster_process.h"
#include "load.h"
#include "net/http_client.h"

namespace flotilla::bench {
namespace {

using Clock = std::chrono::steady_clock;
using testing::ServerProcess;

bool IsLeader(const ServerProcess& s) {
  net::HttpClient c(*net::ParseUrl(s.url));
  auto r = c.Do("GET", "/v2/stats/self", "", "", std::chrono::milliseconds(300));
  return r.ok() && r->body.find("\"StateLeader\"") != std::string::npos;
}

int FindLeader(std::vector<ServerProcess>& members, int skip = -1) {
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    for (size_t i = 0; i < members.size(); ++i) {
      if (int(i) != skip && members[i].process.running() && IsLeader(members[i])) return int(i);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return -1;
}

// Kills the leader and returns the ms until another member leads; restarts
// the killed member and waits until it is healthy again.
double Failover(std::vector<ServerProcess>& members) {
  int leader = FindLeader(members);
  if (leader < 0) return -1;
  auto t0 = Clock::now();
  members[leader].process.Kill();
  int next = FindLeader(members, leader);
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  testing::RestartMember(members[leader]);
  return next < 0 ? -1 : ms;
}

}  // namespace

int RunCluster(int n, double seconds) {
  auto etcd = testing::StartCluster(n, true);
  auto ours = testing::StartCluster(n);
  if (!etcd || !ours) {
    std::fprintf(stderr, "could not start both clusters\n");
    return 1;
  }
  const int64_t kMax = 2'000'000;
  std::printf(
      "| %d members | etcd ops/s | flotilla ops/s | ratio | etcd p99 ms | flotilla p99 ms |"
      " p99 ratio |\n|---|---|---|---|---|---|---|\n",
      n);
  auto row = [](const std::string& name, Result e, Result o) {
    std::printf("| %s | %.0f | %.0f | %.2fx | %.3f | %.3f | %.2f |\n", name.c_str(), e.ops_per_sec,
                o.ops_per_sec, o.ops_per_sec / std::max(1.0, e.ops_per_sec), e.p99_ms, o.p99_ms,
                o.p99_ms / std::max(1e-9, e.p99_ms));
    if (e.errors || o.errors)
      std::printf("|  (errors: etcd %lld, flotilla %lld) | | | | | | |\n",
                  static_cast<long long>(e.errors), static_cast<long long>(o.errors));
    std::fflush(stdout);
  };
  for (int clients : {1, 16, 64}) {
    std::fprintf(stderr, "PUT %d clients ...\n", clients);
    auto e = Load((*etcd)[FindLeader(*etcd)].url, clients, seconds, true, kMax, 1000);
    auto o = Load((*ours)[FindLeader(*ours)].url, clients, seconds, true, kMax, 1000);
    row("PUT to leader, " + std::to_string(clients) + " clients", e, o);
  }
  for (int clients : {1, 16}) {
    std::fprintf(stderr, "GET quorum %d clients ...\n", clients);
    int fe = (FindLeader(*etcd) + 1) % n, fo = (FindLeader(*ours) + 1) % n;
    auto e = Load((*etcd)[fe].url, clients, seconds, false, kMax, 1000, "?quorum=true");
    auto o = Load((*ours)[fo].url, clients, seconds, false, kMax, 1000, "?quorum=true");
    row("GET quorum=true at a follower, " + std::to_string(clients) + " clients", e, o);
  }
  std::printf("\n| leader SIGKILL -> new leader | etcd ms | flotilla ms |\n|---|---|---|\n");
  std::vector<double> te, to;
  for (int round = 0; round < 5; ++round) {
    std::fprintf(stderr, "failover round %d ...\n", round + 1);
    te.push_back(Failover(*etcd));
    to.push_back(Failover(*ours));
    std::printf("| round %d | %.0f | %.0f |\n", round + 1, te.back(), to.back());
    std::fflush(stdout);
  }
  std::sort(te.begin(), te.end());
  std::sort(to.begin(), to.end());
  std::printf("| median | %.0f | %.0f |\n| worst | %.0f | %.0f |\n", te[te.size() / 2],
              to[to.size() / 2], te.back(), to.back());
  return 0;
}

}  // namespace flotilla::bench

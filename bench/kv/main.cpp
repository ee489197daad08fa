// bench/kv: flotilla's store against real etcd 3.4, same client, same machine,
// same durability (both fdatasync before answering). Prints one table:
// PUT throughput and p50/p99 latency at 1, 16 and 64 concurrent clients, GET
// throughput and latency, and resident memory after loading 100,000 keys.
//
// Usage: flotilla_bench_kv [--seconds S] [--keys N] [--cluster N] (cluster.cpp). Every load is
// bounded in requests and time and goes only to 127.0.0.1.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster_process.h"
#include "load.h"
#include "net/http_client.h"

namespace {

using namespace flotilla;
using namespace flotilla::bench;

double RssMiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

// Loads keys /bench/load/0..n-1 with 100-byte values, 32 clients.
void LoadKeys(const std::string& url, int n) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < 32; ++c) {
    threads.emplace_back([&] {
      net::HttpClient client(*net::ParseUrl(url));
      net::HttpResponse resp;
      std::string value = "value=" + std::string(100, 'x');
      for (int i = next++; i < n; i = next++) {
        std::string target = "/v2/keys/bench/load/" + std::to_string(i);
        net::ClientRequest req;
        req.method = "PUT";
        req.target = target;
        req.body = value;
        req.content_type = "application/x-www-form-urlencoded";
        (void)client.Do(req, std::chrono::seconds(10), &resp);
      }
    });
  }
  for (auto& t : threads) t.join();
}

struct Row {
  std::string name;
  Result etcd, ours;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  int keys = 100000;
  int cluster = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::stod(argv[i + 1]);
    if (!std::strcmp(argv[i], "--keys")) keys = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--cluster")) cluster = std::stoi(argv[i + 1]);
  }
  if (!testing::HaveEtcd()) {
    std::fprintf(stderr, "bench/kv needs Debian's etcd-server (scripts/setup installs it)\n");
    return 1;
  }
  if (cluster > 0) return RunCluster(cluster, seconds);
  auto etcd = testing::StartEtcd();
  auto ours = testing::StartFlotilla();
  if (!etcd || !ours) {
    std::fprintf(stderr, "could not start both servers\n");
    return 1;
  }
  const int64_t kMax = 2'000'000;
  std::vector<Row> rows;
  for (int clients : {1, 16, 64}) {
    Row r{"PUT  " + std::to_string(clients) + " client" + (clients > 1 ? "s" : ""), {}, {}};
    std::fprintf(stderr, "running %s ...\n", r.name.c_str());
    r.etcd = Load(etcd->url, clients, seconds, true, kMax, 1000);
    r.ours = Load(ours->url, clients, seconds, true, kMax, 1000);
    rows.push_back(r);
  }
  for (int clients : {1, 16, 64}) {
    Row r{"GET  " + std::to_string(clients) + " client" + (clients > 1 ? "s" : ""), {}, {}};
    std::fprintf(stderr, "running %s ...\n", r.name.c_str());
    r.etcd = Load(etcd->url, clients, seconds, false, kMax, 1000);
    r.ours = Load(ours->url, clients, seconds, false, kMax, 1000);
    rows.push_back(r);
  }
  std::fprintf(stderr, "loading %d keys into each ...\n", keys);
  LoadKeys(etcd->url, keys);
  LoadKeys(ours->url, keys);
  double rss_etcd = RssMiB(etcd->process.pid()), rss_ours = RssMiB(ours->process.pid());

  std::printf(
      "| workload | etcd ops/s | flotilla ops/s | ratio | etcd p50 ms | flotilla p50 ms | etcd p99 "
      "ms | flotilla p99 ms | p99 ratio |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows) {
    std::printf("| %s | %.0f | %.0f | %.2fx | %.3f | %.3f | %.3f | %.3f | %.2f |\n", r.name.c_str(),
                r.etcd.ops_per_sec, r.ours.ops_per_sec,
                r.ours.ops_per_sec / std::max(1.0, r.etcd.ops_per_sec), r.etcd.p50_ms,
                r.ours.p50_ms, r.etcd.p99_ms, r.ours.p99_ms,
                r.ours.p99_ms / std::max(1e-9, r.etcd.p99_ms));
    if (r.etcd.errors || r.ours.errors)
      std::printf("|  (errors: etcd %lld, flotilla %lld) | | | | | | | | |\n",
                  static_cast<long long>(r.etcd.errors), static_cast<long long>(r.ours.errors));
  }
  std::printf(
      "\n| memory after %d keys | etcd RSS MiB | flotilla RSS MiB | ratio |\n|---|---|---|---|\n",
      keys);
  std::printf("| resident | %.1f | %.1f | %.2f |\n", rss_etcd, rss_ours,
              rss_ours / std::max(1.0, rss_etcd));
  return 0;
}

// bench/kv: flotilla's store against real etcd 3.4, same client, same machine,
// same durability (both fdatasync before answering). Prints one table:
// PUT throughput and p50/p99 latency at 1, 16 and 64 concurrent clients, GET
// throughput and latency, and resident memory after loading 100,000 keys.
//
// Usage: flotilla_bench_kv [--seconds S] [--keys N]. Every load is bounded in
// requests and time and goes only to 127.0.0.1.
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
#include "net/http_client.h"

namespace {

using namespace flotilla;
using Clock = std::chrono::steady_clock;

struct Result {
  double ops_per_sec = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t errors = 0;
};

// Runs `clients` threads for `seconds` (at most `max_requests` in all).
Result Load(const std::string& url, int clients, double seconds, bool write, int64_t max_requests,
            int key_space) {
  std::atomic<int64_t> issued{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::vector<int64_t> errors(static_cast<size_t>(clients));
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      net::HttpClient client(*net::ParseUrl(url));
      net::HttpResponse resp;
      std::string target, body;
      auto& lat = latencies[static_cast<size_t>(c)];
      lat.reserve(100000);
      uint64_t x = 88172645463325252ull + static_cast<uint64_t>(c);
      while (Clock::now() < deadline && issued.fetch_add(1) < max_requests) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int key = static_cast<int>(x % static_cast<uint64_t>(key_space));
        target = "/v2/keys/bench/k" + std::to_string(key);
        net::ClientRequest req;
        if (write) {
          body = "value=" + std::string(256, 'v');
          req.method = "PUT";
          req.body = body;
          req.content_type = "application/x-www-form-urlencoded";
        } else {
          req.method = "GET";
        }
        req.target = target;
        auto t0 = Clock::now();
        auto st = client.Do(req, std::chrono::seconds(10), &resp);
        auto t1 = Clock::now();
        if (!st.ok() || resp.status >= 300) {
          errors[static_cast<size_t>(c)]++;
          continue;
        }
        lat.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  Result r;
  for (size_t c = 0; c < latencies.size(); ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    r.errors += errors[c];
  }
  std::sort(all.begin(), all.end());
  if (!all.empty()) {
    r.ops_per_sec = static_cast<double>(all.size()) / elapsed;
    r.p50_ms = all[all.size() / 2];
    r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return r;
}

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
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::stod(argv[i + 1]);
    if (!std::strcmp(argv[i], "--keys")) keys = std::stoi(argv[i + 1]);
  }
  if (!testing::HaveEtcd()) {
    std::fprintf(stderr, "bench/kv needs Debian's etcd-server (scripts/setup installs it)\n");
    return 1;
  }
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

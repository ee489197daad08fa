#include "load.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "net/http_client.h"

namespace flotilla::bench {

using Clock = std::chrono::steady_clock;

Result Load(const std::string& url, int clients, double seconds, bool write, int64_t max_requests,
            int key_space, const std::string& query) {
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
        target = "/v2/keys/bench/k" + std::to_string(key) + query;
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

}  // namespace flotilla::bench

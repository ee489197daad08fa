// Durability under SIGKILL: writers hammer a real `flotilla serve` while it
// is killed at random moments; after each restart every write that was
// acknowledged must be there with its value. 50 rounds, seeded.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "cluster_process.h"
#include "net/http_client.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

void CollectValues(const json::value& node, std::map<std::string, std::string>& out) {
  if (!node.is_object()) return;
  const auto& o = node.as_object();
  if (auto* v = o.if_contains("value"); v && v->is_string())
    out[std::string(o.at("key").as_string())] = std::string(v->as_string());
  if (auto* nodes = o.if_contains("nodes"); nodes && nodes->is_array())
    for (const auto& n : nodes->as_array()) CollectValues(n, out);
}

TEST(EtcdCrash, AcknowledgedWritesSurviveSigkill) {
  auto server = testing::StartFlotilla("", {"--snapshot-count", "500"});
  ASSERT_TRUE(server);
  auto url = *net::ParseUrl(server->url);
  std::mt19937 rng(20261122);
  std::map<std::string, std::string> acknowledged;
  constexpr int kRounds = 50;
  constexpr int kWriters = 8;
  int64_t total_acked = 0;

  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        net::HttpClient client(url);
        for (int seq = 0; !stop && seq < 100000; ++seq) {
          std::string key = "/crash/r" + std::to_string(round) + "w" + std::to_string(w) + "/" +
                            std::to_string(seq);
          std::string value = "v" + std::to_string(round * 1000003 + seq);
          auto r = client.Do("PUT", "/v2/keys" + key, "value=" + value,
                             "application/x-www-form-urlencoded", 2s);
          if (!r.ok()) return;  // the server died under us
          if (r->status == 200 || r->status == 201) {
            std::lock_guard lock(mu);
            acknowledged[key] = value;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 180));
    server->process.Signal(SIGKILL);
    ASSERT_TRUE(server->process.Wait(10s)) << "server did not die";
    stop = true;
    for (auto& t : writers) t.join();
    ASSERT_TRUE(testing::RestartFlotilla(*server, {"--snapshot-count", "500"}))
        << "restart failed in round " << round << "; log: " << server->log_path;

    net::HttpClient client(url);
    auto r = client.Do("GET", "/v2/keys/crash?recursive=true", {}, {}, 10s);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200) << r->body;
    std::map<std::string, std::string> present;
    json::value v = json::parse(r->body);
    CollectValues(v.as_object()["node"], present);
    for (const auto& [key, value] : acknowledged) {
      auto it = present.find(key);
      ASSERT_NE(it, present.end()) << "round " << round << ": acknowledged " << key << " lost";
      ASSERT_EQ(it->second, value) << key;
    }
    total_acked = static_cast<int64_t>(acknowledged.size());
  }
  // The test means something only if writes were acknowledged in most rounds.
  EXPECT_GT(total_acked, kRounds * 10);
}

}  // namespace
}  // namespace flotilla

// Concurrent clients against a 3-member cluster of real processes while the
// leader is killed with SIGKILL and restarted, twice: the history every
// client observed must be linearizable (tests/support/linearizability.h),
// which also means no acknowledged write was lost (the final quorum reads
// are part of the history).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <random>
#include <thread>

#include "cluster_process.h"
#include "history_recorder.h"
#include "linearizability.h"
#include "net/http_client.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;
namespace lin = testing::lin;

constexpr const char* kKeys[] = {"a", "b", "c"};

// etcd's errorCode of a failed write (0 when the body has none).
int64_t ErrorCode(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("errorCode")) return 0;
  return v.at("errorCode").to_number<int64_t>();
}

// One client operation over HTTP, recorded. Timeouts, dropped connections
// and 5xx answers (no leader, request timed out) leave the outcome unknown.
void RunOp(lin::HistoryRecorder& rec, const std::string& url, lin::Operation op) {
  std::string target = "/v2/keys/" + op.key;
  std::string method = "PUT", body;
  switch (op.kind) {
    case lin::Kind::kGet:
      method = "GET", target += "?quorum=true";
      break;
    case lin::Kind::kSet:
      body = "value=" + op.value;
      break;
    case lin::Kind::kCreate:
      body = "value=" + op.value + "&prevExist=false";
      break;
    case lin::Kind::kCompareAndSwap:
      body = "value=" + op.value + "&prevValue=" + op.prev_value;
      break;
    case lin::Kind::kDelete:
      method = "DELETE";
      break;
    default:
      break;
  }
  int64_t id = rec.Call(op);
  net::HttpClient client(*net::ParseUrl(url));
  auto r =
      client.Do(method, target, body, body.empty() ? "" : "application/x-www-form-urlencoded", 3s);
  if (!r.ok() || r->status >= 500) return rec.Lost(id);
  if (op.kind == lin::Kind::kGet) {
    if (r->status == 404) return rec.ReturnGet(id, std::nullopt);
    auto v = boost::json::parse(r->body);
    return rec.ReturnGet(id, std::string(v.at("node").at("value").as_string()));
  }
  if (r->status == 200 || r->status == 201) return rec.Return(id, true);
  switch (ErrorCode(r->body)) {
    case 100:
      return rec.Return(id, false, lin::Failure::kKeyNotFound);
    case 101:
      return rec.Return(id, false, lin::Failure::kCompareFailed);
    case 105:
      return rec.Return(id, false, lin::Failure::kNodeExists);
    default:
      return rec.Lost(id);
  }
}

int FindLeader(std::vector<testing::ServerProcess>& members) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    for (size_t i = 0; i < members.size(); ++i) {
      if (!members[i].process.running()) continue;
      net::HttpClient c(*net::ParseUrl(members[i].url));
      auto r = c.Do("GET", "/v2/stats/self", "", "", 2s);
      if (r.ok() && r->body.find("\"StateLeader\"") != std::string::npos) return int(i);
    }
    std::this_thread::sleep_for(50ms);
  }
  return -1;
}

TEST(ClusterHistory, leaderKilledTwice_historyIsLinearizable) {
  auto members = testing::StartCluster(3);
  ASSERT_TRUE(members);
  lin::HistoryRecorder rec;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937 rng(1000 + c);
      for (int n = 0; n < 400 && !stop; ++n) {
        lin::Operation op;
        op.client = c;
        op.key = kKeys[rng() % 3];
        op.value = "c" + std::to_string(c) + "-" + std::to_string(n);
        op.prev_value = "c" + std::to_string(rng() % 4) + "-" + std::to_string(n - 1 - rng() % 3);
        int k = rng() % 10;
        op.kind = k < 4   ? lin::Kind::kGet
                  : k < 6 ? lin::Kind::kSet
                  : k < 7 ? lin::Kind::kCreate
                  : k < 9 ? lin::Kind::kCompareAndSwap
                          : lin::Kind::kDelete;
        RunOp(rec, (*members)[rng() % 3].url, op);
      }
    });
  }
  for (int round = 0; round < 2; ++round) {
    std::this_thread::sleep_for(700ms);
    int leader = FindLeader(*members);
    ASSERT_GE(leader, 0);
    (*members)[leader].process.Kill();
    std::this_thread::sleep_for(1500ms);
    ASSERT_TRUE(testing::RestartMember((*members)[leader], false));
  }
  std::this_thread::sleep_for(700ms);
  stop = true;
  for (auto& t : clients) t.join();
  // Final reads through a member that has a leader again.
  ASSERT_GE(FindLeader(*members), 0);
  for (const char* key : kKeys) {
    lin::Operation op;
    op.client = 99;
    op.key = key;
    RunOp(rec, (*members)[0].url, op);
  }
  auto history = rec.History();
  size_t known = 0;
  for (const auto& op : history) known += op.ret != lin::kUnknown;
  EXPECT_GT(known, 200u) << "too few operations completed to mean anything";
  auto result = lin::CheckLinearizability(history);
  EXPECT_EQ(result.verdict, lin::Verdict::kOk) << result.explanation;
}

}  // namespace
}  // namespace flotilla

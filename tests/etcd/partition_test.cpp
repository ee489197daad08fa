// Network partitions of real `flotilla serve` clusters, each member in its
// own network namespace (tests/support/netns.h), while concurrent clients
// record a history against every member (tests/support/history_http.h).
//
// A partition scenario cuts links with blackhole routes and checks what a
// user would see meanwhile: the majority side has a leader and acknowledges
// writes; the cut-off side acknowledges none, reports itself unhealthy, and
// an old leader among it steps down. Then it heals the network and checks
// that every member converges on the same value of every key, and that the
// whole history, final quorum reads on every member included, is
// linearizable: which also means no acknowledged write was lost. The last
// test SIGKILLs the leader, then every member, in their namespaces.
//
// Needs root: without network namespaces the partition tests skip, saying
// why, and the SIGKILL test runs on loopback ports.
// Built as its own binary; `ctest -L partition` runs these tests alone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "cluster_process.h"
#include "history_http.h"
#include "linearizability.h"
#include "net/http_client.h"
#include "netns.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;
namespace lin = testing::lin;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kKeys = {"a", "b", "c"};
// Keys of the test's own writes: through the majority while cut ("probe"),
// to the cut-off members ("cut"), before the SIGKILLs ("durable").
const std::vector<std::string> kTestKeys = {"probe", "cut", "durable"};

lin::ClientMix Mix() {
  lin::ClientMix mix;
  mix.clients = 4;
  mix.keys = kKeys;
  mix.max_ops = 1500;
  mix.max_time = 45s;
  // A member without a leader holds a request until it times out (as etcd
  // does), and a client that picked a cut-off member waits for that: keep
  // the wait short so that clients spend most of a partition on the
  // majority. Then pause, so as not to pile up writes of unknown outcome.
  mix.timeout = 1s;
  mix.pause_after_unknown = 200ms;
  return mix;
}

base::Result<net::HttpResponse> Do(const std::string& url, const std::string& method,
                                   const std::string& target, const std::string& body = "",
                                   std::chrono::milliseconds timeout = 2s) {
  net::HttpClient client(*net::ParseUrl(url));
  return client.Do(method, target, body, body.empty() ? "" : "application/x-www-form-urlencoded",
                   timeout);
}

// What a read of `key` at `url` shows: the value, "<absent>", or "<error>".
std::string Read(const std::string& url, const std::string& key, bool quorum) {
  auto r = Do(url, "GET", "/v2/keys/" + key + (quorum ? "?quorum=true" : ""));
  if (!r.ok()) return "<error: " + r.status().message() + ">";
  if (r->status == 404) return "<absent>";
  if (r->status != 200) return "<error: " + std::to_string(r->status) + ">";
  boost::system::error_code ec;
  auto v = boost::json::parse(r->body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("node")) return "<error: body>";
  const auto* value = v.at("node").as_object().if_contains("value");
  return value && value->is_string() ? std::string(value->as_string()) : "<error: body>";
}

bool SaysLeader(const std::string& url) {
  auto r = Do(url, "GET", "/v2/stats/self");
  return r.ok() && r->body.find("\"StateLeader\"") != std::string::npos;
}

bool Healthy(const std::string& url) {
  auto r = Do(url, "GET", "/health");
  return r.ok() && r->status == 200;
}

// Polls `condition` every 50 ms until it holds or `timeout` passes.
bool WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& condition) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

// Sets "cut" through the cut-off members, one write after another, for as
// long as it runs; recorded as client 91. None may be acknowledged.
class CutSideWrites {
 public:
  CutSideWrites(lin::HistoryRecorder& rec, std::vector<std::string> urls)
      : thread_([this, &rec, urls = std::move(urls)] {
          for (int n = 0; !stop_ && n < 200; ++n) {
            lin::Operation op;
            op.client = 91;
            op.kind = lin::Kind::kSet;
            op.key = "cut";
            op.value = "cut-" + std::to_string(n);
            const std::string& url = urls[n % urls.size()];
            ++attempts_;
            if (lin::RunRecordedOp(rec, url, op, 2s) == lin::Outcome::kSucceeded) {
              std::lock_guard lock(mu_);
              acknowledged_.push_back(op.value + " at " + url);
            }
            std::this_thread::sleep_for(100ms);
          }
        }) {}
  ~CutSideWrites() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int attempts() const { return attempts_; }
  std::vector<std::string> acknowledged() {
    std::lock_guard lock(mu_);
    return acknowledged_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> attempts_{0};
  std::mutex mu_;
  std::vector<std::string> acknowledged_;
  std::thread thread_;  // last: starts once the rest is built
};

// A cluster with each member in its own network namespace when NetLab is
// available, else (for tests that cut no links) on loopback ports.
class NamespacedCluster : public ::testing::Test {
 protected:
  // n members: member i in namespace i of a new lab, on etcd's default
  // ports; without namespaces on free loopback ports.
  void StartCluster(int n) {
    std::vector<testing::MemberPlacement> placements(n);
    std::string why;
    if (testing::NetLab::Available(&why)) {
      auto lab = testing::NetLab::Create(n);
      ASSERT_TRUE(lab.ok()) << lab.status().ToString();
      lab_ = std::move(*lab);
      for (int i = 0; i < n; ++i) placements[i] = {lab_->Address(i), lab_->Launcher(i)};
    } else {
      std::fprintf(stderr, "no network namespaces (%s): members on loopback ports\n", why.c_str());
    }
    auto members = testing::StartPlacedCluster(placements);
    ASSERT_TRUE(members) << "the cluster did not come up";
    members_ = std::move(*members);
    for (const auto& m : members_) urls_.push_back(m.url);
  }

  std::vector<int> Others(const std::vector<int>& side) const {
    std::vector<int> out;
    for (int i = 0; i < static_cast<int>(members_.size()); ++i) {
      if (std::find(side.begin(), side.end(), i) == side.end()) out.push_back(i);
    }
    return out;
  }

  // Sets "probe" through the members of `side` in turn until a write is
  // acknowledged (recorded as client 90): false if none is within `timeout`.
  bool WaitForAcknowledgedWrite(const std::vector<int>& side, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (int n = 0; Clock::now() < deadline; ++n) {
      lin::Operation op;
      op.client = 90;
      op.kind = lin::Kind::kSet;
      op.key = "probe";
      op.value = "probe-" + std::to_string(probes_++);
      // A short timeout: a write forwarded to a leader that is gone is
      // never answered, and the next try may find the new leader.
      if (lin::RunRecordedOp(rec_, urls_[side[n % side.size()]], op, 500ms) ==
          lin::Outcome::kSucceeded) {
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // Waits until the clients have learned `more` further outcomes.
  static bool WaitForProgress(const lin::RecordingClients& clients, int64_t more) {
    int64_t target = clients.known() + more;
    return WaitUntil(20s, [&] { return clients.known() >= target; });
  }

  // After the clients stopped: every member converges, the final quorum
  // reads join the history, and the history is linearizable.
  void ExpectConvergedAndLinearizable();

  std::unique_ptr<testing::NetLab> lab_;         // null on loopback
  std::vector<testing::ServerProcess> members_;  // destroyed before lab_
  std::vector<std::string> urls_;
  lin::HistoryRecorder rec_;
  int probes_ = 0;
};

// Cuts links, so it needs the namespaces.
class NetworkPartition : public NamespacedCluster {
 protected:
  void SetUp() override {
    std::string why;
    if (!testing::NetLab::Available(&why)) {
      GTEST_SKIP() << "needs root and network namespaces: " << why;
    }
  }

  // One partition scenario on `n` members: `choose_cut(leader)` names the
  // members cut off from the rest, which must stay a majority.
  void RunCut(int n, const std::function<std::vector<int>(int leader)>& choose_cut);
};

void NetworkPartition::RunCut(int n,
                              const std::function<std::vector<int>(int leader)>& choose_cut) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(n));
  int leader = testing::WaitForLeader(members_, 20s);
  ASSERT_GE(leader, 0) << "no leader was elected";
  std::vector<int> cut = choose_cut(leader);
  std::vector<int> majority = Others(cut);
  ASSERT_GT(majority.size(), cut.size());
  bool leader_cut = std::find(cut.begin(), cut.end(), leader) != cut.end();

  lin::RecordingClients clients(rec_, urls_, Mix());
  ASSERT_TRUE(WaitForProgress(clients, 50)) << "clients made no progress before the partition";

  for (int a : cut) {
    for (int b : majority) {
      auto st = lab_->Partition(a, b);
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
  }
  auto cut_at = Clock::now();
  {
    std::vector<std::string> cut_urls;
    for (int i : cut) cut_urls.push_back(urls_[i]);
    CutSideWrites cut_writes(rec_, cut_urls);

    // The majority side has a leader (a new one if the old was cut off)
    // and acknowledges writes.
    ASSERT_TRUE(WaitForAcknowledgedWrite(majority, 20s))
        << "the majority side acknowledged no write within 20 s of the partition";
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - cut_at);
    std::fprintf(stderr, "first write acknowledged by the majority %lld ms after the cut\n",
                 static_cast<long long>(ms.count()));
    int new_leader = testing::WaitForLeader(members_, 5s, majority);
    EXPECT_GE(new_leader, 0) << "no member of the majority leads";
    if (!leader_cut && new_leader != leader) {
      std::fprintf(stderr, "note: leadership moved from m%d to m%d\n", leader + 1, new_leader + 1);
    }

    // The cut-off side knows it has no leader: an old leader steps down
    // (CheckQuorum) and the minority cannot elect one.
    std::string still;
    auto leaderless = [&] {
      for (int i : cut) {
        if (SaysLeader(urls_[i]) || Healthy(urls_[i])) return still = members_[i].name, false;
      }
      return true;
    };
    EXPECT_TRUE(WaitUntil(10s, leaderless))
        << still << " still leads or reports a leader 10 s into the partition";
    ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - cut_at);
    std::fprintf(stderr, "the cut-off side reports no leader %lld ms after the cut\n",
                 static_cast<long long>(ms.count()));
    EXPECT_TRUE(WaitForProgress(clients, 20)) << "clients made no progress during the partition";
    // Several election timeouts pass on the cut-off side before the heal.
    std::this_thread::sleep_until(cut_at + 4s);

    cut_writes.Stop();
    EXPECT_GT(cut_writes.attempts(), 0);
    auto acknowledged = cut_writes.acknowledged();
    EXPECT_TRUE(acknowledged.empty())
        << acknowledged.size() << " of " << cut_writes.attempts()
        << " writes to cut-off members were acknowledged, the first: " << acknowledged[0];
    std::fprintf(stderr, "%d writes to cut-off members, %zu acknowledged\n", cut_writes.attempts(),
                 acknowledged.size());
  }

  auto st = lab_->Heal();
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto healed_at = Clock::now();
  for (const auto& m : members_) {
    EXPECT_TRUE(testing::WaitHealthy(m.url, 20s)) << m.name << " has no leader after the heal";
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - healed_at);
  std::fprintf(stderr, "every member reports a leader %lld ms after the heal\n",
               static_cast<long long>(ms.count()));
  EXPECT_TRUE(WaitForProgress(clients, 30)) << "clients made no progress after the heal";
  clients.Stop();
  ExpectConvergedAndLinearizable();
}

void NamespacedCluster::ExpectConvergedAndLinearizable() {
  std::vector<std::string> keys = kKeys;
  keys.insert(keys.end(), kTestKeys.begin(), kTestKeys.end());
  // Writes whose clients gave up may still be in flight for a moment: wait
  // until plain (local) and quorum reads of every key agree on every member.
  std::string disagreement;
  bool converged = WaitUntil(20s, [&] {
    for (const auto& key : keys) {
      std::string first = Read(urls_[0], key, false);
      if (first.starts_with("<error")) {
        disagreement = key + ": " + members_[0].name + " reads " + first;
        return false;
      }
      for (size_t i = 0; i < urls_.size(); ++i) {
        for (bool quorum : {false, true}) {
          std::string seen = Read(urls_[i], key, quorum);
          if (seen != first) {
            disagreement = key + ": " + members_[0].name + " reads " + first + ", " +
                           members_[i].name + (quorum ? " (quorum) " : " ") + "reads " + seen;
            return false;
          }
        }
      }
    }
    return true;
  });
  EXPECT_TRUE(converged) << "members did not converge within 20 s; last seen " << disagreement;

  for (size_t i = 0; i < urls_.size(); ++i) {
    for (const auto& key : keys) {
      lin::Operation op;
      op.client = 100 + static_cast<int>(i);
      op.key = key;
      EXPECT_NE(lin::RunRecordedOp(rec_, urls_[i], op), lin::Outcome::kUnknown)
          << "final quorum read of " << key << " at " << members_[i].name;
    }
  }
  auto history = rec_.History();
  size_t known = 0;
  for (const auto& op : history) known += op.ret != lin::kUnknown;
  std::fprintf(stderr, "history: %zu operations, %zu with a known outcome\n", history.size(),
               known);
  EXPECT_GT(known, 100u) << "too few operations completed to mean anything";
  auto result = lin::CheckLinearizability(history);
  EXPECT_EQ(result.verdict, lin::Verdict::kOk) << result.explanation;
}

TEST_F(NetworkPartition, threeMembers_leaderIsolated_majorityTakesOverAndNothingIsLost) {
  RunCut(3, [](int leader) { return std::vector<int>{leader}; });
}

TEST_F(NetworkPartition, fiveMembers_twoFollowersCutOff_majorityKeepsServing) {
  RunCut(5, [](int leader) { return std::vector<int>{(leader + 1) % 5, (leader + 2) % 5}; });
}

TEST_F(NetworkPartition, fiveMembers_leaderIsolated_majorityTakesOverAndNothingIsLost) {
  RunCut(5, [](int leader) { return std::vector<int>{leader}; });
}

// The program a pid runs, as /proc shows it.
std::string ExeOf(pid_t pid) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  return ec ? "<" + ec.message() + ">" : exe.string();
}

TEST_F(NamespacedCluster, threeMembers_leaderThenAllSigkilled_storeIsIntact) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(3));
  int leader = testing::WaitForLeader(members_, 20s);
  ASSERT_GE(leader, 0) << "no leader was elected";
  // `ip netns exec` exec'd in place: the pid we hold is flotilla's own,
  // and SIGKILL reaches it.
  for (const auto& m : members_) {
    EXPECT_EQ(ExeOf(m.process.pid()), std::filesystem::canonical(FLOTILLA_BINARY).string());
  }
  lin::Operation durable;
  durable.client = 92;
  durable.kind = lin::Kind::kSet;
  durable.key = "durable";
  durable.value = "yes";
  ASSERT_EQ(lin::RunRecordedOp(rec_, urls_[leader], durable), lin::Outcome::kSucceeded);

  lin::RecordingClients clients(rec_, urls_, Mix());
  ASSERT_TRUE(WaitForProgress(clients, 50)) << "clients made no progress";

  members_[leader].process.Kill();
  EXPECT_FALSE(Do(urls_[leader], "GET", "/health", "", 1s).ok())
      << "something still answers at the SIGKILLed leader's address";
  std::vector<int> survivors = Others({leader});
  ASSERT_TRUE(WaitForAcknowledgedWrite(survivors, 20s))
      << "no write acknowledged within 20 s of the leader's SIGKILL";
  EXPECT_GE(testing::WaitForLeader(members_, 5s, survivors), 0);
  ASSERT_TRUE(testing::RestartMember(members_[leader]));
  EXPECT_TRUE(WaitForProgress(clients, 20)) << "clients made no progress after the restart";

  for (auto& m : members_) m.process.Kill();
  for (const auto& m : members_) {
    EXPECT_FALSE(Do(m.url, "GET", "/health", "", 1s).ok()) << m.name << " still answers";
  }
  for (auto& m : members_) ASSERT_TRUE(testing::RestartMember(m, false));
  for (const auto& m : members_) {
    ASSERT_TRUE(testing::WaitHealthy(m.url, 30s)) << m.name << " did not come back";
  }
  EXPECT_TRUE(WaitForProgress(clients, 20)) << "clients made no progress after the full restart";
  clients.Stop();
  ExpectConvergedAndLinearizable();
  for (const auto& url : urls_) EXPECT_EQ(Read(url, "durable", true), "yes") << url;
}

}  // namespace
}  // namespace flotilla

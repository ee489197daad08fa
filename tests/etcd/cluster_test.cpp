// Replicated clusters of real `flotilla serve` processes on loopback: any
// member serves the same answers, the cluster survives the leader's
// SIGKILL without losing an acknowledged write, and membership changes go
// through /v2/members as with etcd.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "cluster_process.h"
#include "net/http_client.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::ServerProcess;

base::Result<net::HttpResponse> Do(const ServerProcess& s, const std::string& method,
                                   const std::string& target, const std::string& body = "",
                                   const std::string& type = "application/x-www-form-urlencoded") {
  net::HttpClient client(*net::ParseUrl(s.url));
  return client.Do(method, target, body, body.empty() ? "" : type, 5s);
}

// The member that says it leads (polling until one does).
int Leader(std::vector<ServerProcess>& members, std::chrono::seconds timeout = 20s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (size_t i = 0; i < members.size(); ++i) {
      if (!members[i].process.running()) continue;
      auto r = Do(members[i], "GET", "/v2/stats/self");
      if (r.ok() && r->body.find("\"StateLeader\"") != std::string::npos) return int(i);
    }
    std::this_thread::sleep_for(50ms);
  }
  return -1;
}

std::string Value(const base::Result<net::HttpResponse>& r) {
  if (!r.ok() || r->status != 200) return "<error>";
  auto v = json::parse(r->body);
  return std::string(v.at("node").at("value").as_string());
}

class Cluster : public ::testing::TestWithParam<int> {};

TEST_P(Cluster, everyMemberServesTheSameStore) {
  auto members = testing::StartCluster(GetParam());
  ASSERT_TRUE(members);
  for (size_t i = 0; i < members->size(); ++i) {
    auto r = Do((*members)[i], "PUT", "/v2/keys/from" + std::to_string(i),
                "value=v" + std::to_string(i));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 201) << r->body;
  }
  for (auto& m : *members) {
    for (size_t i = 0; i < members->size(); ++i) {
      // quorum=true: linearizable, so every acknowledged write is seen.
      EXPECT_EQ(Value(Do(m, "GET", "/v2/keys/from" + std::to_string(i) + "?quorum=true")),
                "v" + std::to_string(i))
          << m.name;
    }
    auto list = Do(m, "GET", "/v2/members");
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(json::parse(list->body).at("members").as_array().size(), members->size());
  }
}

TEST_P(Cluster, leaderSigkill_newLeaderKeepsAcknowledgedWrites) {
  auto members = testing::StartCluster(GetParam());
  ASSERT_TRUE(members);
  int leader = Leader(*members);
  ASSERT_GE(leader, 0);
  int other = (leader + 1) % GetParam();
  for (int i = 0; i < 20; ++i) {
    auto r = Do((*members)[other], "PUT", "/v2/keys/k" + std::to_string(i),
                "value=" + std::to_string(i));
    ASSERT_TRUE(r.ok() && r->status == 201);
  }
  (*members)[leader].process.Kill();
  int next = Leader(*members);
  ASSERT_GE(next, 0);
  ASSERT_NE(next, leader);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(
        Value(Do((*members)[other], "GET", "/v2/keys/k" + std::to_string(i) + "?quorum=true")),
        std::to_string(i));
  }
  auto r = Do((*members)[other], "PUT", "/v2/keys/after", "value=x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201) << r->body;
  // The old leader comes back as a follower and catches up.
  ASSERT_TRUE(testing::RestartMember((*members)[leader]));
  auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline &&
         (seen = Value(Do((*members)[leader], "GET", "/v2/keys/after"))) != "x") {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(seen, "x");
}

// A write sent to a follower right after the leader dies waits for the new
// leader and succeeds: the client sees a slower answer, not an error (etcd
// answers 500 "request timed out" after 7 s here).
TEST_P(Cluster, writeRightAfterTheLeaderDies_succeedsWithTheNewLeader) {
  auto members = testing::StartCluster(GetParam());
  ASSERT_TRUE(members);
  int leader = Leader(*members);
  ASSERT_GE(leader, 0);
  int other = (leader + 1) % GetParam();
  (*members)[leader].process.Kill();
  auto t0 = std::chrono::steady_clock::now();
  auto r = Do((*members)[other], "PUT", "/v2/keys/during", "value=failover");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201) << r->body << " after "
                            << std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - t0)
                                   .count()
                            << " ms";
  EXPECT_EQ(Value(Do((*members)[other], "GET", "/v2/keys/during?quorum=true")), "failover");
}

TEST_P(Cluster, allMembersRestart_storeIsIntact) {
  auto members = testing::StartCluster(GetParam());
  ASSERT_TRUE(members);
  auto r = Do((*members)[0], "PUT", "/v2/keys/durable", "value=yes");
  ASSERT_TRUE(r.ok() && r->status == 201);
  for (auto& m : *members) m.process.Kill();
  for (auto& m : *members) ASSERT_TRUE(testing::RestartMember(m, false));
  for (auto& m : *members) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    std::string seen;
    while (std::chrono::steady_clock::now() < deadline &&
           (seen = Value(Do(m, "GET", "/v2/keys/durable?quorum=true"))) != "yes") {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(seen, "yes") << m.name;
  }
}

// A member that restarts from a snapshot (and the entries after it) rejoins
// and serves everything, including what was written while it was down.
TEST(ClusterRestart, memberWithASnapshot_restartsAndCatchesUp) {
  auto members = testing::StartCluster(3, false, {"--snapshot-count", "10"});
  ASSERT_TRUE(members);
  for (int i = 0; i < 30; ++i) {
    auto r = Do((*members)[0], "PUT", "/v2/keys/k" + std::to_string(i), "value=v");
    ASSERT_TRUE(r.ok() && r->status == 201);
  }
  auto& down = (*members)[1];
  down.process.Kill();
  auto r = Do((*members)[0], "PUT", "/v2/keys/while-down", "value=yes");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201) << r->body;
  ASSERT_TRUE(testing::RestartMember(down)) << "log in " << down.log_path;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline &&
         (seen = Value(Do(down, "GET", "/v2/keys/while-down"))) != "yes") {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(seen, "yes");
  EXPECT_EQ(Value(Do(down, "GET", "/v2/keys/k0")), "v");
}

// etcd's /v2/stats/leader on the leader: every follower with its heartbeat
// round trip in milliseconds, message counts and raft progress.
TEST(ClusterStats, leaderStats_showEveryFollowersLatencyAndProgress) {
  auto members = testing::StartCluster(3);
  ASSERT_TRUE(members);
  int leader = Leader(*members);
  ASSERT_GE(leader, 0);
  auto r = Do((*members)[leader], "PUT", "/v2/keys/k", "value=v");
  ASSERT_TRUE(r.ok() && r->status == 201);
  json::object followers;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto stats = json::parse(Do((*members)[leader], "GET", "/v2/stats/leader")->body);
    followers = stats.at("followers").as_object();
    bool measured = followers.size() == 2;
    for (const auto& [id, f] : followers)
      measured = measured && f.at("latency").at("maximum").to_number<double>() > 0;
    if (measured || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(followers.size(), 2u);
  for (const auto& [id, f] : followers) {
    const auto& lat = f.at("latency");
    double min = lat.at("minimum").to_number<double>(), avg = lat.at("average").to_number<double>(),
           max = lat.at("maximum").to_number<double>();
    EXPECT_GT(max, 0) << id;
    EXPECT_LE(min, avg) << id;
    EXPECT_LE(avg, max) << id;
    EXPECT_LT(max, 5000) << id << ": a loopback round trip of seconds";
    EXPECT_GT(f.at("counts").at("success").to_number<uint64_t>(), 0u) << id;
    EXPECT_GE(f.at("raft").at("match").to_number<uint64_t>(), 1u) << id;
  }
  // /v2/stats/self counts the appends each side saw.
  auto self = json::parse(Do((*members)[leader], "GET", "/v2/stats/self")->body);
  EXPECT_GT(self.at("sendAppendRequestCnt").to_number<uint64_t>(), 0u);
  auto other = json::parse(Do((*members)[(leader + 1) % 3], "GET", "/v2/stats/self")->body);
  EXPECT_GT(other.at("recvAppendRequestCnt").to_number<uint64_t>(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Members, Cluster, ::testing::Values(3, 5),
                         [](const auto& info) { return std::to_string(info.param); });

// etcd's member remove: the rest carry on without it, it stops (also when
// restarted), its id is gone for good (410), and its URLs may be added again
// under a new id.
TEST(ClusterMembership, removeMember_restContinueAndItsIdNeverComesBack) {
  auto members = testing::StartCluster(3);
  ASSERT_TRUE(members);
  auto list = json::parse(Do((*members)[0], "GET", "/v2/members")->body);
  std::string victim_id, victim_url;
  for (const auto& m : list.at("members").as_array()) {
    if (m.at("name").as_string() == "m3") {
      victim_id = std::string(m.at("id").as_string());
      victim_url = std::string(m.at("peerURLs").as_array()[0].as_string());
    }
  }
  ASSERT_FALSE(victim_id.empty());
  auto r = Do((*members)[0], "DELETE", "/v2/members/" + victim_id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 204) << r->body;
  // The removed member stops by itself.
  EXPECT_TRUE((*members)[2].process.Wait(20s).has_value());
  auto after = json::parse(Do((*members)[0], "GET", "/v2/members")->body);
  EXPECT_EQ(after.at("members").as_array().size(), 2u);
  // If the removed member led, the others elect a new leader first; a
  // write in that gap times out, as with etcd, and the client retries.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    r = Do((*members)[1], "PUT", "/v2/keys/two", "value=2");
  } while (!(r.ok() && r->status < 500) && std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201) << r->body;
  r = Do((*members)[0], "DELETE", "/v2/members/" + victim_id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 410) << r->body;
  // Restarted with its data dir, the removed member learns from its own log
  // that it was removed and stops again, with an error.
  ASSERT_TRUE(testing::RestartMember((*members)[2], false));
  auto status = (*members)[2].process.Wait(20s);
  ASSERT_TRUE(status.has_value()) << "a removed member kept running after a restart";
  EXPECT_NE(*status, 0);
  // Its peer URLs may be added again, as etcd allows, under a new id.
  r = Do((*members)[0], "POST", "/v2/members", R"({"peerURLs":[")" + victim_url + R"("]})",
         "application/json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_NE(std::string(json::parse(r->body).at("id").as_string()), victim_id);
}

// A member removed while it was down never receives its removal entry; on
// restart it finds no leader, asks its peers, learns it was removed and
// stops, as etcd's member does when its peers answer "removed".
TEST(ClusterMembership, memberRemovedWhileDown_stopsWhenItComesBack) {
  auto members = testing::StartCluster(3);
  ASSERT_TRUE(members);
  auto& victim = (*members)[2];
  std::string victim_id;
  auto list = json::parse(Do((*members)[0], "GET", "/v2/members")->body);
  for (const auto& m : list.at("members").as_array())
    if (m.at("name").as_string() == "m3") victim_id = std::string(m.at("id").as_string());
  ASSERT_FALSE(victim_id.empty());
  victim.process.Kill();
  // If it led, the others elect first; the removal waits for that.
  base::Result<net::HttpResponse> r = base::Status(base::Code::kUnavailable, "not sent");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    r = Do((*members)[0], "DELETE", "/v2/members/" + victim_id);
  } while (!(r.ok() && r->status < 500) && std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 204) << r->body;
  // Down for longer than the peers' reconnect backoff (at most 1 s), so
  // the leader's farewell append is dropped rather than delivered late.
  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(testing::RestartMember(victim, false));
  auto status = victim.process.Wait(40s);
  ASSERT_TRUE(status.has_value()) << "the removed member kept running; log in " << victim.log_path;
  EXPECT_NE(*status, 0);
}

// etcd's way to grow a cluster: `member add` on the running cluster, then
// start the new member with --initial-cluster-state existing. It learns the
// cluster id and its own id from its peers, catches up on the data, and
// serves reads and writes like the others.
TEST(ClusterMembership, addThenStartWithExistingState_newMemberJoinsAndServes) {
  auto members = testing::StartCluster(3);
  ASSERT_TRUE(members);
  auto r = Do((*members)[0], "PUT", "/v2/keys/before", "value=old");
  ASSERT_TRUE(r.ok() && r->status == 201);

  ServerProcess joiner;
  joiner.name = "m4";
  joiner.dir = testing::MakeTempDir("flotilla-join");
  joiner.data_dir = joiner.dir + "/data";
  joiner.client_port = testing::FreePort();
  joiner.peer_port = testing::FreePort();
  joiner.url = "http://127.0.0.1:" + std::to_string(joiner.client_port);
  joiner.log_path = joiner.dir + "/log";
  std::string peer = "http://127.0.0.1:" + std::to_string(joiner.peer_port);
  r = Do((*members)[1], "POST", "/v2/members", R"({"peerURLs":[")" + peer + R"("]})",
         "application/json");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 201) << r->body;
  std::string new_id(json::parse(r->body).at("id").as_string());

  std::string initial;
  for (const auto& m : *members)
    initial += m.name + "=http://127.0.0.1:" + std::to_string(m.peer_port) + ",";
  initial += "m4=" + peer;
  auto p = testing::Process::Spawn(
      {FLOTILLA_BINARY, "serve", "--name", "m4", "--data-dir", joiner.data_dir,
       "--listen-client-urls", joiner.url, "--advertise-client-urls", joiner.url,
       "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster",
       initial, "--initial-cluster-state", "existing"},
      {}, joiner.log_path);
  ASSERT_TRUE(p);
  joiner.process = std::move(*p);
  ASSERT_TRUE(testing::WaitHealthy(joiner.url, 30s)) << "log in " << joiner.log_path;

  auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline &&
         (seen = Value(Do(joiner, "GET", "/v2/keys/before"))) != "old") {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(seen, "old");
  r = Do(joiner, "PUT", "/v2/keys/after", "value=new");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(Value(Do((*members)[0], "GET", "/v2/keys/after?quorum=true")), "new");
  // Every member lists four, the new one under the id member add gave it
  // and, once it has published itself, its name.
  deadline = std::chrono::steady_clock::now() + 20s;
  bool named = false;
  while (!named && std::chrono::steady_clock::now() < deadline) {
    auto list = json::parse(Do((*members)[2], "GET", "/v2/members")->body);
    ASSERT_EQ(list.at("members").as_array().size(), 4u);
    for (const auto& m : list.at("members").as_array())
      named = named || (m.at("id").as_string() == new_id && m.at("name").as_string() == "m4");
    if (!named) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(named);
}

// A member started with --initial-cluster-state existing that was never
// added stops with an error that says what to do.
TEST(ClusterMembership, existingStateWithoutMemberAdd_refusesToStart) {
  auto members = testing::StartCluster(3);
  ASSERT_TRUE(members);
  auto dir = testing::MakeTempDir("flotilla-join");
  std::string peer = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  std::string client = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  std::string initial =
      "m1=http://127.0.0.1:" + std::to_string((*members)[0].peer_port) + ",m4=" + peer;
  auto p = testing::Process::Spawn(
      {FLOTILLA_BINARY, "serve", "--name", "m4", "--data-dir", dir + "/data",
       "--listen-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls",
       peer, "--initial-cluster", initial, "--initial-cluster-state", "existing"},
      {}, dir + "/log");
  ASSERT_TRUE(p);
  auto status = p->Wait(20s);
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(*status, 0);
  std::ifstream in(dir + "/log");
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("member add"), std::string::npos) << log;
  testing::RemoveTree(dir);
}

}  // namespace
}  // namespace flotilla

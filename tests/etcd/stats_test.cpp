// /v2/stats/store counts what clients do to keys, as etcd's does. Cluster
// bookkeeping must not show up in it differently: the member records written
// at start-up count as etcd's do, and member lists (which etcdctl fetches
// before every command) count as nothing. Compared with real etcd 3.4.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "cluster_process.h"
#include "net/http_client.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;

boost::json::object StoreStats(const std::string& url) {
  net::HttpClient client(*net::ParseUrl(url));
  auto r = client.Do("GET", "/v2/stats/store", {}, {}, 5s);
  EXPECT_TRUE(r.ok());
  return boost::json::parse(r.ok() ? r->body : "{}").as_object();
}

// etcd sets the cluster version a moment after it serves clients; wait for
// it, so both servers have made all their start-up writes.
bool WaitClusterVersionDecided(const std::string& url) {
  net::HttpClient client(*net::ParseUrl(url));
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = client.Do("GET", "/version", {}, {}, 5s);
    if (r.ok() && r->status == 200 && r->body.find("not_decided") == std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST(EtcdStats, ClusterBookkeepingCountsAsInEtcd) {
  if (!testing::HaveEtcd()) GTEST_SKIP() << "real etcd (/usr/bin/etcd) is not installed";
  auto etcd = testing::StartEtcd();
  auto ours = testing::StartFlotilla("", testing::kStoreOnly);
  ASSERT_TRUE(etcd && ours);
  ASSERT_TRUE(WaitClusterVersionDecided(etcd->url));
  ASSERT_TRUE(WaitClusterVersionDecided(ours->url));
  for (const char* field : {"setsSuccess", "createSuccess"}) {
    EXPECT_EQ(StoreStats(ours->url)[field], StoreStats(etcd->url)[field])
        << field << " after start-up";
  }
  for (const auto* server : {&*etcd, &*ours}) {
    auto before = StoreStats(server->url);
    net::HttpClient client(*net::ParseUrl(server->url));
    for (const char* path : {"/v2/members", "/v2/members/leader", "/v2/machines"}) {
      auto r = client.Do("GET", path, {}, {}, 5s);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->status, 200) << path;
    }
    EXPECT_EQ(StoreStats(server->url), before) << server->url;
  }
}

}  // namespace
}  // namespace flotilla

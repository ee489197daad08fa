// Durability under SIGKILL: writers hammer a real `flotilla serve` while it
// is killed at random moments; after each restart every write that was
// acknowledged must be there with its value. 50 rounds, seeded.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "base/fs.h"
#include "cluster_process.h"
#include "etcd/entry.h"
#include "etcd/server.h"
#include "net/http_client.h"
#include "run_loop.h"
#include "storage/wal.h"

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

// The real file system with an fsync that takes `delay` (the disk of a
// loaded CI machine), so that a member spends ticks waiting for its disk.
class SlowSyncFs final : public base::Fs {
 public:
  explicit SlowSyncFs(std::chrono::milliseconds delay) : delay_(delay) {}
  base::Result<std::unique_ptr<base::WritableFile>> OpenAppend(const std::string& path) override {
    auto f = base::RealFs().OpenAppend(path);
    if (!f.ok()) return f.status();
    return std::unique_ptr<base::WritableFile>(new File(std::move(*f), delay_));
  }
  base::Result<std::string> ReadFile(const std::string& p) override {
    return base::RealFs().ReadFile(p);
  }
  base::Result<std::vector<std::string>> ListDir(const std::string& d) override {
    return base::RealFs().ListDir(d);
  }
  base::Status CreateDirs(const std::string& d) override { return base::RealFs().CreateDirs(d); }
  base::Status Rename(const std::string& a, const std::string& b) override {
    return base::RealFs().Rename(a, b);
  }
  base::Status Remove(const std::string& p) override { return base::RealFs().Remove(p); }
  base::Status Truncate(const std::string& p, uint64_t n) override {
    return base::RealFs().Truncate(p, n);
  }
  base::Status SyncDir(const std::string& d) override { return base::RealFs().SyncDir(d); }
  bool Exists(const std::string& p) override { return base::RealFs().Exists(p); }

 private:
  struct File final : base::WritableFile {
    File(std::unique_ptr<base::WritableFile> f, std::chrono::milliseconds d)
        : inner(std::move(f)), delay(d) {}
    base::Status Append(std::string_view data) override { return inner->Append(data); }
    base::Status Sync() override {
      std::this_thread::sleep_for(delay);  // the slow disk being modelled, not a wait
      return inner->Sync();
    }
    base::Status Close() override { return inner->Close(); }
    uint64_t Size() const override { return inner->Size(); }
    std::unique_ptr<base::WritableFile> inner;
    std::chrono::milliseconds delay;
  };
  std::chrono::milliseconds delay_;
};

// The commit index on disk may lag the log: a member killed right after
// answering a write has the entry but maybe not the commit that covers it.
// Such an entry is committed again after the restart, and the member must
// not call itself ready for clients before it is applied (etcd's
// ReadyNotify), however slow its disk.
TEST(EtcdCrash, EntryBeyondThePersistedCommit_isAppliedBeforeTheMemberIsReady) {
  std::string dir = testing::MakeTempDir("flotilla-late-entry");
  etcd::ServerConfig config;
  config.data_dir = dir + "/data";
  std::string peer = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  config.initial_advertise_peer_urls = config.listen_peer_urls = {peer};
  {
    net::EventLoop loop;
    etcd::Server server(loop, config);
    bool ready = false;
    ASSERT_TRUE(server.Start([&] { ready = true; }).ok());
    ASSERT_TRUE(testing::RunLoopUntil(loop, [&] { return ready; }));
    server.Stop();
  }

  // What a crash between the append and the next commit write leaves.
  storage::Recovered rec;
  auto wal = storage::Wal::Open(base::RealFs(), config.data_dir + "/member/wal", 0, &rec);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  ASSERT_FALSE(rec.entries.empty());
  kv::Request write;
  write.op = kv::Op::kSet;
  write.path = "/1/late";
  write.value = "acknowledged";
  write.time = 1;
  storage::Entry late{rec.entries.back().term, rec.entries.back().index + 1,
                      std::string(1, '\0') + etcd::EncodeProposal({1, 1}, write)};
  ASSERT_TRUE((*wal)->Append({late}).ok());
  ASSERT_TRUE((*wal)->Sync().ok());
  ASSERT_LT(rec.hard_state.commit, late.index);
  wal->reset();

  SlowSyncFs slow(300ms);  // three ticks per fsync
  net::EventLoop loop;
  etcd::Server server(loop, config, slow);
  std::optional<bool> late_visible_when_ready;
  ASSERT_TRUE(server
                  .Start([&] {
                    late_visible_when_ready = std::holds_alternative<kv::EventPtr>(
                        server.store().Peek("/1/late", false, server.clock().Now()));
                  })
                  .ok());
  ASSERT_TRUE(testing::RunLoopUntil(loop, [&] { return late_visible_when_ready.has_value(); }));
  EXPECT_TRUE(*late_visible_when_ready);
  server.Stop();
  testing::RemoveTree(dir);
}

}  // namespace
}  // namespace flotilla

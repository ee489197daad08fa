// Server: one store member: the kv state machine made durable.
//
// Writes are proposed on the loop thread, become log entries, are written to
// the WAL by the writer thread and made durable with one fdatasync per batch
// (group commit: whatever is proposed while a sync runs goes in the next
// batch), and only then applied to the kv::Store, in log order, on the loop
// thread; the proposer's callback runs after apply. So a write is answered
// only once it is on disk, and the store applies entries exactly as a raft
// follower would (this member is its own one-member quorum; raft slots in
// between Propose and apply without changing either side).
//
// Every `snapshot_count` applied entries the store is saved as a snapshot and
// WAL segments it covers are released, bounding recovery time and disk use.
// Start() recovers: newest valid snapshot, then the WAL entries after it.
// TTL expiry: every 500 ms, if any key has a TTL, a SYNC entry carrying the
// proposer's clock goes through the log (etcd's SyncTicker).
//
// Threading: everything but the writer thread runs on the EventLoop's thread;
// call every method there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/fs.h"
#include "base/status.h"
#include "etcd/member.h"
#include "kv/store.h"
#include "net/event_loop.h"

namespace flotilla::etcd {

struct ServerConfig {
  std::string name = "default";
  std::string data_dir = "default.flotilla";
  std::vector<std::string> advertise_client_urls = {"http://localhost:2379"};
  std::vector<std::string> initial_advertise_peer_urls = {"http://localhost:2380"};
  std::string initial_cluster_token = "etcd-cluster";
  uint64_t snapshot_count = 100000;
};

// Counters for /metrics and /v2/stats.
struct ServerMetrics {
  uint64_t proposals_committed = 0;
  uint64_t proposals_failed = 0;
  uint64_t wal_syncs = 0;
  uint64_t wal_sync_nanos = 0;
  uint64_t snapshots = 0;
  uint64_t applied_entries = 0;
};

class Server {
 public:
  using Done = std::function<void(const kv::Outcome&)>;

  Server(net::EventLoop& loop, ServerConfig config, base::Fs& fs = base::RealFs(),
         const base::Clock& clock = base::SystemClock());
  ~Server();

  // Recovers from the data dir, or bootstraps a new one-member cluster.
  // `ready` runs on the loop thread once the start-up writes (the founding
  // entries and this member's published attributes) are applied, as etcd's
  // ReadyNotify: serve clients only from then on.
  base::Status Start(std::function<void()> ready = {});
  // Stops the writer thread after the writes already handed to it.
  void Stop();

  // Proposes a write (or quorum get, or sync). `done` runs on the loop thread
  // with the outcome of applying it, after the entry is durable. If the WAL
  // fails the server stops accepting writes and `done` gets error 300.
  void Propose(kv::Request request, Done done);

  kv::Store& store() { return store_; }
  const base::Clock& clock() const { return clock_; }
  const ServerConfig& config() const { return config_; }
  MemberId id() const { return id_; }
  ClusterId cluster_id() const { return cluster_id_; }
  uint64_t term() const { return term_; }
  uint64_t raft_index() const { return applied_index_; }
  base::UnixNanos start_time() const { return start_time_; }
  const ServerMetrics& metrics() const { return metrics_; }
  bool healthy() const { return failed_.ok(); }
  // The members, read from the store's /0/members.
  std::vector<Member> Members();

 private:
  struct Writer;
  struct Pending;

  base::Status Bootstrap();
  base::Status Recover();
  void Publish(std::function<void()> ready);
  void Submit();
  void OnDurable(std::shared_ptr<Pending> batch, base::Status status);
  void MaybeSnapshot();
  void SyncTick();

  net::EventLoop& loop_;
  ServerConfig config_;
  base::Fs& fs_;
  const base::Clock& clock_;
  kv::Store store_;
  MemberId id_;
  ClusterId cluster_id_;
  uint64_t term_ = 2;
  uint64_t last_index_ = 0;     // last index handed out
  uint64_t applied_index_ = 0;  // last index applied to store_
  uint64_t snapshot_index_ = 0;
  bool snapshot_in_flight_ = false;
  bool sync_in_flight_ = false;
  base::UnixNanos start_time_ = 0;
  base::Status failed_;
  ServerMetrics metrics_;
  std::shared_ptr<Pending> pending_;
  bool writer_busy_ = false;
  std::unique_ptr<Writer> writer_;
};

}  // namespace flotilla::etcd

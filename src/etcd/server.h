// Server: one store member: the kv state machine replicated with raft.
//
// The loop thread owns everything here. Client writes become raft
// proposals (a follower's proposals travel to the leader inside raft); the
// raft core's Ready is persisted by the Disk's writer thread (one fdatasync
// per Ready: group commit), its messages go out over the PeerTransport only
// after that (a leader's appends and heartbeats at once, overlapping its own
// fsync: raft::MaySendBeforePersist), and committed entries are applied to
// the kv::Store in log order. A proposer answers its client when it applies
// the client's entry, so an answer means: durable on a quorum and applied
// here. Writes and quorum reads that arrive while there is no leader wait
// for one, within their request timeout.
//
// Reads: Store() reads are local (on a follower they may lag the leader by
// the entries in flight, as etcd's default v2 reads do). LinearizableRead
// waits for a raft ReadIndex confirmation and for this member to apply up
// to that index, so a read after it reflects every write acknowledged
// before it began (quorum=true).
//
// Membership: the founding members become the first log entries; later
// changes are conf-change entries (AddMember / RemoveMember). Every member
// records the membership in the store under /0/members and
// /0/removed_members, as etcd's v2 store does. A member that applies its
// own removal stops (on_removed), and so does one that, long without a
// leader, hears from its peers that it was removed. With
// --initial-cluster-state existing a new member learns its cluster id and
// member id from its peers (peer_query.h).
//
// TTL expiry: the leader proposes a SYNC entry carrying its clock every
// 500 ms while keys with a TTL exist (etcd's SyncTicker).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/fs.h"
#include "base/status.h"
#include "etcd/member.h"
#include "kv/store.h"
#include "net/event_loop.h"
#include "raft/raw_node.h"

namespace flotilla::etcd {

class Disk;
class PeerTransport;
struct ClusterInfo;

struct ServerConfig {
  std::string name = "default";
  std::string data_dir = "default.flotilla";
  std::vector<std::string> advertise_client_urls = {"http://localhost:2379"};
  std::vector<std::string> initial_advertise_peer_urls = {"http://localhost:2380"};
  std::vector<std::string> listen_peer_urls = {"http://localhost:2380"};
  // name -> peer URLs of the founding members ("" = just this member).
  std::map<std::string, std::vector<std::string>> initial_cluster;
  bool join_existing = false;  // --initial-cluster-state existing
  std::string initial_cluster_token = "etcd-cluster";
  uint64_t snapshot_count = 100000;
  int heartbeat_ms = 100;
  int election_ms = 1000;
  // How long a proposal may wait for its entry to apply.
  int request_timeout_ms = 5000;
};

// A follower's heartbeat round trips, as the leader measured them (etcd's
// /v2/stats/leader latency, in milliseconds).
struct LatencyStats {
  double current = 0, minimum = 0, maximum = 0;
  uint64_t count = 0;
  double sum = 0, sum_squares = 0;
  void Add(double ms);
  double average() const { return count ? sum / count : 0; }
  double standard_deviation() const;
};

// Counters for /metrics and /v2/stats.
struct ServerMetrics {
  uint64_t proposals_committed = 0;
  uint64_t proposals_failed = 0;
  uint64_t wal_syncs = 0;
  uint64_t wal_sync_nanos = 0;
  uint64_t snapshots = 0;
  uint64_t applied_entries = 0;
  uint64_t leader_changes = 0;
  uint64_t appends_sent = 0;      // MsgApp, as leader
  uint64_t appends_received = 0;  // MsgApp, as follower
};

class Server {
 public:
  using Done = std::function<void(const kv::Outcome&)>;

  Server(net::EventLoop& loop, ServerConfig config, base::Fs& fs = base::RealFs(),
         const base::Clock& clock = base::SystemClock());
  ~Server();

  // Recovers from the data dir or founds/joins a cluster, and starts
  // listening for peers. `ready` runs on the loop thread once this member
  // published its attributes through the log (etcd's ReadyNotify): serve
  // clients only from then on. `removed` runs if this member is removed.
  base::Status Start(std::function<void()> ready = {}, std::function<void()> removed = {});
  void Stop();

  // Proposes a write (or sync). `done` runs on the loop thread with the
  // outcome of applying it; errors: no leader, timeout, a broken WAL (300).
  void Propose(kv::Request request, Done done);
  // `done(ok)` once a read of store() now would be linearizable.
  void LinearizableRead(std::function<void(base::Status)> done);
  // Membership changes; `done` runs when applied (or with the error).
  void AddMember(const std::vector<std::string>& peer_urls,
                 std::function<void(base::Result<Member>)> done);
  void RemoveMember(MemberId id, std::function<void(base::Status)> done);

  kv::Store& store() { return store_; }
  const base::Clock& clock() const { return clock_; }
  const ServerConfig& config() const { return config_; }
  MemberId id() const { return id_; }
  ClusterId cluster_id() const { return cluster_id_; }
  uint64_t term() const;
  uint64_t raft_index() const { return applied_index_; }
  MemberId leader() const;
  bool is_leader() const { return leader() == id_; }
  base::UnixNanos start_time() const { return start_time_; }
  base::UnixNanos leader_since() const { return leader_since_; }
  const ServerMetrics& metrics() const { return metrics_; }
  const std::map<raft::NodeId, LatencyStats>& follower_latency() const { return latency_; }
  bool healthy() const;
  // The members, read from the store's /0/members.
  std::vector<Member> Members();
  // Whether `id` was removed from the cluster (/0/removed_members).
  bool IsRemoved(MemberId id);
  raft::Status RaftStatus() const;
  const PeerTransport& transport() const { return *transport_; }

 private:
  struct Waiter;
  void Kick();
  void HandleReady();
  void ApplyEntry(const raft::Entry& e);
  void ApplyConfChange(const raft::Entry& e);
  void ApplySnapshot(const raft::Snapshot& s);
  void OnLeaderChange(raft::NodeId leader);
  void OnReadStates(std::vector<raft::ReadState> states);
  void ServeReads();
  void Publish();
  void MaybeSnapshot();
  void Tick();
  void SyncTick();
  void ExpireWaiters();
  void SyncPeers();
  base::Status LearnCluster(std::vector<Member>& peers);
  ClusterInfo Info();
  void SendFarewell(MemberId removed, const raft::Entry& e);
  void AskIfRemoved();
  void Send(std::vector<raft::Message> messages);
  void HeartbeatAnswered(raft::NodeId from);
  void ReleaseHeld();
  uint64_t NextSeq() { return ++seq_; }
  // When a request that starts now has waited long enough.
  base::UnixNanos Deadline() const {
    return clock_.Now() + int64_t(config_.request_timeout_ms) * 1'000'000;
  }
  void Wait(uint64_t seq, std::function<void(const kv::Outcome*)> done, base::UnixNanos deadline);
  void ProposeUntil(kv::Request request, Done done, base::UnixNanos deadline);
  void ReadUntil(std::function<void(base::Status)> done, base::UnixNanos deadline);

  net::EventLoop& loop_;
  ServerConfig config_;
  base::Fs& fs_;
  const base::Clock& clock_;
  kv::Store store_;
  MemberId id_;
  ClusterId cluster_id_;
  std::unique_ptr<Disk> disk_;
  std::unique_ptr<PeerTransport> transport_;
  std::unique_ptr<raft::RawNode> node_;
  bool persisting_ = false;
  bool kick_posted_ = false;
  uint64_t applied_index_ = 0;
  uint64_t snapshot_index_ = 0;
  bool snapshot_in_flight_ = false;
  bool sync_in_flight_ = false;
  bool published_ = false;
  bool publish_in_flight_ = false;
  bool version_proposed_ = false;
  uint64_t seq_ = 0;
  raft::NodeId leader_ = raft::kNone;
  base::UnixNanos start_time_ = 0;
  base::UnixNanos leader_since_ = 0;
  base::Status failed_;
  ServerMetrics metrics_;
  std::function<void()> ready_;
  std::function<void()> removed_;
  // Removed members: their messages are ignored (see SendFarewell).
  std::set<uint64_t> removed_ids_;
  // Proposals of this member waiting for their entry, by sequence number.
  std::unordered_map<uint64_t, std::unique_ptr<Waiter>> waiters_;
  // Writes and reads that came while there was no leader (an election):
  // proposed once one is known, or failed at their deadline, so a client
  // sees a failover as a slower answer rather than an error.
  struct Held {
    base::UnixNanos deadline = 0;
    kv::Request request;  // a write (when `done`)
    Done done;
    std::function<void(base::Status)> read;  // or a linearizable read
  };
  std::vector<Held> held_;
  // A member that stays without a leader asks its peers whether it was
  // removed while it was down (the removal entry never reached it), and
  // stops if so, as an etcd member stops when its peers answer "removed".
  base::UnixNanos leaderless_since_ = 0;
  base::UnixNanos last_removal_query_ = 0;
  std::thread removal_query_;
  // Heartbeats in flight (sent at) and the round trips measured, by follower.
  std::map<raft::NodeId, base::UnixNanos> heartbeat_sent_;
  std::map<raft::NodeId, LatencyStats> latency_;
  // Reads waiting for a ReadIndex answer (by context) or for apply.
  struct ReadBatch {
    base::UnixNanos deadline = 0;
    std::vector<std::function<void(base::Status)>> callbacks;
  };
  std::unordered_map<std::string, ReadBatch> reads_asked_;
  std::multimap<uint64_t, std::function<void(base::Status)>> reads_ready_;
  std::vector<std::function<void(base::Status)>> reads_unsent_;
  base::UnixNanos reads_unsent_deadline_ = 0;  // the earliest of reads_unsent_
};

}  // namespace flotilla::etcd

// Server: start-up (founding, joining, recovering) and the public calls.
// The raft loop (Ready handling and apply) is in server_raft.cpp.
#include "etcd/server.h"

#include <algorithm>

#include "base/codec.h"
#include "base/log.h"
#include "etcd/disk.h"
#include "etcd/entry.h"
#include "etcd/peer_query.h"
#include "etcd/peer_transport.h"
#include "etcd/server_internal.h"
#include "net/http_client.h"
#include "raft/codec.h"
#include "storage/wal.h"

namespace flotilla::etcd {
namespace {

// Metadata at the head of every WAL segment: who wrote it.
constexpr uint8_t kMetadataVersion = 2;  // 1: one-member store before raft

std::string EncodeMetadata(MemberId id, ClusterId cid) {
  std::string out;
  base::Encoder e(out);
  e.U8(kMetadataVersion);
  e.U64(id.value);
  e.U64(cid.value);
  return out;
}

base::Status DecodeMetadata(std::string_view in, MemberId& id, ClusterId& cid) {
  base::Decoder d(in);
  uint8_t version = 0;
  if (d.U8(version) && version == 1) {
    return base::Status(base::Code::kCorruption,
                        "wal written by a flotilla without replication (format 1); start with a "
                        "new data dir");
  }
  if (!(version == kMetadataVersion && d.U64(id.value) && d.U64(cid.value) && d.done()))
    return base::Status(base::Code::kCorruption, "wal: unreadable metadata");
  return base::Status::Ok();
}

}  // namespace

Server::Server(net::EventLoop& loop, ServerConfig config, base::Fs& fs, const base::Clock& clock)
    : loop_(loop), config_(std::move(config)), fs_(fs), clock_(clock) {}

Server::~Server() {
  Stop();
}

static std::vector<Member> FoundingMembers(const ServerConfig& c) {
  std::vector<Member> out;
  if (c.initial_cluster.empty()) {
    out.push_back(Member{ComputeMemberId(c.initial_advertise_peer_urls, c.initial_cluster_token),
                         c.name,
                         c.initial_advertise_peer_urls,
                         {}});
  }
  for (const auto& [name, urls] : c.initial_cluster) {
    out.push_back(Member{ComputeMemberId(urls, c.initial_cluster_token), name, urls, {}});
  }
  std::sort(out.begin(), out.end(), [](const Member& a, const Member& b) { return a.id < b.id; });
  return out;
}

base::Status Server::Start(std::function<void()> ready, std::function<void()> removed) {
  start_time_ = clock_.Now();
  ready_ = std::move(ready);
  removed_ = std::move(removed);
  auto founders = FoundingMembers(config_);
  id_ = ComputeMemberId(config_.initial_advertise_peer_urls, config_.initial_cluster_token);
  bool existing = storage::Wal::Exists(fs_, base::JoinPath(config_.data_dir, "member/wal"));
  if (!existing &&
      std::none_of(founders.begin(), founders.end(), [&](const Member& m) { return m.id == id_; }))
    return base::Status(base::Code::kInvalidArgument,
                        "--initial-cluster has no member with this member's "
                        "--initial-advertise-peer-urls");
  std::vector<MemberId> ids;
  for (const auto& m : founders) ids.push_back(m.id);
  cluster_id_ = ComputeClusterId(ids);
  std::vector<Member> peers = founders;
  if (!existing && config_.join_existing) FLOTILLA_RETURN_IF_ERROR(LearnCluster(peers));

  disk_ = std::make_unique<Disk>(loop_, fs_, config_.data_dir);
  OpenedDisk opened;
  FLOTILLA_RETURN_IF_ERROR(disk_->Open(EncodeMetadata(id_, cluster_id_), opened));
  if (opened.existed) {
    MemberId recorded;
    FLOTILLA_RETURN_IF_ERROR(DecodeMetadata(opened.metadata, recorded, cluster_id_));
    id_ = recorded;
  }

  raft::Config rc;
  rc.id = id_.value;
  rc.heartbeat_tick = 1;
  rc.election_tick = std::max(2, config_.election_ms / std::max(1, config_.heartbeat_ms));
  rc.seed = static_cast<uint64_t>(start_time_) ^ id_.value;
  if (opened.existed) {
    if (!opened.restored.snapshot.empty()) ApplySnapshot(opened.restored.snapshot);
    node_ = std::make_unique<raft::RawNode>(rc, std::move(opened.restored));
    FLOG_INFO("etcd: member {} of cluster {} restarted at term {}", id_.String(),
              cluster_id_.String(), node_->raft().term());
  } else if (config_.join_existing) {
    node_ = std::make_unique<raft::RawNode>(rc, raft::Restored{});
    FLOG_INFO("etcd: member {} joining cluster {}", id_.String(), cluster_id_.String());
  } else {
    std::vector<raft::ConfChange> ccs;
    for (const auto& m : founders) {
      ccs.push_back({raft::ConfChangeType::kAddNode, m.id.value,
                     EncodeConfContext({}, RaftAttributesJson(m))});
    }
    node_ = std::make_unique<raft::RawNode>(raft::RawNode::Bootstrap(rc, ccs));
    FLOG_INFO("etcd: new cluster {} of {} member(s); this is {} ({})", cluster_id_.String(),
              founders.size(), id_.String(), config_.name);
  }

  TransportOptions topts;
  topts.cluster_id = cluster_id_.value;
  topts.self = id_.value;
  topts.cluster_info = [this] { return EncodeClusterInfo(Info()); };
  transport_ = std::make_unique<PeerTransport>(loop_, topts);
  transport_->SetHandler([this](raft::Message m) {
    if (m.type == raft::MessageType::kUnreachable) {
      node_->ReportUnreachable(m.from);
    } else if (m.type == raft::MessageType::kSnapshotStatus) {
      node_->ReportSnapshot(m.from, m.reject);
    } else if (m.type == raft::MessageType::kPeerDown) {
      node_->ReportPeerDown(m.from);
    } else if (removed_ids_.count(m.from)) {
      // ignored (see SendFarewell)
    } else {
      if (m.type == raft::MessageType::kHeartbeatResponse) HeartbeatAnswered(m.from);
      if (m.type == raft::MessageType::kAppend) metrics_.appends_received++;
      node_->Step(std::move(m));
    }
    Kick();
  });
  for (const auto& url : config_.listen_peer_urls) {
    auto parsed = net::ParseTcpUrl(url);
    if (!parsed.ok()) return parsed.status().WithContext("listen peer url " + url);
    std::string host = parsed->host == "localhost" ? "127.0.0.1" : parsed->host;
    auto bound = transport_->Listen(host, parsed->port);
    if (!bound.ok()) return bound.status();
    FLOG_INFO("etcd: peer traffic on {}:{}", host, *bound);
  }
  for (const auto& m : peers) {
    if (m.id != id_) transport_->AddPeer(m.id.value, m.peer_urls);
  }
  SyncPeers();

  loop_.Every(std::chrono::milliseconds(config_.heartbeat_ms), [this] { Tick(); });
  loop_.Every(std::chrono::milliseconds(500), [this] { SyncTick(); });
  // A one-member cluster need not wait for an election timeout.
  if (node_->raft().conf_state().voters.size() <= 1 && !config_.join_existing) {
    loop_.Post([this] {
      if (node_->raft().role() != raft::Role::kLeader) node_->Campaign();
      Kick();
    });
  }
  Kick();
  return base::Status::Ok();
}

// --initial-cluster-state existing: the running members (`peers`, from
// --initial-cluster) tell the cluster id and the id this member was added
// under (etcd's member add gives a new member an id of its own, so a
// member cannot compute it); `peers` becomes the cluster's members.
base::Status Server::LearnCluster(std::vector<Member>& peers) {
  std::vector<std::string> urls;
  for (const auto& m : peers)
    if (m.id != id_) urls.insert(urls.end(), m.peer_urls.begin(), m.peer_urls.end());
  auto info = QueryCluster(urls, std::chrono::seconds(2));
  if (!info.ok()) return info.status();
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  auto mine = sorted(config_.initial_advertise_peer_urls);
  auto found = std::find_if(info->members.begin(), info->members.end(),
                            [&](const Member& m) { return sorted(m.peer_urls) == mine; });
  if (found == info->members.end()) {
    std::string joined;
    for (const auto& u : mine) joined += (joined.empty() ? "" : ",") + u;
    return base::Status(base::Code::kInvalidArgument,
                        fmt::format("cluster {:x} has no member with peer URLs {}; add it first "
                                    "(flotilla etcdctl member add {} {})",
                                    info->cluster_id, joined, config_.name, joined));
  }
  cluster_id_ = ClusterId{info->cluster_id};
  id_ = found->id;
  peers = info->members;
  return base::Status::Ok();
}

ClusterInfo Server::Info() {
  ClusterInfo info;
  info.cluster_id = cluster_id_.value;
  info.members = Members();
  info.removed.assign(removed_ids_.begin(), removed_ids_.end());
  return info;
}

void Server::Stop() {
  if (removal_query_.joinable()) removal_query_.join();
  if (transport_) transport_->Close();
  if (disk_) disk_->Stop();
}

uint64_t Server::term() const {
  return node_ ? node_->raft().term() : 0;
}

MemberId Server::leader() const {
  return MemberId{leader_};
}

bool Server::healthy() const {
  return failed_.ok() && leader_ != raft::kNone;
}

raft::Status Server::RaftStatus() const {
  return node_->GetStatus();
}

void Server::Propose(kv::Request request, Done done) {
  ProposeUntil(std::move(request), std::move(done), Deadline());
}

void Server::ProposeUntil(kv::Request request, Done done, base::UnixNanos deadline) {
  if (!failed_.ok()) {
    metrics_.proposals_failed++;
    if (done) done(InternalError(failed_.message()));
    return;
  }
  if (leader_ == raft::kNone) {
    held_.push_back({deadline, std::move(request), std::move(done), nullptr});
    return;
  }
  uint64_t seq = NextSeq();
  auto error = node_->Propose(EncodeProposal({id_.value, seq}, request));
  if (error != raft::ProposeError::kNone) {
    metrics_.proposals_failed++;
    if (done) done(ProposeErrorOutcome(error));
    return;
  }
  Wait(
      seq,
      [done = std::move(done)](const kv::Outcome* o) {
        if (!done) return;
        if (o) return done(*o);
        done(TimeoutError());
      },
      deadline);
}

void Server::Wait(uint64_t seq, std::function<void(const kv::Outcome*)> done,
                  base::UnixNanos deadline) {
  auto w = std::make_unique<Waiter>();
  w->deadline = deadline;
  w->done = std::move(done);
  waiters_[seq] = std::move(w);
  Kick();
}

void Server::LinearizableRead(std::function<void(base::Status)> done) {
  ReadUntil(std::move(done), Deadline());
}

void Server::ReadUntil(std::function<void(base::Status)> done, base::UnixNanos deadline) {
  if (leader_ == raft::kNone) {
    held_.push_back({deadline, {}, nullptr, std::move(done)});
    return;
  }
  if (reads_unsent_.empty() || deadline < reads_unsent_deadline_) reads_unsent_deadline_ = deadline;
  reads_unsent_.push_back(std::move(done));
  Kick();
}

// A leader is known again: what waited for one goes ahead, keeping the
// deadline it came with.
void Server::ReleaseHeld() {
  auto held = std::move(held_);
  held_.clear();
  for (auto& h : held) {
    if (h.read) {
      ReadUntil(std::move(h.read), h.deadline);
    } else {
      ProposeUntil(std::move(h.request), std::move(h.done), h.deadline);
    }
  }
}

std::vector<Member> Server::Members() {
  std::vector<Member> out;
  auto listing = store_.Peek("/0/members", true, clock_.Now());
  auto* ev = std::get_if<kv::EventPtr>(&listing);
  if (!ev) return out;
  for (const auto& dir : (*ev)->node.nodes) {
    auto slash = dir.key.rfind('/');
    auto id = MemberId::Parse(std::string_view(dir.key).substr(slash + 1));
    if (!id) continue;
    Member m;
    m.id = *id;
    for (const auto& rec : dir.nodes) {
      if (!rec.value) continue;
      if (rec.key.ends_with("/raftAttributes")) ParseRaftAttributes(*rec.value, m);
      if (rec.key.ends_with("/attributes")) ParseAttributes(*rec.value, m);
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Tells the transport where every other member is, and which were removed,
// as the store says.
void Server::SyncPeers() {
  if (!transport_) return;  // recovering a snapshot at start: Start() syncs later
  for (const auto& m : Members()) {
    if (m.id != id_ && !m.peer_urls.empty()) transport_->AddPeer(m.id.value, m.peer_urls);
  }
  auto removed = store_.Peek("/0/removed_members", true, clock_.Now());
  if (auto* ev = std::get_if<kv::EventPtr>(&removed)) {
    for (const auto& n : (*ev)->node.nodes) {
      if (auto id = MemberId::Parse(n.key.substr(n.key.rfind('/') + 1)))
        removed_ids_.insert(id->value);
    }
  }
}

}  // namespace flotilla::etcd

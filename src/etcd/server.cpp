#include "etcd/server.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "base/codec.h"
#include "base/log.h"
#include "storage/snapshotter.h"
#include "storage/wal.h"

namespace flotilla::etcd {
namespace {

// The first byte of every log entry says what it carries.
enum class EntryType : uint8_t { kKvRequest = 1 };

// Metadata at the head of every WAL segment: who wrote it.
std::string EncodeMetadata(MemberId id, ClusterId cid) {
  std::string out;
  base::Encoder e(out);
  e.U8(1);  // version
  e.U64(id.value);
  e.U64(cid.value);
  return out;
}

bool DecodeMetadata(std::string_view in, MemberId& id, ClusterId& cid) {
  base::Decoder d(in);
  uint8_t version;
  return d.U8(version) && version == 1 && d.U64(id.value) && d.U64(cid.value) && d.done();
}

// A write of cluster bookkeeping under /0. etcd creates a member's
// raftAttributes (a conf change) and sets the rest; the store's stats show
// which, so flotilla does the same.
kv::Request InternalWrite(kv::Op op, std::string path, std::string value, base::UnixNanos now) {
  kv::Request r;
  r.op = op;
  r.path = std::move(path);
  r.value = std::move(value);
  r.time = now;
  return r;
}

kv::Error InternalError(std::string cause) {
  return kv::Error{kv::ErrorCode::kRaftInternal, std::move(cause), 0};
}

}  // namespace

// Entries (and their callbacks) waiting for, or going through, one sync.
struct Server::Pending {
  std::vector<storage::Entry> entries;
  std::vector<kv::Request> requests;
  std::vector<Done> dones;
};

// The writer thread: runs storage tasks in order, off the loop thread.
struct Server::Writer {
  std::unique_ptr<storage::Wal> wal;
  std::unique_ptr<storage::Snapshotter> snapshotter;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  bool stopping = false;
  std::thread thread;

  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || !tasks.empty(); });
        if (tasks.empty()) return;
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();
    }
  }
  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu);
      tasks.push_back(std::move(task));
    }
    cv.notify_one();
  }
  void Stop() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_one();
    if (thread.joinable()) thread.join();
  }
};

Server::Server(net::EventLoop& loop, ServerConfig config, base::Fs& fs, const base::Clock& clock)
    : loop_(loop),
      config_(std::move(config)),
      fs_(fs),
      clock_(clock),
      pending_(std::make_shared<Pending>()),
      writer_(std::make_unique<Writer>()) {}

Server::~Server() {
  Stop();
}

base::Status Server::Start(std::function<void()> ready) {
  start_time_ = clock_.Now();
  std::string member_dir = base::JoinPath(config_.data_dir, "member");
  std::string wal_dir = base::JoinPath(member_dir, "wal");
  std::string snap_dir = base::JoinPath(member_dir, "snap");
  FLOTILLA_RETURN_IF_ERROR(fs_.CreateDirs(wal_dir));
  FLOTILLA_RETURN_IF_ERROR(fs_.CreateDirs(snap_dir));
  writer_->snapshotter = std::make_unique<storage::Snapshotter>(fs_, snap_dir);
  bool existing = storage::Wal::Exists(fs_, wal_dir);
  FLOTILLA_RETURN_IF_ERROR(existing ? Recover() : Bootstrap());
  writer_->thread = std::thread([w = writer_.get()] { w->Run(); });
  if (!existing) {
    // The cluster's founding entries, at indexes 1-3 as in etcd.
    Member self{id_, config_.name, config_.initial_advertise_peer_urls,
                config_.advertise_client_urls};
    auto now = clock_.Now();
    Propose(InternalWrite(kv::Op::kCreate, MemberDir(id_) + "/raftAttributes",
                          RaftAttributesJson(self), now),
            nullptr);
    Propose(InternalWrite(kv::Op::kSet, "/0/version", "3.4.0", now), nullptr);
  }
  Publish(std::move(ready));
  loop_.Every(std::chrono::milliseconds(500), [this] { SyncTick(); });
  FLOG_INFO("etcd: member {} of cluster {} ready at index {}", id_.String(), cluster_id_.String(),
            applied_index_);
  return base::Status::Ok();
}

base::Status Server::Bootstrap() {
  id_ = ComputeMemberId(config_.initial_advertise_peer_urls, config_.initial_cluster_token);
  cluster_id_ = ComputeClusterId({id_});
  std::string wal_dir = base::JoinPath(config_.data_dir, "member/wal");
  auto wal = storage::Wal::Create(fs_, wal_dir, EncodeMetadata(id_, cluster_id_));
  if (!wal.ok()) return wal.status().WithContext("create wal");
  writer_->wal = std::move(*wal);
  FLOG_INFO("etcd: new cluster {}, member {} ({})", cluster_id_.String(), id_.String(),
            config_.name);
  return base::Status::Ok();
}

base::Status Server::Recover() {
  auto snap = writer_->snapshotter->Load();
  if (!snap.ok()) return snap.status().WithContext("load snapshot");
  if (*snap) {
    auto restored = kv::Store::Recover((*snap)->data);
    if (!restored.ok())
      return restored.status().WithContext("snapshot at index " + std::to_string((*snap)->index));
    store_ = std::move(*restored);
    snapshot_index_ = applied_index_ = last_index_ = (*snap)->index;
    term_ = std::max(term_, (*snap)->term);
  }
  storage::Recovered rec;
  std::string wal_dir = base::JoinPath(config_.data_dir, "member/wal");
  auto wal = storage::Wal::Open(fs_, wal_dir, snapshot_index_, &rec);
  if (!wal.ok()) return wal.status();
  writer_->wal = std::move(*wal);
  if (!DecodeMetadata(rec.metadata, id_, cluster_id_))
    return base::Status(base::Code::kCorruption, "wal in " + wal_dir + ": unreadable metadata");
  term_ = std::max(term_, rec.hard_state.term);
  for (const auto& e : rec.entries) {
    if (e.index != applied_index_ + 1) {
      return base::Status(base::Code::kCorruption, "wal in " + wal_dir + ": entry " +
                                                       std::to_string(e.index) + " follows " +
                                                       std::to_string(applied_index_));
    }
    if (e.data.empty() || e.data[0] != static_cast<char>(EntryType::kKvRequest))
      return base::Status(base::Code::kCorruption,
                          "wal entry " + std::to_string(e.index) + ": unknown type");
    auto req = kv::Request::Decode(std::string_view(e.data).substr(1));
    if (!req.ok()) return req.status().WithContext("wal entry " + std::to_string(e.index));
    store_.Apply(*req);
    applied_index_ = last_index_ = e.index;
  }
  FLOG_INFO("etcd: recovered snapshot at {} and {} wal entries{}", snapshot_index_,
            rec.entries.size(), rec.truncated_tail ? " (a torn last record was cut off)" : "");
  return base::Status::Ok();
}

// Records this member's name and client URLs, as etcd's publish does.
void Server::Publish(std::function<void()> ready) {
  if (!ready) ready = [] {};
  Member self{id_, config_.name, {}, config_.advertise_client_urls};
  std::string want = AttributesJson(self);
  auto current = store_.Peek(MemberDir(id_) + "/attributes", false, clock_.Now());
  if (auto* ev = std::get_if<kv::EventPtr>(&current)) {
    if ((*ev)->node.value && *(*ev)->node.value == want) return loop_.Post(std::move(ready));
  }
  // Entries apply in order, so this one's callback follows the founding ones.
  Propose(InternalWrite(kv::Op::kSet, MemberDir(id_) + "/attributes", want, clock_.Now()),
          [ready = std::move(ready)](const kv::Outcome&) { ready(); });
}

void Server::Stop() {
  if (writer_) writer_->Stop();
}

void Server::Propose(kv::Request request, Done done) {
  if (!failed_.ok()) {
    if (done) done(InternalError(failed_.message()));
    return;
  }
  storage::Entry entry;
  entry.term = term_;
  entry.index = ++last_index_;
  entry.data.reserve(request.path.size() + request.value.size() + 48);
  entry.data += static_cast<char>(EntryType::kKvRequest);
  request.Encode(entry.data);
  pending_->entries.push_back(std::move(entry));
  pending_->requests.push_back(std::move(request));
  pending_->dones.push_back(std::move(done));
  if (!writer_busy_) Submit();
}

void Server::Submit() {
  if (pending_->entries.empty()) return;
  writer_busy_ = true;
  auto batch = std::move(pending_);
  pending_ = std::make_shared<Pending>();
  storage::HardState hs{term_, id_.value, batch->entries.back().index};
  writer_->Post([this, batch, hs] {
    auto* wal = writer_->wal.get();
    auto t0 = std::chrono::steady_clock::now();
    base::Status st = wal->Append(batch->entries);
    if (st.ok()) st = wal->SetHardState(hs);
    if (st.ok()) st = wal->Sync();
    auto nanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    loop_.Post([this, batch, st, nanos] {
      metrics_.wal_syncs++;
      metrics_.wal_sync_nanos += static_cast<uint64_t>(nanos);
      OnDurable(batch, st);
    });
  });
}

void Server::OnDurable(std::shared_ptr<Pending> batch, base::Status status) {
  writer_busy_ = false;
  if (!status.ok()) {
    // A failed WAL write leaves the log in an unknown state: stop writing,
    // as etcd does (it panics); reads keep working.
    FLOG_ERROR("etcd: wal write failed, refusing further writes: {}", status.ToString());
    failed_ = status;
    for (auto& done : batch->dones)
      if (done) done(InternalError(status.message()));
    for (auto& done : pending_->dones)
      if (done) done(InternalError(status.message()));
    pending_ = std::make_shared<Pending>();
    metrics_.proposals_failed += batch->dones.size();
    return;
  }
  // Start the next sync before applying, so disk and CPU overlap.
  Submit();
  for (size_t i = 0; i < batch->requests.size(); ++i) {
    kv::Outcome outcome = store_.Apply(batch->requests[i]);
    applied_index_ = batch->entries[i].index;
    metrics_.applied_entries++;
    metrics_.proposals_committed++;
    if (batch->requests[i].op == kv::Op::kSync) sync_in_flight_ = false;
    if (batch->dones[i]) batch->dones[i](outcome);
  }
  MaybeSnapshot();
}

void Server::MaybeSnapshot() {
  if (snapshot_in_flight_ || applied_index_ - snapshot_index_ < config_.snapshot_count) return;
  snapshot_in_flight_ = true;
  storage::Snapshot snap{term_, applied_index_, store_.Save()};
  // Keep the WAL back to the previous snapshot: if the newest one is found
  // damaged at start-up, recovery falls back to the older one plus the log.
  uint64_t release_to = snapshot_index_;
  writer_->Post([this, snap = std::move(snap), release_to] {
    base::Status st = writer_->snapshotter->Save(snap);
    if (st.ok()) st = writer_->wal->Cut();
    if (st.ok() && release_to > 0) st = writer_->wal->ReleaseTo(release_to);
    loop_.Post([this, st, index = snap.index] {
      snapshot_in_flight_ = false;
      if (!st.ok()) {
        FLOG_WARN("etcd: snapshot at {} failed: {}", index, st.ToString());
        return;
      }
      snapshot_index_ = index;
      metrics_.snapshots++;
    });
  });
}

void Server::SyncTick() {
  if (sync_in_flight_ || !failed_.ok() || !store_.HasTtlKeys()) return;
  sync_in_flight_ = true;
  kv::Request r;
  r.op = kv::Op::kSync;
  r.time = clock_.Now();
  Propose(std::move(r), nullptr);
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

}  // namespace flotilla::etcd

#include "etcd/disk.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "base/codec.h"
#include "base/log.h"
#include "raft/codec.h"
#include "storage/snapshotter.h"
#include "storage/wal.h"

namespace flotilla::etcd {
namespace {

constexpr uint8_t kSnapshotVersion = 1;

// A member's snapshot file: who was in the cluster, then the kv image.
std::string EncodeSnapshotData(const raft::Snapshot& s) {
  std::string out;
  base::Encoder e(out);
  e.U8(kSnapshotVersion);
  e.Bytes(raft::EncodeConfState(s.meta.conf));
  out += s.data;
  return out;
}

base::Result<raft::Snapshot> DecodeSnapshot(const storage::Snapshot& file) {
  raft::Snapshot s;
  s.meta.index = file.index;
  s.meta.term = file.term;
  base::Decoder d(file.data);
  uint8_t version;
  std::string_view conf;
  base::Result<raft::ConfState> cs = base::Status(base::Code::kCorruption, "bad header");
  if (d.U8(version) && version == kSnapshotVersion && d.Bytes(conf))
    cs = raft::DecodeConfState(conf);
  if (!cs.ok()) {
    return cs.status().WithContext("snapshot at index " + std::to_string(file.index));
  }
  s.meta.conf = std::move(*cs);
  s.data = file.data.substr(d.position());
  return s;
}

storage::Entry ToStorage(const raft::Entry& e) {
  storage::Entry out{e.term, e.index, {}};
  out.data.reserve(e.data.size() + 1);
  out.data += static_cast<char>(e.type);
  out.data += e.data;
  return out;
}

base::Result<raft::Entry> FromStorage(storage::Entry e) {
  if (e.data.empty() || static_cast<uint8_t>(e.data[0]) > 1) {
    return base::Status(base::Code::kCorruption,
                        "wal entry " + std::to_string(e.index) + ": unknown type");
  }
  raft::Entry out{e.term, e.index, static_cast<raft::EntryType>(e.data[0]), {}};
  out.data = e.data.substr(1);
  return out;
}

}  // namespace

struct Disk::Impl {
  net::EventLoop& loop;
  base::Fs& fs;
  std::string data_dir;
  std::unique_ptr<storage::Wal> wal;
  std::unique_ptr<storage::Snapshotter> snapshotter;
  base::Status broken;  // writer thread only

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  bool stopping = false;
  std::thread thread;

  Impl(net::EventLoop& l, base::Fs& f, std::string dir)
      : loop(l), fs(f), data_dir(std::move(dir)) {}

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
  // Runs `step` unless the disk already failed; remembers a failure.
  base::Status Guard(const std::function<base::Status()>& step) {
    if (!broken.ok()) return broken;
    base::Status st = step();
    if (!st.ok()) broken = st;
    return st;
  }
};

Disk::Disk(net::EventLoop& loop, base::Fs& fs, std::string data_dir)
    : impl_(std::make_unique<Impl>(loop, fs, std::move(data_dir))) {}

Disk::~Disk() {
  Stop();
}

base::Status Disk::Open(const std::string& new_metadata, OpenedDisk& out) {
  auto& d = *impl_;
  std::string wal_dir = base::JoinPath(d.data_dir, "member/wal");
  std::string snap_dir = base::JoinPath(d.data_dir, "member/snap");
  FLOTILLA_RETURN_IF_ERROR(d.fs.CreateDirs(wal_dir));
  FLOTILLA_RETURN_IF_ERROR(d.fs.CreateDirs(snap_dir));
  d.snapshotter = std::make_unique<storage::Snapshotter>(d.fs, snap_dir);
  out.existed = storage::Wal::Exists(d.fs, wal_dir);
  if (!out.existed) {
    auto wal = storage::Wal::Create(d.fs, wal_dir, new_metadata);
    if (!wal.ok()) return wal.status().WithContext("create wal");
    d.wal = std::move(*wal);
    out.metadata = new_metadata;
  } else {
    auto snap = d.snapshotter->Load();
    if (!snap.ok()) return snap.status().WithContext("load snapshot");
    if (*snap) {
      auto decoded = DecodeSnapshot(**snap);
      if (!decoded.ok()) return decoded.status();
      out.restored.snapshot = std::move(*decoded);
    }
    storage::Recovered rec;
    auto wal = storage::Wal::Open(d.fs, wal_dir, out.restored.snapshot.meta.index, &rec);
    if (!wal.ok()) return wal.status();
    d.wal = std::move(*wal);
    out.metadata = rec.metadata;
    out.restored.hard_state = {rec.hard_state.term, rec.hard_state.vote, rec.hard_state.commit};
    for (auto& e : rec.entries) {
      auto entry = FromStorage(std::move(e));
      if (!entry.ok()) return entry.status();
      out.restored.entries.push_back(std::move(*entry));
    }
    FLOG_INFO("etcd: recovered snapshot at {} and {} wal entries{}",
              out.restored.snapshot.meta.index, out.restored.entries.size(),
              rec.truncated_tail ? " (a torn last record was cut off)" : "");
  }
  d.thread = std::thread([&d] { d.Run(); });
  return base::Status::Ok();
}

void Disk::Stop() {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    d.stopping = true;
  }
  d.cv.notify_one();
  if (d.thread.joinable()) d.thread.join();
}

void Disk::Persist(raft::Snapshot snapshot, std::vector<raft::Entry> entries,
                   std::optional<raft::HardState> hs, bool sync,
                   std::function<void(Persisted)> done) {
  auto& d = *impl_;
  d.Post([&d, snapshot = std::move(snapshot), entries = std::move(entries), hs, sync,
          done = std::move(done)]() mutable {
    Persisted result;
    if (!snapshot.empty()) {
      result.status = d.Guard([&] {
        storage::Snapshot file{snapshot.meta.term, snapshot.meta.index,
                               EncodeSnapshotData(snapshot)};
        FLOTILLA_RETURN_IF_ERROR(d.snapshotter->Save(file));
        return d.wal->MarkSnapshot(snapshot.meta.term, snapshot.meta.index);
      });
    }
    if (result.status.ok() && (!entries.empty() || hs)) {
      result.status = d.Guard([&] {
        std::vector<storage::Entry> out;
        out.reserve(entries.size());
        for (const auto& e : entries) out.push_back(ToStorage(e));
        if (!hs) return d.wal->Append(out);
        return d.wal->Save({hs->term, hs->vote, hs->commit}, out);
      });
    }
    if (result.status.ok() && sync) {
      auto t0 = std::chrono::steady_clock::now();
      result.status = d.Guard([&] { return d.wal->Sync(); });
      result.sync_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - t0)
                              .count();
    }
    d.loop.Post([done = std::move(done), result] { done(result); });
  });
}

void Disk::SaveSnapshot(std::shared_ptr<const raft::Snapshot> snapshot, raft::Index release_to,
                        std::function<void(base::Status)> done) {
  auto& d = *impl_;
  d.Post([&d, snapshot = std::move(snapshot), release_to, done = std::move(done)] {
    base::Status st = d.Guard([&] {
      storage::Snapshot file{snapshot->meta.term, snapshot->meta.index,
                             EncodeSnapshotData(*snapshot)};
      FLOTILLA_RETURN_IF_ERROR(d.snapshotter->Save(file));
      FLOTILLA_RETURN_IF_ERROR(d.wal->Cut());
      if (release_to > 0) return d.wal->ReleaseTo(release_to);
      return base::Status::Ok();
    });
    d.loop.Post([done = std::move(done), st] { done(st); });
  });
}

}  // namespace flotilla::etcd

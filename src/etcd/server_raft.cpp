// Server: the raft loop. Ready handling (persist, then send, then advance;
// a leader's appends go out before persisting),
// applying committed entries to the store, reads, snapshots and ticks.
#include <algorithm>
#include <cmath>

#include "base/log.h"
#include "etcd/disk.h"
#include "etcd/entry.h"
#include "etcd/peer_transport.h"
#include "etcd/server_internal.h"
#include "raft/codec.h"

namespace flotilla::etcd {

void Server::Kick() {
  // Coalesced: many inputs in one loop turn give one Ready.
  if (kick_posted_) return;
  kick_posted_ = true;
  loop_.Post([this] {
    kick_posted_ = false;
    HandleReady();
  });
}

void Server::HandleReady() {
  if (!failed_.ok() || !node_) return;
  if (!reads_unsent_.empty()) {
    std::string ctx = "r" + std::to_string(NextSeq());
    auto error = node_->ReadIndex(ctx);
    auto& batch = reads_asked_[ctx];
    batch.deadline = reads_unsent_deadline_;  // the earliest of the batch
    batch.callbacks = std::move(reads_unsent_);
    reads_unsent_.clear();
    if (error != raft::ProposeError::kNone) {
      auto cbs = std::move(batch.callbacks);
      reads_asked_.erase(ctx);
      auto err = ProposeErrorOutcome(error);
      for (auto& cb : cbs) cb(base::Status(base::Code::kUnavailable, err.cause));
    }
  }
  if (persisting_ || !node_->HasReady()) return;
  raft::Ready rd = node_->GetReady();
  if (rd.soft_state && rd.soft_state->leader != leader_) OnLeaderChange(rd.soft_state->leader);
  // Committed entries are already on this member's disk: apply them now,
  // while the new entries of this Ready are being written.
  for (const auto& e : rd.committed_entries) ApplyEntry(e);
  OnReadStates(std::move(rd.read_states));

  // Advance needs only the Ready's bounds; the data goes to the disk.
  auto adv = std::make_shared<raft::Ready>();
  adv->soft_state = rd.soft_state;
  adv->hard_state = rd.hard_state;
  adv->snapshot.meta = rd.snapshot.meta;
  if (!rd.entries.empty())
    adv->entries.push_back({rd.entries.back().term, rd.entries.back().index});
  if (!rd.committed_entries.empty())
    adv->committed_entries.push_back(
        {rd.committed_entries.back().term, rd.committed_entries.back().index});
  // A leader's appends go out now, its fsync and its followers' overlapping.
  std::vector<raft::Message> early;
  for (auto& m : rd.messages) {
    (raft::MaySendBeforePersist(node_->raft(), m) ? early : adv->messages).push_back(std::move(m));
  }
  if (!early.empty()) Send(std::move(early));
  auto snapshot = std::make_shared<raft::Snapshot>(rd.snapshot);

  persisting_ = true;
  disk_->Persist(std::move(rd.snapshot), std::move(rd.entries), rd.hard_state, rd.must_sync,
                 [this, adv, snapshot](Disk::Persisted p) {
                   persisting_ = false;
                   if (p.sync_nanos >= 0) {
                     metrics_.wal_syncs++;
                     metrics_.wal_sync_nanos += static_cast<uint64_t>(p.sync_nanos);
                   }
                   if (!p.status.ok()) {
                     // What reached the disk is unknown: stop taking part (etcd panics).
                     FLOG_ERROR("etcd: wal write failed, this member stops replicating: {}",
                                p.status.ToString());
                     failed_ = p.status;
                     for (auto& [seq, w] : waiters_) w->done(nullptr);
                     waiters_.clear();
                     return;
                   }
                   // The durability contract: only now may the messages go out.
                   if (!snapshot->empty()) ApplySnapshot(*snapshot);
                   Send(std::move(adv->messages));
                   node_->Advance(*adv);
                   ServeReads();
                   MaybeSnapshot();
                   Kick();
                 });
}

// Sends, noting when each follower's heartbeat left (one timed at a time;
// one unanswered for an election timeout was lost, and the next is timed).
void Server::Send(std::vector<raft::Message> messages) {
  auto now = clock_.Now();
  for (const auto& m : messages) {
    if (m.type == raft::MessageType::kHeartbeat) {
      auto [it, fresh] = heartbeat_sent_.try_emplace(m.to, now);
      if (!fresh && now - it->second > int64_t(config_.election_ms) * 1'000'000) it->second = now;
    }
    if (m.type == raft::MessageType::kAppend) metrics_.appends_sent++;
  }
  transport_->Send(std::move(messages));
}

void Server::HeartbeatAnswered(raft::NodeId from) {
  auto it = heartbeat_sent_.find(from);
  if (it == heartbeat_sent_.end()) return;
  latency_[from].Add(double(clock_.Now() - it->second) / 1e6);
  heartbeat_sent_.erase(it);
}

void LatencyStats::Add(double ms) {
  current = ms;
  minimum = count ? std::min(minimum, ms) : ms;
  maximum = std::max(maximum, ms);
  ++count;
  sum += ms;
  sum_squares += ms * ms;
}

double LatencyStats::standard_deviation() const {
  if (count == 0) return 0;
  double mean = average();
  return std::sqrt(std::max(0.0, sum_squares / count - mean * mean));
}

void Server::ApplyEntry(const raft::Entry& e) {
  applied_index_ = e.index;
  metrics_.applied_entries++;
  if (e.type == raft::EntryType::kConfChange) return ApplyConfChange(e);
  if (e.data.empty()) return;  // a new leader's no-op
  ProposalId pid;
  kv::Request req;
  if (auto st = DecodeProposal(e.data, pid, req); !st.ok()) {
    // Every member skips the same entry, so the replicas stay equal.
    FLOG_ERROR("etcd: skipping undecodable entry {}: {}", e.index, st.ToString());
    return;
  }
  kv::Outcome out = store_.Apply(req);
  if (req.path.starts_with("/0/members/")) SyncPeers();
  if (pid.member != id_.value) return;
  if (req.op == kv::Op::kSync) sync_in_flight_ = false;
  auto it = waiters_.find(pid.seq);
  if (it == waiters_.end()) return;
  auto w = std::move(it->second);
  waiters_.erase(it);
  metrics_.proposals_committed++;
  w->done(&out);
}

void Server::ApplySnapshot(const raft::Snapshot& s) {
  auto restored = kv::Store::Recover(s.data);
  if (!restored.ok()) {
    FLOG_ERROR("etcd: snapshot at {} is unreadable: {}", s.meta.index,
               restored.status().ToString());
    failed_ = restored.status();
    return;
  }
  store_ = std::move(*restored);
  applied_index_ = snapshot_index_ = s.meta.index;
  SyncPeers();
}

void Server::OnLeaderChange(raft::NodeId leader) {
  leader_ = leader;
  metrics_.leader_changes++;
  if (leader == raft::kNone) {
    FLOG_INFO("etcd: {} lost the leader at term {}", id_.String(), term());
    return;
  }
  ReleaseHeld();
  FLOG_INFO("etcd: {} sees leader {} at term {}", id_.String(), MemberId{leader}.String(), term());
  if (leader != id_.value) return;
  leader_since_ = clock_.Now();
  if (!version_proposed_) {
    // The cluster version, as etcd's leader decides it.
    auto v = store_.Peek("/0/version", false, clock_.Now());
    if (!std::get_if<kv::EventPtr>(&v)) {
      version_proposed_ = true;
      Propose(InternalWrite(kv::Op::kSet, "/0/version", "3.4.0", clock_.Now()),
              [this](const kv::Outcome& o) {
                if (std::get_if<kv::Error>(&o)) version_proposed_ = false;
              });
    }
  }
}

// Records this member's name and client URLs, as etcd's publish does.
void Server::Publish() {
  if (published_ || publish_in_flight_ || leader_ == raft::kNone) return;
  Member self{id_, config_.name, {}, config_.advertise_client_urls};
  // Always through the log, even when the store already holds the same
  // attributes: once this entry is applied, so is every entry acknowledged
  // before a restart (the persisted commit index can lag the log), and only
  // then may clients read.
  publish_in_flight_ = true;
  Propose(InternalWrite(kv::Op::kSet, MemberDir(id_) + "/attributes", AttributesJson(self),
                        clock_.Now()),
          [this](const kv::Outcome& o) {
            publish_in_flight_ = false;
            if (!std::get_if<kv::EventPtr>(&o)) return;
            published_ = true;
            if (ready_) loop_.Post(std::move(ready_));
          });
}

void Server::OnReadStates(std::vector<raft::ReadState> states) {
  for (auto& rs : states) {
    auto it = reads_asked_.find(rs.context);
    if (it == reads_asked_.end()) continue;
    for (auto& cb : it->second.callbacks) reads_ready_.emplace(rs.index, std::move(cb));
    reads_asked_.erase(it);
  }
  ServeReads();
}

void Server::ServeReads() {
  while (!reads_ready_.empty() && reads_ready_.begin()->first <= applied_index_) {
    auto cb = std::move(reads_ready_.begin()->second);
    reads_ready_.erase(reads_ready_.begin());
    cb(base::Status::Ok());
  }
}

void Server::MaybeSnapshot() {
  if (snapshot_in_flight_ || applied_index_ - snapshot_index_ < config_.snapshot_count) return;
  auto term = node_->raft().log().term(applied_index_);
  if (!term) return;
  snapshot_in_flight_ = true;
  // One copy of the store image, shared by the disk write and raft (which
  // keeps it for followers that fall behind).
  auto snap = std::make_shared<raft::Snapshot>();
  snap->meta = {applied_index_, *term, node_->raft().conf_state()};
  snap->data = store_.Save();
  // Keep the WAL back to the previous snapshot: if the newest one is found
  // damaged at start-up, recovery falls back to the older one plus the log.
  raft::Index release_to = snapshot_index_;
  disk_->SaveSnapshot(snap, release_to, [this, snap](base::Status st) {
    snapshot_in_flight_ = false;
    if (!st.ok()) {
      FLOG_WARN("etcd: snapshot at {} failed: {}", snap->meta.index, st.ToString());
      return;
    }
    snapshot_index_ = snap->meta.index;
    metrics_.snapshots++;
    node_->Compact(std::move(*snap));
  });
}

void Server::Tick() {
  node_->Tick();
  AskIfRemoved();
  ExpireWaiters();
  Publish();
  Kick();
}

void Server::ExpireWaiters() {
  auto now = clock_.Now();
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second->deadline > now) {
      ++it;
      continue;
    }
    auto w = std::move(it->second);
    it = waiters_.erase(it);
    metrics_.proposals_failed++;
    w->done(nullptr);
  }
  std::erase_if(held_, [&](Held& h) {
    if (h.deadline > now) return false;
    metrics_.proposals_failed += h.read ? 0 : 1;
    if (h.read) h.read(base::Status(base::Code::kUnavailable, TimeoutError().cause));
    if (h.done) h.done(TimeoutError());
    return true;
  });
  for (auto it = reads_asked_.begin(); it != reads_asked_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    auto cbs = std::move(it->second.callbacks);
    it = reads_asked_.erase(it);
    for (auto& cb : cbs) cb(base::Status(base::Code::kUnavailable, TimeoutError().cause));
  }
}

void Server::SyncTick() {
  if (!is_leader() || sync_in_flight_ || !failed_.ok() || !store_.HasTtlKeys()) return;
  sync_in_flight_ = true;
  kv::Request r;
  r.op = kv::Op::kSync;
  r.time = clock_.Now();
  Propose(std::move(r), [this](const kv::Outcome&) { sync_in_flight_ = false; });
}

}  // namespace flotilla::etcd

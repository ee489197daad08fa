#include "member.h"

#include <functional>

#include "command.h"
#include "raft/codec.h"

namespace flotilla::sim {

using raft::MessageType;

const char* ToString(MemberState s) {
  switch (s) {
    case MemberState::kRunning:
      return "running";
    case MemberState::kCrashed:
      return "crashed";
    case MemberState::kRetired:
      return "retired";
  }
  return "?";
}

Member::Member(raft::NodeId id, MemberOptions options, MemberHost& host)
    : id_(id), options_(std::move(options)), host_(host) {}

raft::Config Member::ConfigFor(uint64_t seed) const {
  raft::Config c = options_.config;
  c.id = id_;
  c.seed = seed;
  return c;
}

void Member::Start(raft::RawNode node) {
  node_.emplace(std::move(node));
  parked_.reset();
  held_.clear();
  state_ = MemberState::kRunning;
  ++incarnation_;
  reads_.clear();
  crash_before_sync_ = false;
  verified_commit = applied_;
  Drain();
}

void Member::Bootstrap(const std::vector<raft::ConfChange>& founders, uint64_t seed) {
  Start(raft::RawNode::Bootstrap(ConfigFor(seed), founders));
}

void Member::StartEmpty(uint64_t seed) {
  Start(raft::RawNode(ConfigFor(seed), raft::Restored{}));
}

void Member::Restart(uint64_t seed) {
  const DiskState& d = disk_.durable();
  store_ = kv::Store();
  if (!d.snapshot.empty()) {
    auto recovered = kv::Store::Recover(d.snapshot.data);
    if (!recovered.ok()) {
      host_.Violation("member " + std::to_string(id_) +
                      ": its snapshot does not recover: " + recovered.status().ToString());
    } else {
      store_ = std::move(*recovered);
    }
  }
  conf_ = d.snapshot.meta.conf;
  applied_ = snapshot_index_ = d.snapshot.meta.index;
  Start(raft::RawNode(ConfigFor(seed), disk_.Restore()));
}

void Member::Crash(bool tear) {
  if (state_ != MemberState::kRunning) return;
  CrashLoss loss = disk_.Crash(host_.rng(), tear);
  node_.reset();
  parked_.reset();
  held_.clear();
  reads_.clear();
  state_ = MemberState::kCrashed;
  host_.Crashed(*this, loss);
}

void Member::Retire() {
  bool was_running = running();
  node_.reset();
  parked_.reset();
  reads_.clear();
  state_ = MemberState::kRetired;
  if (was_running) host_.Crashed(*this, CrashLoss{});  // its clients get no answer
}

void Member::Tick() {
  node_->Tick();
  Drain();
}

void Member::Step(raft::Message m) {
  if (parked_ && options_.hold_snapshots_while_parked && m.type == MessageType::kSnapshot) {
    held_.push_back(std::move(m));
    return;
  }
  node_->Step(std::move(m));
  Drain();
}

raft::ProposeError Member::Propose(std::string data) {
  auto err = node_->Propose(std::move(data));
  Drain();
  return err;
}

raft::ProposeError Member::ProposeConfChange(const raft::ConfChange& cc) {
  auto err = node_->ProposeConfChange(cc);
  Drain();
  return err;
}

raft::ProposeError Member::ReadIndex(std::string context) {
  auto err = node_->ReadIndex(std::move(context));
  Drain();
  return err;
}

void Member::TransferLeader(raft::NodeId target) {
  node_->TransferLeader(target);
  Drain();
}

void Member::Campaign() {
  node_->Campaign();
  Drain();
}

void Member::ReportSnapshot(raft::NodeId peer, bool failed) {
  node_->ReportSnapshot(peer, failed);
  Drain();
}

void Member::ReportUnreachable(raft::NodeId peer) {
  node_->ReportUnreachable(peer);
  Drain();
}

void Member::ReportPeerDown(raft::NodeId peer) {
  node_->ReportPeerDown(peer);
  Drain();
}

void Member::Drain() {
  for (int i = 0; running() && !parked_ && node_->HasReady(); ++i) {
    if (i == 10000) {
      host_.Violation("member " + std::to_string(id_) + ": HasReady() never settles");
      return;
    }
    if (!HandleReady()) return;
  }
}

bool Member::HandleReady() {
  raft::Ready rd = node_->GetReady();
  std::string who = "member " + std::to_string(id_) + ": ";
  if ((!rd.entries.empty() || !rd.snapshot.empty()) && !rd.must_sync) {
    host_.Violation(who + "a Ready with entries or a snapshot does not ask for a sync");
  }
  // 0. A leader's appends and heartbeats go out before the disk work, as
  // the server sends them (raw_node.h, thesis 10.2.1): a crash before the
  // sync below must not make them unsafe.
  std::vector<raft::Message> later;
  for (auto& m : rd.messages) {
    if (raft::MaySendBeforePersist(node_->raft(), m)) {
      CheckPromise(m);
      host_.Send(m);
    } else {
      later.push_back(std::move(m));
    }
  }
  rd.messages = std::move(later);
  // 1. Persist. Snapshot first: the entries come after it.
  if (!rd.snapshot.empty()) disk_.WriteSnapshot(rd.snapshot, /*replaces_log=*/true);
  disk_.WriteEntries(rd.entries);
  if (rd.hard_state) disk_.WriteHardState(*rd.hard_state);
  // 2. Sync.
  bool sync = rd.must_sync || (options_.sync == SyncPolicy::kBeforeSend && !rd.messages.empty());
  if (rd.must_sync && crash_before_sync_ && (!tear_ || rd.entries.size() > 1)) {
    Crash(tear_);
    return false;
  }
  if (sync) disk_.Sync();
  if (!disk_.error().empty()) host_.Violation(who + disk_.error());
  // 3, 4. Send what the disk now backs.
  for (const auto& m : rd.messages) {
    CheckPromise(m);
    host_.Send(m);
  }
  if (SimTime delay = host_.ApplyDelay(*this); delay >= 0) {
    parked_ = std::move(rd);
    resume_at_ = host_.now() + delay;
    return false;
  }
  return Finish(rd);
}

void Member::Resume() {
  raft::Ready rd = std::move(*parked_);
  parked_.reset();
  if (!Finish(rd)) return;
  auto held = std::move(held_);
  held_.clear();
  for (auto& m : held) node_->Step(std::move(m));
  Drain();
}

bool Member::Finish(raft::Ready& rd) {
  // 5. Apply.
  if (!rd.snapshot.empty()) InstallSnapshot(rd.snapshot);
  for (const auto& e : rd.committed_entries) {
    ApplyEntry(e);
    if (!running()) return false;
  }
  for (auto& r : rd.read_states) reads_.push_back(std::move(r));
  // 6. Done.
  node_->Advance(rd);
  ServeReads();
  MaybeSnapshot();
  return running();
}

void Member::CheckPromise(const raft::Message& m) {
  const DiskState& d = disk_.durable();
  auto fail = [&](const std::string& what) {
    host_.Violation("member " + std::to_string(id_) + " sent " + raft::ToString(m.type) + " to " +
                    std::to_string(m.to) + " at term " + std::to_string(m.term) +
                    " before its disk backed it: " + what + " (durable term " +
                    std::to_string(d.hard_state.term) + ", vote " +
                    std::to_string(d.hard_state.vote) + ", last index " +
                    std::to_string(d.last_index()) + ")");
  };
  bool future_term =
      m.type == MessageType::kPreVote || (m.type == MessageType::kPreVoteResponse && !m.reject);
  if (!future_term && m.term > d.hard_state.term) fail("its term is not durable");
  // A vote is kept if the disk holds it, or a later term (in which this
  // member can no longer vote in the message's term): several inputs can
  // land in one Ready while the previous one is parked.
  auto vote_kept = [&](raft::NodeId candidate) {
    return d.hard_state.term > m.term ||
           (d.hard_state.term == m.term && d.hard_state.vote == candidate);
  };
  if (m.type == MessageType::kVote && !vote_kept(id_)) {
    fail("its vote for itself is not durable");
  }
  if (m.type == MessageType::kVoteResponse && !m.reject && !vote_kept(m.to)) {
    fail("the vote it grants is not durable");
  }
  // An acknowledgement is superseded, like a vote, once a later term is durable.
  if (m.type == MessageType::kAppendResponse && !m.reject && d.hard_state.term == m.term) {
    if (d.last_index() < m.index) {
      fail("it acknowledges entry " + std::to_string(m.index) + " it has not persisted");
    } else {
      auto mine = node_->raft().log().term(m.index);
      auto durable = d.term(m.index);
      if (mine && durable && *mine != *durable) {
        fail("the entry it acknowledges at " + std::to_string(m.index) +
             " is of another term on disk");
      }
    }
  }
}

void Member::InstallSnapshot(const raft::Snapshot& s) {
  std::string who = "member " + std::to_string(id_) + ": ";
  if (s.meta.index <= applied_) {
    host_.Violation(who + "Ready.snapshot at " + std::to_string(s.meta.index) +
                    " would move the state machine back from " + std::to_string(applied_));
    return;
  }
  auto recovered = kv::Store::Recover(s.data);
  if (!recovered.ok()) {
    host_.Violation(who + "snapshot does not recover: " + recovered.status().ToString());
    return;
  }
  store_ = std::move(*recovered);
  if (store_.Save() != s.data) {
    host_.Violation(who + "Store::Recover then Save does not give back the snapshot's bytes");
  }
  conf_ = s.meta.conf;
  applied_ = snapshot_index_ = s.meta.index;
  ++snapshots_installed_;
  host_.StateHash(*this, applied_, std::hash<std::string>{}(s.data));
}

void Member::ApplyEntry(const raft::Entry& e) {
  std::string who = "member " + std::to_string(id_) + ": ";
  if (e.index != applied_ + 1) {
    host_.Violation(who + "committed entry " + std::to_string(e.index) +
                    " handed out after applied index " + std::to_string(applied_));
  }
  applied_ = e.index;
  if (e.type == raft::EntryType::kConfChange) {
    auto cc = raft::DecodeConfChange(e.data);
    if (!cc.ok()) {
      host_.Violation(who + "conf change entry does not decode: " + cc.status().ToString());
      return;
    }
    conf_ = node_->ApplyConfChange(*cc);
    host_.Applied(*this, AppliedEntry{e, 0, nullptr, &*cc});
  } else if (e.data.empty()) {
    host_.Applied(*this, AppliedEntry{e});
  } else {
    auto cmd = DecodeCommand(e.data);
    if (!cmd.ok()) {
      host_.Violation(who + "entry " + std::to_string(e.index) +
                      " does not decode: " + cmd.status().ToString());
      return;
    }
    kv::Outcome out = store_.Apply(cmd->request);
    host_.Applied(*this, AppliedEntry{e, cmd->request_id, &out});
  }
  if (applied_ % options_.hash_every == 0) {
    host_.StateHash(*this, applied_, std::hash<std::string>{}(store_.Save()));
  }
}

void Member::ServeReads() {
  std::vector<raft::ReadState> waiting;
  std::vector<std::string> ready;
  for (auto& r : reads_) {
    if (r.index <= applied_) {
      ready.push_back(std::move(r.context));
    } else {
      waiting.push_back(std::move(r));
    }
  }
  reads_ = std::move(waiting);
  for (const auto& ctx : ready) host_.ReadReady(*this, ctx);
}

void Member::MaybeSnapshot() {
  if (!running() || applied_ < snapshot_index_ + options_.snapshot_every) return;
  // A leader's snapshot stepped in while a Ready was parked replaces the
  // log past what this member applied; it comes out in the next Ready.
  // Until then there is nothing to snapshot.
  const auto& pending = node_->raft().log().pending_snapshot();
  if (pending && pending->meta.index > applied_) return;
  auto term = node_->raft().log().term(applied_);
  if (!term) {
    host_.Violation("member " + std::to_string(id_) + ": no term for its applied index " +
                    std::to_string(applied_));
    return;
  }
  raft::Snapshot snap;
  snap.meta.index = applied_;
  snap.meta.term = *term;
  snap.meta.conf = conf_;
  snap.data = store_.Save();
  host_.StateHash(*this, applied_, std::hash<std::string>{}(snap.data));
  // Not synced: if it is lost, the entries it covers are still on disk.
  disk_.WriteSnapshot(snap, /*replaces_log=*/false);
  node_->Compact(std::move(snap));
  snapshot_index_ = applied_;
  ++snapshots_taken_;
}

}  // namespace flotilla::sim

// Member: one simulated etcd member: a RawNode, its Disk, its kv::Store and
// the driver loop that ties them together by raw_node.h's contract.
//
// For each Ready the driver
//   0. sends at once what a leader may send before persisting
//      (raft::MaySendBeforePersist), checked as in 3,
//   1. writes the snapshot, entries and hard state to the disk's buffer,
//   2. syncs (when must_sync, or, under SyncPolicy::kBeforeSend, whenever
//      there are messages to send) - or crashes right here if armed to,
//   3. checks that every message's promise is backed by the durable disk
//      (a granted vote, an acknowledged entry, the term it speaks for),
//   4. sends the messages,
//   5. installs the snapshot (Store::Recover) and applies the committed
//      entries in order (Store::Apply; conf changes via ApplyConfChange),
//   6. Advance()s, serves reads whose index is applied, and every
//      `snapshot_every` applied entries saves a snapshot (Store::Save,
//      RawNode::Compact).
// Steps 5 and 6 may be put off (MemberHost::ApplyDelay) as an asynchronous
// apply loop would: the Ready is parked, and ticks, messages and proposals
// keep stepping into the node until Resume() finishes it, as raw_node.h
// allows ("Step may be called between GetReady and Advance").
// Anything wrong it notices goes to MemberHost::Violation.
//
// Lifecycle: kRunning <-> kCrashed (Crash / Restart from the durable disk),
// and kRunning|kCrashed -> kRetired once removed from the cluster, for good.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "disk.h"
#include "kv/store.h"
#include "raft/raw_node.h"
#include "rng.h"

namespace flotilla::sim {

class Member;

struct AppliedEntry {
  const raft::Entry& entry;
  uint64_t request_id = 0;               // client writes only
  const kv::Outcome* outcome = nullptr;  // client writes only
  const raft::ConfChange* conf_change = nullptr;
};

// What a member needs from the rest of the simulation.
class MemberHost {
 public:
  virtual ~MemberHost() = default;
  virtual SimTime now() const = 0;
  virtual Rng& rng() = 0;
  virtual void Send(const raft::Message& m) = 0;
  virtual void Applied(Member& m, const AppliedEntry& a) = 0;
  // hash of Store::Save() after applying up to `index` (or of a snapshot at it).
  virtual void StateHash(Member& m, raft::Index index, uint64_t hash) = 0;
  virtual void ReadReady(Member& m, const std::string& context) = 0;
  virtual void Crashed(Member& m, const CrashLoss& loss) = 0;
  // -1: apply the Ready now; otherwise park it for that many ms.
  virtual SimTime ApplyDelay(Member& m) = 0;
  virtual void Violation(const std::string& what) = 0;
};

enum class SyncPolicy : uint8_t { kMustSync, kBeforeSend };
enum class MemberState : uint8_t { kRunning, kCrashed, kRetired };
const char* ToString(MemberState s);

struct MemberOptions {
  raft::Config config;  // id and seed are set per incarnation
  SyncPolicy sync = SyncPolicy::kMustSync;
  raft::Index snapshot_every = 64;
  raft::Index hash_every = 8;  // hash the whole store at indexes divisible by this
  // Workaround for a raft core bug, now fixed (raft_repro_test.cpp): a
  // kSnapshot stepped in while a Ready is parked moved applied backwards at
  // Advance. When set, such messages wait until the Ready is finished.
  bool hold_snapshots_while_parked = false;
};

class Member {
 public:
  Member(raft::NodeId id, MemberOptions options, MemberHost& host);

  void Bootstrap(const std::vector<raft::ConfChange>& founders, uint64_t seed);
  void StartEmpty(uint64_t seed);
  void Restart(uint64_t seed);
  // Power loss: volatile state gone, unsynced writes partly lost.
  void Crash(bool tear = false);
  void Retire();

  raft::NodeId id() const { return id_; }
  MemberState state() const { return state_; }
  bool running() const { return state_ == MemberState::kRunning; }
  uint64_t incarnation() const { return incarnation_; }
  raft::RawNode& node() { return *node_; }
  const raft::RawNode& node() const { return *node_; }
  kv::Store& store() { return store_; }
  raft::Index applied() const { return applied_; }
  const raft::ConfState& conf() const { return conf_; }
  const Disk& disk() const { return disk_; }
  uint64_t snapshots_taken() const { return snapshots_taken_; }
  uint64_t snapshots_installed() const { return snapshots_installed_; }
  bool parked() const { return parked_.has_value(); }
  SimTime resume_at() const { return resume_at_; }
  // Applies and Advance()s the parked Ready, then handles what came since.
  void Resume();

  // Inputs. Each handles the Readies it causes before returning.
  void Tick();
  void Step(raft::Message m);
  raft::ProposeError Propose(std::string data);
  raft::ProposeError ProposeConfChange(const raft::ConfChange& cc);
  raft::ProposeError ReadIndex(std::string context);
  void TransferLeader(raft::NodeId target);
  void Campaign();
  void ReportSnapshot(raft::NodeId peer, bool failed);
  void ReportUnreachable(raft::NodeId peer);
  void ReportPeerDown(raft::NodeId peer);

  // The next Ready that must sync crashes after writing, before syncing;
  // with `tear`, the next one with several entries, and the crash tears them.
  void ArmCrashBeforeSync(bool tear) {
    crash_before_sync_ = true;
    tear_ = tear;
  }
  void DisarmCrash() { crash_before_sync_ = false; }
  bool crash_armed() const { return crash_before_sync_; }

  // How far the safety checker has compared this incarnation's committed log.
  raft::Index verified_commit = 0;

 private:
  void Start(raft::RawNode node);
  raft::Config ConfigFor(uint64_t seed) const;
  void Drain();
  bool HandleReady();            // false when the member crashed in it or parked it
  bool Finish(raft::Ready& rd);  // steps 5 and 6; false when the member crashed
  void CheckPromise(const raft::Message& m);
  void InstallSnapshot(const raft::Snapshot& s);
  void ApplyEntry(const raft::Entry& e);
  void ServeReads();
  void MaybeSnapshot();

  raft::NodeId id_;
  MemberOptions options_;
  MemberHost& host_;
  MemberState state_ = MemberState::kCrashed;
  uint64_t incarnation_ = 0;
  std::optional<raft::RawNode> node_;
  kv::Store store_;
  Disk disk_;
  raft::ConfState conf_;
  raft::Index applied_ = 0;
  raft::Index snapshot_index_ = 0;
  std::vector<raft::ReadState> reads_;  // waiting until applied >= index
  bool crash_before_sync_ = false;
  bool tear_ = false;
  std::optional<raft::Ready> parked_;
  std::vector<raft::Message> held_;  // see hold_snapshots_while_parked
  SimTime resume_at_ = 0;
  uint64_t snapshots_installed_ = 0;
  uint64_t snapshots_taken_ = 0;
};

}  // namespace flotilla::sim

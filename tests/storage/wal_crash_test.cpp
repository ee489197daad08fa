// Randomized crash recovery: for many seeds, drive a Wal on a FakeFs with
// random batches, hard states, syncs, cuts, snapshots (local and installed),
// injected I/O faults and power cuts, and check after every reopen that
//   - every synced record is present and intact, and
//   - the recovered log is the synced log plus a prefix of the records
//     written after the last sync, applied in order (nothing out of order,
//     nothing invented); with CrashMode::kDropUnsynced and no fault, exactly
//     the synced log.
#include <gtest/gtest.h>

#include <random>

#include "base/fake_fs.h"
#include "base/log.h"
#include "storage/wal.h"
#include "test_util.h"

namespace flotilla::storage {
namespace {

using base::FakeFs;

// One record as the model sees it.
struct Op {
  enum Kind { kEntry, kHardState, kMark } kind;
  Entry entry;   // kEntry
  HardState hs;  // kHardState
  uint64_t mark = 0;
};

// The log as raft sees it: log[i] is the entry at index i + 1. Entries at or
// below a snapshot are placeholders and never compared.
struct LogState {
  std::vector<Entry> log;
  HardState hs;

  void Apply(const Op& op) {
    switch (op.kind) {
      case Op::kEntry:
        log.resize(op.entry.index - 1);
        log.push_back(op.entry);
        break;
      case Op::kHardState:
        hs = op.hs;
        break;
      case Op::kMark:
        if (op.mark > log.size()) log.resize(op.mark);
        break;
    }
  }
};

struct Stats {
  int crashes = 0;
  int truncated = 0;
  int partial = 0;  // recovered some but not all unsynced records
  int faults = 0;
};

class CrashHarness {
 public:
  CrashHarness(uint64_t seed, Stats& stats) : fs_(seed), rng_(seed * 7919 + 17), stats_(stats) {
    options_.segment_bytes = 1024 + rng_() % 4096;
  }

  void Run(int steps) {
    auto w = Wal::Create(fs_, dir_, "member=1", options_);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    wal_ = std::move(*w);
    for (int step = 0; step < steps; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      Step();
      if (::testing::Test::HasFatalFailure()) return;
    }
    CrashAndRecover(/*uncertain=*/false);
  }

 private:
  void Step() {
    uint64_t r = rng_() % 100;
    if (r < 40) return AppendBatch();
    if (r < 50) {
      HardState hs = NextHardState();
      return Record(wal_->SetHardState(hs), {HardStateOp()});
    }
    if (r < 72) return SyncOrCut(/*cut=*/false);
    if (r < 76) return SyncOrCut(/*cut=*/true);
    if (r < 82) return TakeSnapshot();
    if (r < 84) return InstallSnapshot();
    if (r < 88) return InjectFault();
    if (r < 95) return CrashAndRecover(/*uncertain=*/false);
  }

  std::string RandomData() {
    size_t n = rng_() % 8 == 0 ? rng_() % 3000 : rng_() % 120;
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    return s;
  }

  HardState NextHardState() {
    next_hs_ = HardState{term_, rng_() % 4, next_hs_.commit + 1};
    return next_hs_;
  }
  Op HardStateOp() const { return Op{Op::kHardState, {}, next_hs_}; }

  void AppendBatch() {
    uint64_t size = current_.log.size();
    uint64_t start = size + 1;
    if (rng_() % 6 == 0 && size > snap_) {  // a new leader overwrites the tail
      start = snap_ + 1 + rng_() % (size - snap_);
      ++term_;
    }
    std::vector<Entry> batch;
    std::vector<Op> ops;
    for (uint64_t i = 0, n = 1 + rng_() % 5; i < n; ++i) {
      batch.push_back(Entry{term_, start + i, RandomData()});
      ops.push_back(Op{Op::kEntry, batch.back()});
    }
    if (rng_() % 3 == 0) {
      HardState hs = NextHardState();
      ops.push_back(HardStateOp());
      return Record(wal_->Save(hs, batch), ops);
    }
    Record(wal_->Append(batch), ops);
  }

  // Applies the ops of a call that succeeded; a failed call may have written
  // any prefix of them, so they join the uncertain tail and the node crashes.
  void Record(base::Status st, const std::vector<Op>& ops) {
    for (const Op& op : ops) {
      pending_.push_back(op);
      if (st.ok()) current_.Apply(op);
    }
    if (!st.ok()) {
      ASSERT_EQ(st.code(), base::Code::kIoError) << st.ToString();
      CrashAndRecover(/*uncertain=*/true);
    }
  }

  void SyncOrCut(bool cut) {
    base::Status st = cut ? wal_->Cut() : wal_->Sync();
    if (!st.ok()) {
      ASSERT_EQ(st.code(), base::Code::kIoError) << st.ToString();
      return CrashAndRecover(/*uncertain=*/true);
    }
    durable_ = current_;
    pending_.clear();
  }

  // A snapshot of applied state at some index, saved before the WAL is
  // released up to it (so it is only taken when everything is durable).
  void TakeSnapshot() {
    if (!pending_.empty()) return;
    uint64_t size = current_.log.size();
    snap_ += size > snap_ ? rng_() % (size - snap_ + 1) : 0;
    base::Status st = wal_->ReleaseTo(snap_);
    if (!st.ok()) CrashAndRecover(/*uncertain=*/true);
  }

  // A snapshot from the leader beyond the whole log: the log jumps.
  void InstallSnapshot() {
    if (!pending_.empty()) return;
    snap_ = current_.log.size() + 1 + rng_() % 20;
    Record(wal_->MarkSnapshot(term_, snap_), {Op{Op::kMark, {}, {}, snap_}});
  }

  void InjectFault() {
    ++stats_.faults;
    switch (rng_() % 3) {
      case 0:
        fs_.FailNextSync();
        break;
      case 1:
        fs_.FailNextSyncDir();
        break;
      default:
        fs_.FailWritesAfter(rng_() % 300);
    }
  }

  void CrashAndRecover(bool uncertain) {
    bool torn = rng_() % 2 == 0;
    fs_.Crash(torn ? FakeFs::CrashMode::kTornTail : FakeFs::CrashMode::kDropUnsynced);
    fs_.ClearFaults();
    wal_.reset();
    ++stats_.crashes;

    Recovered rec;
    auto w = Wal::Open(fs_, dir_, snap_, &rec, options_);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    wal_ = std::move(*w);
    stats_.truncated += rec.truncated_tail;
    EXPECT_EQ(rec.metadata, "member=1");

    // Which history did we get? The synced state plus k unsynced records.
    LogState candidate = durable_;
    size_t max_k = (torn || uncertain) ? pending_.size() : 0;
    size_t k = 0;
    for (;; ++k) {
      if (Matches(candidate, rec)) break;
      if (k == max_k) {
        FAIL() << "recovered log (" << rec.entries.size() << " entries after " << snap_
               << ", hard state commit " << rec.hard_state.commit
               << ") is not the synced log plus a prefix of the " << pending_.size()
               << " unsynced records (torn=" << torn << ", uncertain=" << uncertain << ")";
      }
      candidate.Apply(pending_[k]);
    }
    if (k > 0 && k < pending_.size()) ++stats_.partial;
    if (candidate.log.size() < snap_) candidate.log.resize(snap_);
    EXPECT_EQ(wal_->last_index(), candidate.log.size());
    durable_ = current_ = candidate;
    next_hs_ = candidate.hs;
    pending_.clear();
  }

  bool Matches(const LogState& s, const Recovered& rec) const {
    if (rec.hard_state != s.hs) return false;
    uint64_t first = snap_ + 1;
    uint64_t n = s.log.size() >= first ? s.log.size() - snap_ : 0;
    if (rec.entries.size() != n) return false;
    for (uint64_t i = 0; i < n; ++i) {
      const Entry& want = s.log[snap_ + i];
      const Entry& got = rec.entries[i];
      if (got.index != want.index || got.term != want.term || got.data != want.data) return false;
    }
    return true;
  }

  FakeFs fs_;
  std::mt19937_64 rng_;
  Stats& stats_;
  std::string dir_ = "/node/wal";
  WalOptions options_;
  std::unique_ptr<Wal> wal_;
  LogState durable_;         // as of the last successful sync
  LogState current_;         // everything appended
  std::vector<Op> pending_;  // records appended since the last sync
  HardState next_hs_;
  uint64_t term_ = 1;
  uint64_t snap_ = 0;  // the durable snapshot's index: Open's after_index
};

TEST(WalCrashTest, randomizedCrashes_neverLoseSyncedRecords) {
  Stats stats;
  // Thousands of torn tails are truncated below; one log line each is noise here.
  base::LogLevel level = base::GetLogLevel();
  base::SetLogLevel(base::LogLevel::kError);
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    CrashHarness(seed, stats).Run(200);
    if (::testing::Test::HasFailure()) break;
  }
  base::SetLogLevel(level);
  // The loop must actually have exercised the interesting paths.
  EXPECT_GT(stats.crashes, 1000);
  EXPECT_GT(stats.truncated, 100);
  EXPECT_GT(stats.partial, 50);
  EXPECT_GT(stats.faults, 500);
}

}  // namespace
}  // namespace flotilla::storage

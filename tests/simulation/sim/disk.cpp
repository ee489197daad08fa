#include "disk.h"

#include <algorithm>

namespace flotilla::sim {

std::optional<raft::Term> DiskState::term(raft::Index i) const {
  if (i == snapshot.meta.index) return snapshot.meta.term;
  if (i < snapshot.meta.index || i > last_index()) return std::nullopt;
  return entries[i - snapshot.meta.index - 1].term;
}

void Disk::WriteSnapshot(const raft::Snapshot& s, bool replaces_log) {
  Write w{Write::Kind::kSnapshot};
  w.snapshot = s;
  w.replaces_log = replaces_log;
  unsynced_.push_back(std::move(w));
}

void Disk::WriteEntries(const std::vector<raft::Entry>& entries) {
  if (entries.empty()) return;
  Write w{Write::Kind::kEntries};
  w.entries = entries;
  unsynced_.push_back(std::move(w));
}

void Disk::WriteHardState(const raft::HardState& hs) {
  Write w{Write::Kind::kHardState};
  w.hard_state = hs;
  unsynced_.push_back(std::move(w));
}

void Disk::Apply(const Write& w) {
  switch (w.kind) {
    case Write::Kind::kSnapshot:
      if (w.replaces_log) {
        durable_.snapshot = w.snapshot;
        durable_.entries.clear();
      } else if (w.snapshot.meta.index > durable_.snapshot.meta.index) {
        durable_.snapshot = w.snapshot;
        std::erase_if(durable_.entries,
                      [&](const raft::Entry& e) { return e.index <= w.snapshot.meta.index; });
      }
      break;
    case Write::Kind::kEntries: {
      raft::Index first = w.entries.front().index;
      if (first <= durable_.snapshot.meta.index || first > durable_.last_index() + 1) {
        if (error_.empty()) {
          error_ = "disk: entries from " + std::to_string(first) + " do not follow the log (" +
                   std::to_string(durable_.snapshot.meta.index) + ", " +
                   std::to_string(durable_.last_index()) + "]";
        }
        return;
      }
      std::erase_if(durable_.entries, [&](const raft::Entry& e) { return e.index >= first; });
      durable_.entries.insert(durable_.entries.end(), w.entries.begin(), w.entries.end());
      break;
    }
    case Write::Kind::kHardState:
      durable_.hard_state = w.hard_state;
      break;
  }
}

void Disk::Sync() {
  ++syncs_;
  for (const auto& w : unsynced_) Apply(w);
  unsynced_.clear();
}

CrashLoss Disk::Crash(Rng& rng, bool tear) {
  CrashLoss loss;
  loss.unsynced = unsynced_.size();
  loss.kept = rng.Below(unsynced_.size() + 1);
  if (tear) {
    for (size_t i = 0; i < unsynced_.size(); ++i) {
      if (unsynced_[i].kind == Write::Kind::kEntries && unsynced_[i].entries.size() > 1) {
        loss.kept = i;
      }
    }
  }
  for (size_t i = 0; i < loss.kept; ++i) Apply(unsynced_[i]);
  if (loss.kept < unsynced_.size()) {
    Write& cut = unsynced_[loss.kept];
    if (cut.kind == Write::Kind::kEntries && cut.entries.size() > 1 && (tear || rng.Chance(0.5))) {
      cut.entries.resize(1 + rng.Below(cut.entries.size() - 1));
      Apply(cut);
      loss.torn = true;
    }
  }
  unsynced_.clear();
  return loss;
}

raft::Restored Disk::Restore() const {
  return raft::Restored{durable_.hard_state, durable_.snapshot, durable_.entries};
}

}  // namespace flotilla::sim

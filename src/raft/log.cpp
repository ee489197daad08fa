#include "raft/log.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>

namespace flotilla::raft {

size_t EntryBytes(const Entry& e) {
  return e.data.size() + 24;
}

RaftLog::RaftLog(const SnapshotMeta& snapshot, std::vector<Entry> entries)
    : snapshot_(snapshot), entries_(std::move(entries)) {
  committed_ = applied_ = snapshot_.index;
  stable_ = last_index();
}

std::optional<Term> RaftLog::term(Index i) const {
  if (i == snapshot_.index) return snapshot_.term;
  if (i < snapshot_.index || i > last_index()) return std::nullopt;
  return at(i).term;
}

bool RaftLog::IsUpToDate(Index index, Term t) const {
  Term lt = last_term();
  return t > lt || (t == lt && index >= last_index());
}

void RaftLog::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  assert(entries.front().index == last_index() + 1);
  entries_.insert(entries_.end(), entries.begin(), entries.end());
}

Index RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const auto& e : entries) {
    if (!MatchTerm(e.index, e.term)) return e.index;
  }
  return 0;
}

void RaftLog::TruncateAndAppend(const std::vector<Entry>& entries) {
  Index from = entries.front().index;
  assert(from > snapshot_.index && from <= last_index() + 1);
  entries_.resize(from - snapshot_.index - 1);
  entries_.insert(entries_.end(), entries.begin(), entries.end());
  stable_ = std::min(stable_, from - 1);
}

std::optional<Index> RaftLog::MaybeAppend(Index prev_index, Term prev_term, Index leader_commit,
                                          const std::vector<Entry>& entries) {
  if (!MatchTerm(prev_index, prev_term)) return std::nullopt;
  Index last_new = prev_index + entries.size();
  Index conflict = FindConflict(entries);
  if (conflict != 0) {
    if (conflict <= committed_) {
      std::fprintf(stderr, "raft: entry %llu conflicts with a committed entry (committed %llu)\n",
                   static_cast<unsigned long long>(conflict),
                   static_cast<unsigned long long>(committed_));
      std::abort();
    }
    TruncateAndAppend(
        std::vector<Entry>(entries.begin() + (conflict - prev_index - 1), entries.end()));
  }
  CommitTo(std::min(leader_commit, last_new));
  return last_new;
}

std::optional<std::vector<Entry>> RaftLog::Slice(Index lo, Index hi, size_t max_bytes) const {
  if (lo <= snapshot_.index) return std::nullopt;
  hi = std::min(hi, last_index() + 1);
  std::vector<Entry> out;
  size_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    bytes += EntryBytes(at(i));
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(at(i));
  }
  return out;
}

void RaftLog::CommitTo(Index i) {
  if (i <= committed_) return;
  if (i > last_index()) {
    std::fprintf(stderr, "raft: commit %llu is past the last index %llu\n",
                 static_cast<unsigned long long>(i), static_cast<unsigned long long>(last_index()));
    std::abort();
  }
  committed_ = i;
}

void RaftLog::AppliedTo(Index i) {
  // A snapshot installed while the application applied a Ready's entries
  // (Step between GetReady and Advance) already moved applied past them.
  if (i <= applied_) return;
  assert(i <= committed_);
  applied_ = i;
}

void RaftLog::StableTo(Index i, Term t) {
  if (i > stable_ && term(i) == t) stable_ = i;
}

std::vector<Entry> RaftLog::UnstableEntries() const {
  if (stable_ >= last_index()) return {};
  return std::vector<Entry>(entries_.begin() + (stable_ - snapshot_.index), entries_.end());
}

bool RaftLog::HasNextCommittedEntries() const {
  return !pending_snapshot_ && std::min(committed_, stable_) > applied_;
}

std::vector<Entry> RaftLog::NextCommittedEntries(size_t max_bytes) const {
  if (!HasNextCommittedEntries()) return {};
  return *Slice(applied_ + 1, std::min(committed_, stable_) + 1, max_bytes);
}

void RaftLog::Restore(const Snapshot& snapshot) {
  snapshot_ = snapshot.meta;
  entries_.clear();
  committed_ = applied_ = stable_ = snapshot.meta.index;
  pending_snapshot_ = snapshot;
}

void RaftLog::SnapshotApplied(Index index) {
  if (pending_snapshot_ && pending_snapshot_->meta.index == index) pending_snapshot_.reset();
}

void RaftLog::Compact(const SnapshotMeta& meta) {
  if (meta.index <= snapshot_.index) return;
  assert(meta.index <= applied_ && meta.index <= last_index());
  assert(term(meta.index) == meta.term);
  entries_.erase(entries_.begin(), entries_.begin() + (meta.index - snapshot_.index));
  snapshot_ = meta;
}

void RaftLog::CheckInvariants() const {
  auto fail = [](const char* what) {
    std::fprintf(stderr, "raft log invariant broken: %s\n", what);
    std::abort();
  };
  if (applied_ < snapshot_.index) fail("applied < snapshot");
  if (applied_ > committed_) fail("applied > committed");
  if (committed_ > last_index()) fail("committed > last");
  if (stable_ > last_index()) fail("stable > last");
  Term prev = snapshot_.term;
  for (size_t k = 0; k < entries_.size(); ++k) {
    if (entries_[k].index != snapshot_.index + 1 + k) fail("entries not contiguous");
    if (entries_[k].term < prev) fail("terms decrease");
    prev = entries_[k].term;
  }
}

}  // namespace flotilla::raft

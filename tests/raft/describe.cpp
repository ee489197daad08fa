#include "describe.h"

#include <cstdio>

#include "raft/codec.h"

namespace flotilla::raft::testing {

const char* StateName(Role r) {
  switch (r) {
    case Role::kFollower:
      return "StateFollower";
    case Role::kPreCandidate:
      return "StatePreCandidate";
    case Role::kCandidate:
      return "StateCandidate";
    case Role::kLeader:
      return "StateLeader";
  }
  return "State?";
}

const char* ProposeErrorName(ProposeError e) {
  switch (e) {
    case ProposeError::kNone:
      return "none";
    case ProposeError::kNoLeader:
      return "no leader";
    case ProposeError::kTransferring:
      return "leader transfer in progress";
    case ProposeError::kConfChangePending:
      return "a conf change is pending";
  }
  return "?";
}

namespace {

// Go's %q, enough for test data: printable ASCII as is, the rest escaped.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string Ids(const std::vector<NodeId>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += " ";
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

std::string N(uint64_t v) {
  return std::to_string(v);
}

}  // namespace

std::string DescribeConfChange(const ConfChange& cc) {
  switch (cc.type) {
    case ConfChangeType::kAddNode:
      return "v" + N(cc.node);
    case ConfChangeType::kAddLearner:
      return "l" + N(cc.node);
    case ConfChangeType::kRemoveNode:
      return "r" + N(cc.node);
  }
  return "?" + N(cc.node);
}

std::string DescribeEntry(const Entry& e) {
  std::string out = N(e.term) + "/" + N(e.index);
  if (e.type == EntryType::kConfChange) {
    auto cc = DecodeConfChange(e.data);
    return out + " EntryConfChange " + (cc.ok() ? DescribeConfChange(*cc) : Quote(e.data));
  }
  return out + " EntryNormal " + Quote(e.data);
}

std::string DescribeEntries(const std::vector<Entry>& entries) {
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ", ";
    out += DescribeEntry(entries[i]);
  }
  return out + "]";
}

std::string DescribeConfState(const ConfState& cs) {
  return "Voters:" + Ids(cs.voters) + " Learners:" + Ids(cs.learners);
}

std::string DescribeSnapshotMeta(const SnapshotMeta& meta) {
  return "Index:" + N(meta.index) + " Term:" + N(meta.term) + " " + DescribeConfState(meta.conf);
}

std::string DescribeHardState(const HardState& hs) {
  std::string out = "Term:" + N(hs.term);
  if (hs.vote != kNone) out += " Vote:" + N(hs.vote);
  return out + " Commit:" + N(hs.commit);
}

std::string DescribeSoftState(const SoftState& ss) {
  return "Lead:" + N(ss.leader) + " State:" + StateName(ss.role);
}

std::string DescribeMessage(const Message& m) {
  std::string out = N(m.from) + "->" + N(m.to) + " " + ToString(m.type) + " Term:" + N(m.term) +
                    " Log:" + N(m.log_term) + "/" + N(m.index);
  if (m.reject) out += " Rejected (Hint: " + N(m.reject_hint) + ")";
  if (m.commit != 0) out += " Commit:" + N(m.commit);
  if (!m.entries.empty()) out += " Entries:" + DescribeEntries(m.entries);
  if (!m.snapshot.empty()) out += " Snapshot: " + DescribeSnapshotMeta(m.snapshot.meta);
  if (!m.context.empty()) out += " Context:" + Quote(m.context);
  return out;
}

std::string DescribeProgress(const Progress& pr) {
  std::string out = std::string("State") + (pr.state == ProgressState::kProbe       ? "Probe"
                                            : pr.state == ProgressState::kReplicate ? "Replicate"
                                                                                    : "Snapshot");
  out += " match=" + N(pr.match) + " next=" + N(pr.next);
  if (pr.learner) out += " learner";
  if (pr.IsPaused()) out += " paused";
  if (pr.pending_snapshot > 0) out += " pendingSnap=" + N(pr.pending_snapshot);
  if (!pr.recent_active) out += " inactive";
  if (size_t n = pr.inflights.count(); n > 0) {
    out += " inflight=" + N(n);
    if (pr.inflights.full()) out += "[full]";
  }
  return out;
}

std::string DescribeReady(const Ready& rd) {
  std::string out;
  if (rd.soft_state) out += DescribeSoftState(*rd.soft_state) + "\n";
  if (rd.hard_state) out += "HardState " + DescribeHardState(*rd.hard_state) + "\n";
  if (!rd.entries.empty()) {
    out += "Entries:\n";
    for (const auto& e : rd.entries) out += DescribeEntry(e) + "\n";
  }
  if (!rd.snapshot.empty()) out += "Snapshot " + DescribeSnapshotMeta(rd.snapshot.meta) + "\n";
  if (!rd.committed_entries.empty()) {
    out += "CommittedEntries:\n";
    for (const auto& e : rd.committed_entries) out += DescribeEntry(e) + "\n";
  }
  if (!rd.messages.empty()) {
    out += "Messages:\n";
    for (const auto& m : rd.messages) out += DescribeMessage(m) + "\n";
  }
  if (!rd.read_states.empty()) {
    out += "ReadStates:\n";
    for (const auto& r : rd.read_states) {
      out += "Index:" + N(r.index) + " Context:" + Quote(r.context) + "\n";
    }
  }
  if (out.empty()) return "<empty Ready>\n";
  return std::string("Ready MustSync=") + (rd.must_sync ? "true" : "false") + ":\n" + out;
}

}  // namespace flotilla::raft::testing

#include "test_cluster.h"

#include <algorithm>

#include "raft/codec.h"

namespace flotilla::raft::testing {

// A test member's snapshot data is its applied list, one entry per line.
std::string JoinSnapshot(const std::vector<std::string>& applied) {
  std::string out;
  for (const auto& a : applied) out += a + "\n";
  return out;
}

std::vector<std::string> SplitSnapshot(const std::string& data) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < data.size();) {
    size_t nl = data.find('\n', pos);
    out.push_back(data.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

Config TestCluster::ConfigFor(NodeId id) const {
  Config c = base_;
  c.id = id;
  return c;
}

TestCluster::TestCluster(int n, Config base) : base_(base) {
  std::vector<ConfChange> founders;
  for (int i = 1; i <= n; ++i) founders.push_back({ConfChangeType::kAddNode, NodeId(i), ""});
  for (int i = 1; i <= n; ++i) {
    members_.emplace(NodeId(i), Member(RawNode::Bootstrap(ConfigFor(i), founders)));
  }
  Stabilize();
}

std::vector<NodeId> TestCluster::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, m] : members_) out.push_back(id);
  return out;
}

void TestCluster::AddEmpty(NodeId id) {
  members_.emplace(id, Member(RawNode(ConfigFor(id), Restored{})));
}

bool TestCluster::ProcessReady(NodeId id) {
  Member& m = members_.at(id);
  if (!m.node.HasReady()) return false;
  Ready rd = m.node.GetReady();
  // Persist.
  if (!rd.snapshot.empty()) {
    m.snapshot = rd.snapshot;
    m.log.clear();
  }
  if (!rd.entries.empty()) {
    Index first = rd.entries.front().index;
    std::erase_if(m.log, [&](const Entry& e) { return e.index >= first; });
    m.log.insert(m.log.end(), rd.entries.begin(), rd.entries.end());
  }
  if (rd.hard_state) m.hard_state = *rd.hard_state;
  // Send.
  for (auto& msg : rd.messages) {
    sent_.push_back(msg);
    queue_.push_back(std::move(msg));
  }
  // Apply.
  if (!rd.snapshot.empty()) {
    m.conf = rd.snapshot.meta.conf;
    m.applied = SplitSnapshot(rd.snapshot.data);
  }
  for (const auto& e : rd.committed_entries) {
    if (e.type == EntryType::kConfChange) {
      auto cc = DecodeConfChange(e.data);
      if (cc.ok()) m.conf = m.node.ApplyConfChange(*cc);
    } else if (!e.data.empty()) {
      m.applied.push_back(e.data);
    }
  }
  for (const auto& r : rd.read_states) m.reads.push_back(r);
  m.node.Advance(rd);
  return true;
}

size_t TestCluster::Deliver() {
  auto batch = std::move(queue_);
  queue_.clear();
  size_t n = 0;
  for (auto& msg : batch) {
    if (cut_.count({msg.from, msg.to}) || !members_.count(msg.to)) continue;
    members_.at(msg.to).node.Step(std::move(msg));
    ++n;
  }
  return n;
}

void TestCluster::Stabilize() {
  for (int round = 0; round < 10000; ++round) {
    bool moved = false;
    for (auto& [id, m] : members_) {
      while (ProcessReady(id)) moved = true;
    }
    if (Deliver() > 0) moved = true;
    if (!moved) return;
  }
}

void TestCluster::Tick(NodeId id, int ticks) {
  for (int i = 0; i < ticks; ++i) members_.at(id).node.Tick();
}

NodeId TestCluster::ElectAny(int max_ticks) {
  for (int t = 0; t < max_ticks; ++t) {
    if (NodeId l = Leader(); l != kNone) return l;
    for (auto& [id, m] : members_) m.node.Tick();
    Stabilize();
  }
  return Leader();
}

NodeId TestCluster::Leader() const {
  NodeId leader = kNone;
  Term best = 0;
  for (const auto& [id, m] : members_) {
    const Raft& r = m.node.raft();
    if (r.role() == Role::kLeader && r.term() >= best) {
      leader = id;
      best = r.term();
    }
  }
  return leader;
}

void TestCluster::Snapshot(NodeId id) {
  Member& m = members_.at(id);
  Index applied = m.node.raft().log().applied();
  raft::Snapshot snap;
  snap.meta.index = applied;
  snap.meta.term = *m.node.raft().log().term(applied);
  snap.meta.conf = m.conf;
  snap.data = JoinSnapshot(m.applied);
  m.snapshot = snap;
  std::erase_if(m.log, [&](const Entry& e) { return e.index <= applied; });
  m.node.Compact(std::move(snap));
}

void TestCluster::Cut(NodeId a, NodeId b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void TestCluster::Isolate(NodeId id) {
  for (const auto& [other, m] : members_) {
    if (other != id) Cut(id, other);
  }
}

void TestCluster::Restart(NodeId id) {
  Member& old = members_.at(id);
  Restored r{old.hard_state, old.snapshot, old.log};
  Member fresh(RawNode(ConfigFor(id), r));
  fresh.hard_state = old.hard_state;
  fresh.log = old.log;
  fresh.snapshot = old.snapshot;
  // Volatile state is rebuilt by re-applying from the snapshot.
  fresh.conf = old.snapshot.meta.conf;
  members_.erase(id);
  members_.emplace(id, std::move(fresh));
  auto& m = members_.at(id);
  m.applied = SplitSnapshot(m.snapshot.data);
}

}  // namespace flotilla::raft::testing

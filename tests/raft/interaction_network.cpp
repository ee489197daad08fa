// InteractionEnv: Readies, the network, and the safety checks that watch
// both.
#include <algorithm>

#include "describe.h"
#include "interaction.h"
#include "raft/codec.h"
#include "test_cluster.h"

namespace flotilla::raft::testing {

namespace {

std::string S(uint64_t v) {
  return std::to_string(v);
}

// The term of entry i on a member's disk (nullopt: not there).
std::optional<Term> DiskTerm(const Snapshot& snap, const std::vector<Entry>& log, Index i) {
  if (i == snap.meta.index) return snap.meta.term;
  for (const auto& e : log) {
    if (e.index == i) return e.term;
  }
  return std::nullopt;
}

// Sent by a follower on a local caller's behalf: no term of its own.
bool Forwarded(const Message& m) {
  return m.term == 0 && (m.type == MessageType::kPropose || m.type == MessageType::kReadIndex ||
                         m.type == MessageType::kTransferLeader);
}

}  // namespace

bool InteractionEnv::ProcessReady(NodeId id) {
  Node& n = nodes_.at(id);
  if (!n.raw->HasReady()) return false;
  Ready rd = n.raw->GetReady();
  std::string text = DescribeReady(rd);
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    Print(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  CheckCommittedLocal(id, n, rd);
  Persist(n, rd);
  CheckSent(id, n, rd);
  for (const auto& m : rd.messages) queue_.push_back({m, cut_.count({m.from, m.to}) > 0});
  Observe(id, [&] {
    Apply(id, n, rd);
    n.raw->Advance(rd);
  });
  return true;
}

void InteractionEnv::Persist(Node& n, const Ready& rd) {
  if (!rd.snapshot.empty()) {
    n.snapshot = rd.snapshot;
    n.log.clear();
  }
  if (!rd.entries.empty()) {
    Index first = rd.entries.front().index;
    std::erase_if(n.log, [&](const Entry& e) { return e.index >= first; });
    n.log.insert(n.log.end(), rd.entries.begin(), rd.entries.end());
  }
  if (rd.hard_state) n.hard_state = *rd.hard_state;
  if (rd.must_sync) n.synced_hard_state = n.hard_state;
}

void InteractionEnv::Apply(NodeId id, Node& n, const Ready& rd) {
  if (!rd.snapshot.empty()) {
    n.conf = rd.snapshot.meta.conf;
    n.applied = SplitSnapshot(rd.snapshot.data);
  }
  for (const auto& e : rd.committed_entries) {
    CheckApplied(id, e);
    if (e.type == EntryType::kConfChange) {
      auto cc = DecodeConfChange(e.data);
      if (!cc.ok()) {
        Print("error: undecodable conf change at " + S(e.index));
        continue;
      }
      n.conf = n.raw->ApplyConfChange(*cc);
      Print("applied " + DescribeConfChange(*cc) + ": " + DescribeConfState(n.conf));
    } else if (!e.data.empty()) {
      n.applied.push_back(e.data);
    }
  }
}

size_t InteractionEnv::Deliver(NodeId to, bool drop, const std::string& type, NodeId from) {
  std::vector<InFlight> batch;
  std::vector<InFlight> rest;
  for (auto& f : queue_) {
    const Message& m = f.msg;
    bool match = m.to == to && (type.empty() || type == ToString(m.type)) &&
                 (from == kNone || m.from == from);
    (match ? batch : rest).push_back(std::move(f));
  }
  queue_ = std::move(rest);
  for (auto& f : batch) {
    Message& m = f.msg;
    std::string text = DescribeMessage(m);
    if (drop || f.lost || cut_.count({m.from, m.to}) || !nodes_.count(to)) {
      Print("dropped: " + text);
      continue;
    }
    Print(text);
    Observe(to, [&] { nodes_.at(to).raw->Step(std::move(m)); });
  }
  return batch.size();
}

base::Status InteractionEnv::ProcessReadyCmd(const Command& c) {
  for (size_t i = 0; i < c.args.size(); ++i) {
    auto n = Get(c, i);
    if (!n.ok()) return n.status();
    NodeId id = (*n)->config.id;
    if (c.args.size() > 1) Print("> " + S(id) + " handling Ready");
    indent_ += c.args.size() > 1 ? 2 : 0;
    if (!ProcessReady(id)) Print("<empty Ready>");
    indent_ -= c.args.size() > 1 ? 2 : 0;
  }
  if (c.args.empty()) return base::Status(base::Code::kInvalidArgument, "process-ready ID...");
  return base::Status::Ok();
}

base::Status InteractionEnv::DeliverMsgs(const Command& c) {
  auto from = c.U64("from", kNone);
  auto drop = c.Ids("drop");
  if (!from.ok()) return from.status();
  if (!drop.ok()) return drop.status();
  std::string type = c.kv.count("type") ? c.kv.at("type")[0] : "";
  for (NodeId id : *drop) Deliver(id, true, type, *from);
  for (size_t i = 0; i < c.args.size(); ++i) {
    auto id = c.Id(i);
    if (!id.ok()) return id.status();
    Deliver(*id, false, type, *from);
  }
  return base::Status::Ok();
}

base::Status InteractionEnv::Stabilize(const Command& c) {
  std::vector<NodeId> ids;
  for (size_t i = 0; i < c.args.size(); ++i) {
    auto n = Get(c, i);
    if (!n.ok()) return n.status();
    ids.push_back((*n)->config.id);
  }
  if (ids.empty()) ids = Ids();
  for (int round = 0; round < 1000; ++round) {
    bool moved = false;
    for (NodeId id : ids) {
      if (!nodes_.at(id).raw->HasReady()) continue;
      Print("> " + S(id) + " handling Ready");
      indent_ += 2;
      ProcessReady(id);
      indent_ -= 2;
      moved = true;
    }
    for (NodeId id : ids) {
      bool any = std::any_of(queue_.begin(), queue_.end(),
                             [&](const InFlight& f) { return f.msg.to == id; });
      if (!any) continue;
      Print("> " + S(id) + " receiving messages");
      indent_ += 2;
      Deliver(id, false, "", kNone);
      indent_ -= 2;
      moved = true;
    }
    if (!moved) return base::Status::Ok();
  }
  return base::Status(base::Code::kInternal, "stabilize: still moving after 1000 rounds");
}

void InteractionEnv::CheckCommittedLocal(NodeId id, const Node& n, const Ready& rd) {
  // RawNode's contract: committed entries are handed out only once they are
  // on this member's disk (persisted by an earlier Ready).
  for (const auto& e : rd.committed_entries) {
    if (DiskTerm(n.snapshot, n.log, e.index) != e.term) {
      Violation(S(id) + " handed out committed entry " + S(e.term) + "/" + S(e.index) +
                " before it was on its disk");
    }
  }
}

void InteractionEnv::CheckSent(NodeId id, const Node& n, const Ready& rd) {
  // The durability contract: what a message promises is on disk before it
  // leaves (the Ready was just persisted).
  const HardState& hs = n.hard_state;
  for (const auto& m : rd.messages) {
    if (Forwarded(m)) continue;
    std::string what = DescribeMessage(m) + ": ";
    bool future_term = m.type == MessageType::kPreVote || m.type == MessageType::kPreVoteResponse;
    if (!future_term && m.term > hs.term) {
      Violation(what + "term " + S(m.term) + " is not on " + S(id) + "'s disk (" +
                DescribeHardState(hs) + ")");
    }
    if (m.type == MessageType::kVote && (hs.term != m.term || hs.vote != id)) {
      Violation(what + "the candidate's own vote is not on its disk (" + DescribeHardState(hs) +
                ")");
    }
    if (m.type == MessageType::kVoteResponse && !m.reject &&
        (hs.term != m.term || hs.vote != m.to)) {
      Violation(what + "granted vote not on the voter's disk (" + DescribeHardState(hs) + ")");
    }
    if (m.type == MessageType::kAppendResponse && !m.reject && m.index > 0 &&
        !DiskTerm(n.snapshot, n.log, m.index)) {
      Violation(what + "acknowledges index " + S(m.index) + " not on " + S(id) + "'s disk");
    }
    if (m.type == MessageType::kAppend) {
      for (const auto& e : m.entries) {
        if (DiskTerm(n.snapshot, n.log, e.index) != e.term) {
          Violation(what + "entry " + S(e.term) + "/" + S(e.index) +
                    " is not on the sender's disk");
        }
      }
    }
  }
}

void InteractionEnv::CheckApplied(NodeId id, const Entry& e) {
  // State Machine Safety (Figure 3): no two members apply different entries
  // at one index.
  auto [it, fresh] = applied_.emplace(e.index, std::make_pair(id, e));
  if (!fresh && it->second.second != e) {
    Violation(S(id) + " applied " + DescribeEntry(e) + " but " + S(it->second.first) + " applied " +
              DescribeEntry(it->second.second));
  }
}

void InteractionEnv::CheckLeaders() {
  // Election Safety (Figure 3): at most one leader per term.
  for (const auto& [id, n] : nodes_) {
    const Raft& r = n.raw->raft();
    if (r.role() != Role::kLeader) continue;
    auto [it, fresh] = leaders_.emplace(r.term(), id);
    if (!fresh && it->second != id) {
      Violation("two leaders in term " + S(r.term()) + ": " + S(it->second) + " and " + S(id));
    }
  }
}

base::Status InteractionEnv::Isolate(const Command& c) {
  auto id = c.Id(0);
  if (!id.ok()) return id.status();
  for (NodeId other : Ids()) {
    if (other != *id) {
      cut_.insert({*id, other});
      cut_.insert({other, *id});
    }
  }
  return base::Status::Ok();
}

base::Status InteractionEnv::Cut(const Command& c) {
  auto a = c.Id(0);
  auto b = c.Id(1);
  if (!a.ok() || !b.ok()) return base::Status(base::Code::kInvalidArgument, "cut A B");
  cut_.insert({*a, *b});
  cut_.insert({*b, *a});
  return base::Status::Ok();
}

base::Status InteractionEnv::Heal(const Command&) {
  cut_.clear();
  return base::Status::Ok();
}

}  // namespace flotilla::raft::testing

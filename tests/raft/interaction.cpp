// InteractionEnv: parsing, dispatch, and the commands that act on one
// member. Readies and the network are in interaction_network.cpp, the disk
// and inspection commands in interaction_state.cpp.
#include "interaction.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "describe.h"
#include "test_cluster.h"

namespace flotilla::raft::testing {

namespace {

using base::Code;
using base::Status;

Status Usage(const std::string& what) {
  return Status(Code::kInvalidArgument, what);
}

std::optional<uint64_t> ParseU64(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

base::Result<NodeId> Command::Id(size_t i) const {
  if (i >= args.size()) return Usage(name + ": missing node id");
  auto v = ParseU64(args[i]);
  if (!v || *v == kNone) return Usage(name + ": bad node id " + args[i]);
  return *v;
}

base::Result<uint64_t> Command::U64(const std::string& key, uint64_t def) const {
  auto it = kv.find(key);
  if (it == kv.end()) return def;
  auto v = it->second.size() == 1 ? ParseU64(it->second[0]) : std::nullopt;
  if (!v) return Usage(name + ": " + key + "= wants a number");
  return *v;
}

base::Result<bool> Command::Bool(const std::string& key, bool def) const {
  auto it = kv.find(key);
  if (it == kv.end()) return def;
  if (it->second == std::vector<std::string>{"true"}) return true;
  if (it->second == std::vector<std::string>{"false"}) return false;
  return Usage(name + ": " + key + "= wants true or false");
}

base::Result<std::vector<NodeId>> Command::Ids(const std::string& key) const {
  std::vector<NodeId> out;
  auto it = kv.find(key);
  if (it == kv.end()) return out;
  for (const auto& s : it->second) {
    auto v = ParseU64(s);
    if (!v || *v == kNone) return Usage(name + ": " + key + "= wants node ids");
    out.push_back(*v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

base::Result<Command> ParseCommand(const std::string& line) {
  Command c;
  std::istringstream in(line);
  std::string tok;
  while (in >> tok) {
    if (c.name.empty()) {
      c.name = tok;
      continue;
    }
    size_t eq = tok.find('=');
    if (eq == std::string::npos) {
      c.args.push_back(tok);
      continue;
    }
    std::string key = tok.substr(0, eq), val = tok.substr(eq + 1);
    std::vector<std::string>& vals = c.kv[key];
    if (val.size() >= 2 && val.front() == '(' && val.back() == ')') {
      std::istringstream list(val.substr(1, val.size() - 2));
      for (std::string item; std::getline(list, item, ',');) vals.push_back(item);
    } else {
      vals.push_back(val);
    }
  }
  if (c.name.empty()) return Usage("empty command");
  return c;
}

const std::map<std::string, InteractionEnv::Handler>& InteractionEnv::Handlers() {
  static const std::map<std::string, Handler> handlers = {
      {"add-nodes", &InteractionEnv::AddNodes},
      {"applied", &InteractionEnv::Applied},
      {"campaign", &InteractionEnv::Campaign},
      {"compact", &InteractionEnv::Compact},
      {"cut", &InteractionEnv::Cut},
      {"deliver-msgs", &InteractionEnv::DeliverMsgs},
      {"heal", &InteractionEnv::Heal},
      {"isolate", &InteractionEnv::Isolate},
      {"process-ready", &InteractionEnv::ProcessReadyCmd},
      {"propose", &InteractionEnv::Propose},
      {"propose-conf-change", &InteractionEnv::ProposeConfChange},
      {"raft-log", &InteractionEnv::RaftLogCmd},
      {"raft-state", &InteractionEnv::RaftState},
      {"read-index", &InteractionEnv::ReadIndex},
      {"report-snapshot", &InteractionEnv::ReportSnapshot},
      {"report-unreachable", &InteractionEnv::ReportUnreachable},
      {"restart", &InteractionEnv::Restart},
      {"stabilize", &InteractionEnv::Stabilize},
      {"status", &InteractionEnv::StatusCmd},
      {"tick", &InteractionEnv::Tick},
      {"tick-election", &InteractionEnv::TickElection},
      {"tick-heartbeat", &InteractionEnv::TickHeartbeat},
      {"transfer-leadership", &InteractionEnv::TransferLeadership},
  };
  return handlers;
}

std::string InteractionEnv::Run(const Command& cmd) {
  out_.clear();
  indent_ = 0;
  auto it = Handlers().find(cmd.name);
  base::Status st =
      it == Handlers().end() ? Usage("unknown command " + cmd.name) : (this->*(it->second))(cmd);
  if (!st.ok()) Print("error: " + st.message());
  CheckLeaders();
  for (const auto& [id, n] : nodes_) n.raw->raft().CheckInvariants();
  return out_.empty() ? "ok\n" : out_;
}

void InteractionEnv::Print(const std::string& line) {
  out_.append(indent_, ' ');
  out_ += line;
  out_ += '\n';
}

void InteractionEnv::Violation(const std::string& what) {
  if (violations_.insert(what).second) Print("VIOLATION: " + what);
}

std::vector<NodeId> InteractionEnv::Ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

base::Result<InteractionEnv::Node*> InteractionEnv::Get(const Command& c, size_t i) {
  auto id = c.Id(i);
  if (!id.ok()) return id.status();
  if (!nodes_.count(*id)) return Usage(c.name + ": no node " + std::to_string(*id));
  return &nodes_.at(*id);
}

base::Status InteractionEnv::AddNodes(const Command& c) {
  auto count = c.args.empty() ? std::nullopt : ParseU64(c.args[0]);
  if (!count || *count == 0) return Usage("add-nodes N");
  auto voters = c.Ids("voters");
  auto learners = c.Ids("learners");
  auto index = c.U64("index", 0);
  auto prevote = c.Bool("prevote", true);
  auto checkquorum = c.Bool("checkquorum", true);
  auto election = c.U64("election", 3);
  auto heartbeat = c.U64("heartbeat", 1);
  auto inflight = c.U64("max-inflight", 256);
  auto size = c.U64("max-size", 1 << 20);
  auto seed = c.U64("seed", 0);
  for (const Status* st : {&voters.status(), &learners.status(), &index.status(), &prevote.status(),
                           &checkquorum.status(), &election.status(), &heartbeat.status(),
                           &inflight.status(), &size.status(), &seed.status()}) {
    if (!st->ok()) return *st;
  }
  NodeId first = nodes_.empty() ? 1 : nodes_.rbegin()->first + 1;
  ConfState conf{*voters, *learners};
  if (conf.voters.empty() && conf.learners.empty() && nodes_.empty()) {
    for (NodeId id = first; id < first + *count; ++id) conf.voters.push_back(id);
  }
  bool found = !conf.voters.empty() || !conf.learners.empty();
  for (NodeId id = first; id < first + *count; ++id) {
    Node n;
    n.config.id = id;
    n.config.pre_vote = *prevote;
    n.config.check_quorum = *checkquorum;
    n.config.election_tick = static_cast<int>(*election);
    n.config.heartbeat_tick = static_cast<int>(*heartbeat);
    n.config.max_inflight_msgs = *inflight;
    n.config.max_size_per_msg = *size;
    n.config.seed = *seed;
    if (found && *index > 0) {
      // Founded from a snapshot, as etcd's add-nodes index=: the log starts
      // after it and the membership is in its metadata.
      n.snapshot.meta = {*index, 1, conf};
      n.hard_state = n.synced_hard_state = {1, kNone, *index};
      n.conf = conf;
      n.raw = std::make_unique<RawNode>(n.config, Restored{n.hard_state, n.snapshot, {}});
    } else if (found) {
      std::vector<ConfChange> founders;
      for (NodeId v : conf.voters) founders.push_back({ConfChangeType::kAddNode, v, ""});
      for (NodeId l : conf.learners) founders.push_back({ConfChangeType::kAddLearner, l, ""});
      n.raw = std::make_unique<RawNode>(RawNode::Bootstrap(n.config, founders));
    } else {
      n.raw = std::make_unique<RawNode>(n.config, Restored{});
    }
    nodes_.emplace(id, std::move(n));
    // The founding Readies (conf-change entries, their commit) go by quietly,
    // but for what the checks find.
    std::string saved = std::move(out_);
    out_.clear();
    while (ProcessReady(id)) {
    }
    std::istringstream quiet(out_);
    out_ = std::move(saved);
    for (std::string line; std::getline(quiet, line);) {
      if (line.find("VIOLATION") != std::string::npos) out_ += line + "\n";
    }
  }
  return Status::Ok();
}

base::Status InteractionEnv::Campaign(const Command& c) {
  auto n = Get(c);
  if (!n.ok()) return n.status();
  Observe((*n)->config.id, [&] { (*n)->raw->Campaign(); });
  return Status::Ok();
}

base::Status InteractionEnv::Tick(const Command& c) {
  auto n = Get(c);
  if (!n.ok()) return n.status();
  uint64_t ticks = 1;
  if (c.args.size() > 1) {
    auto v = ParseU64(c.args[1]);
    if (!v) return Usage("tick ID [N]");
    ticks = *v;
  }
  for (uint64_t i = 0; i < ticks; ++i) Observe((*n)->config.id, [&] { (*n)->raw->Tick(); });
  return Status::Ok();
}

base::Status InteractionEnv::TickElection(const Command& c) {
  auto n = Get(c);
  if (!n.ok()) return n.status();
  for (int i = 0; i < (*n)->config.election_tick; ++i) {
    Observe((*n)->config.id, [&] { (*n)->raw->Tick(); });
  }
  return Status::Ok();
}

base::Status InteractionEnv::TickHeartbeat(const Command& c) {
  auto n = Get(c);
  if (!n.ok()) return n.status();
  for (int i = 0; i < (*n)->config.heartbeat_tick; ++i) {
    Observe((*n)->config.id, [&] { (*n)->raw->Tick(); });
  }
  return Status::Ok();
}

base::Status InteractionEnv::Propose(const Command& c) {
  auto n = Get(c);
  if (!n.ok()) return n.status();
  if (c.args.size() != 2) return Usage("propose ID DATA");
  ProposeError err = (*n)->raw->Propose(c.args[1]);
  if (err != ProposeError::kNone) Print(std::string("dropped: ") + ProposeErrorName(err));
  return Status::Ok();
}

base::Status InteractionEnv::ProposeConfChange(const Command& c) {
  auto n = Get(c);
  if (!n.ok()) return n.status();
  auto target = c.Id(2);
  if (c.args.size() != 3 || !target.ok()) {
    return Usage("propose-conf-change ID add|remove|add-learner NODE");
  }
  ConfChange cc;
  cc.node = *target;
  if (c.args[1] == "add") {
    cc.type = ConfChangeType::kAddNode;
  } else if (c.args[1] == "remove") {
    cc.type = ConfChangeType::kRemoveNode;
  } else if (c.args[1] == "add-learner") {
    cc.type = ConfChangeType::kAddLearner;
  } else {
    return Usage("propose-conf-change: unknown change " + c.args[1]);
  }
  ProposeError err = (*n)->raw->ProposeConfChange(cc);
  if (err != ProposeError::kNone) Print(std::string("dropped: ") + ProposeErrorName(err));
  return Status::Ok();
}

base::Status InteractionEnv::ReadIndex(const Command& c) {
  auto n = Get(c);
  if (!n.ok()) return n.status();
  if (c.args.size() != 2) return Usage("read-index ID CTX");
  ProposeError err = (*n)->raw->ReadIndex(c.args[1]);
  if (err != ProposeError::kNone) Print(std::string("dropped: ") + ProposeErrorName(err));
  return Status::Ok();
}

base::Status InteractionEnv::TransferLeadership(const Command& c) {
  auto from = c.U64("from", kNone);
  auto to = c.U64("to", kNone);
  if (!from.ok() || !to.ok() || !nodes_.count(*from) || *to == kNone) {
    return Usage("transfer-leadership from=ID to=ID");
  }
  Observe(*from, [&] { nodes_.at(*from).raw->TransferLeader(*to); });
  return Status::Ok();
}

base::Status InteractionEnv::ReportUnreachable(const Command& c) {
  auto n = Get(c);
  auto peer = c.Id(1);
  if (!n.ok() || !peer.ok()) return Usage("report-unreachable ID PEER");
  Observe((*n)->config.id, [&] { (*n)->raw->ReportUnreachable(*peer); });
  return Status::Ok();
}

base::Status InteractionEnv::ReportSnapshot(const Command& c) {
  auto n = Get(c);
  auto peer = c.Id(1);
  if (!n.ok() || !peer.ok() || c.args.size() != 3 || (c.args[2] != "ok" && c.args[2] != "fail")) {
    return Usage("report-snapshot ID PEER ok|fail");
  }
  Observe((*n)->config.id, [&] { (*n)->raw->ReportSnapshot(*peer, c.args[2] == "fail"); });
  return Status::Ok();
}

}  // namespace flotilla::raft::testing

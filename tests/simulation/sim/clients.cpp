#include "clients.h"

namespace flotilla::sim {

namespace {
// Request times are the proposer's clock: a fixed epoch plus simulated time.
constexpr base::UnixNanos kEpoch = 1'700'000'000'000'000'000;
base::UnixNanos WallTime(SimTime now) {
  return kEpoch + now * 1'000'000;
}
}  // namespace

const char* ToString(OpKind k) {
  switch (k) {
    case OpKind::kGet:
      return "get";
    case OpKind::kSet:
      return "set";
    case OpKind::kCreate:
      return "create";
    case OpKind::kCompareAndSwap:
      return "cas";
    case OpKind::kDelete:
      return "delete";
  }
  return "?";
}

kv::Request ClientOp::ToRequest(SimTime now) const {
  kv::Request r;
  r.path = key;
  r.time = WallTime(now);
  switch (kind) {
    case OpKind::kGet:
      r.op = kv::Op::kGet;
      break;
    case OpKind::kSet:
      r.op = kv::Op::kSet;
      r.value = value;
      break;
    case OpKind::kCreate:
      r.op = kv::Op::kCreate;
      r.value = value;
      break;
    case OpKind::kCompareAndSwap:
      r.op = kv::Op::kCompareAndSwap;
      r.value = value;
      r.prev_value = prev_value;
      break;
    case OpKind::kDelete:
      r.op = kv::Op::kDelete;
      break;
  }
  return r;
}

std::string ClientOp::Describe() const {
  std::string s = "op " + std::to_string(id) + " client " + std::to_string(client) + " " +
                  ToString(kind) + " " + key;
  if (kind == OpKind::kCompareAndSwap) s += " " + prev_value + "->";
  if (is_write() && kind != OpKind::kDelete)
    s += (kind == OpKind::kCompareAndSwap ? "" : " ") + value;
  s += " via " + std::to_string(member) + " [" + std::to_string(call) + "ms";
  switch (status) {
    case OpStatus::kPending:
      return s + ", pending]";
    case OpStatus::kFailed:
      return s + ", refused]";
    case OpStatus::kUnknown:
      return s + ", unknown]";
    case OpStatus::kOk:
      break;
  }
  s += ", " + std::to_string(ret) + "ms] ";
  if (!succeeded) return s + "error " + std::to_string(error);
  return s + (kind == OpKind::kGet ? "= " + read_value.value_or("?") : "ok");
}

Clients::Clients(int count, int keys, SimTime timeout, Rng& rng)
    : rng_(rng), timeout_(timeout), current_(count), next_call_(count, 0) {
  for (int k = 0; k < keys; ++k) keys_.push_back("/1/k" + std::to_string(k));
}

std::vector<int> Clients::Idle(SimTime now) const {
  std::vector<int> out;
  if (paused_) return out;
  for (size_t c = 0; c < current_.size(); ++c) {
    if (!current_[c] && next_call_[c] <= now) out.push_back(static_cast<int>(c));
  }
  return out;
}

std::string Clients::PrevValueFor(const std::string& key) {
  const auto& seen = seen_[key];
  if (seen.empty() || rng_.Chance(0.25)) return "v-never";
  size_t window = std::min<size_t>(seen.size(), 3);
  return seen[seen.size() - 1 - rng_.Below(window)];
}

ClientOp& Clients::Begin(int client, raft::NodeId member, SimTime now, uint64_t request_id) {
  ClientOp op;
  op.id = ops_.size();
  op.client = client;
  op.key = rng_.Pick(keys_);
  op.call = now;
  op.call_stamp = ++stamp_;
  op.member = member;
  uint64_t roll = rng_.Below(100);
  op.kind = roll < 30   ? OpKind::kGet
            : roll < 55 ? OpKind::kSet
            : roll < 70 ? OpKind::kCreate
            : roll < 90 ? OpKind::kCompareAndSwap
                        : OpKind::kDelete;
  if (op.kind == OpKind::kCompareAndSwap) op.prev_value = PrevValueFor(op.key);
  if (op.kind != OpKind::kGet && op.kind != OpKind::kDelete) {
    op.value = "v" + std::to_string(op.id);
    seen_[op.key].push_back(op.value);
  }
  if (op.is_write()) {
    op.request_id = request_id;
    by_request_[request_id] = op.id;
  } else {
    op.read_context = "read-" + std::to_string(op.id);
    by_read_[op.read_context] = op.id;
  }
  current_[client] = op.id;
  ops_.push_back(std::move(op));
  return ops_.back();
}

void Clients::Finish(ClientOp& op, OpStatus status, SimTime now) {
  if (op.status != OpStatus::kPending) return;
  op.status = status;
  if (status != OpStatus::kUnknown) {
    op.ret = now;
    op.ret_stamp = ++stamp_;
  }
  if (op.is_write()) {
    by_request_.erase(op.request_id);
  } else {
    by_read_.erase(op.read_context);
  }
  current_[op.client].reset();
  next_call_[op.client] = now + rng_.Between(0, 30);
}

void Clients::Refused(size_t op, SimTime now) {
  Finish(ops_[op], OpStatus::kFailed, now);
}

void Clients::OnApplied(raft::NodeId member, uint64_t request_id, const kv::Outcome& out,
                        SimTime now) {
  auto it = by_request_.find(request_id);
  if (it == by_request_.end()) return;
  ClientOp& op = ops_[it->second];
  if (op.member != member) return;  // the proposer answers its client
  if (const auto* err = std::get_if<kv::Error>(&out)) {
    op.succeeded = false;
    op.error = static_cast<int>(err->code);
  } else {
    op.succeeded = true;
  }
  Finish(op, OpStatus::kOk, now);
}

void Clients::OnRead(raft::NodeId member, const std::string& context, kv::Store& store,
                     SimTime now) {
  auto it = by_read_.find(context);
  if (it == by_read_.end()) return;
  ClientOp& op = ops_[it->second];
  if (op.member != member) return;
  kv::Outcome out = store.Get(op.key, false, false, WallTime(now));
  if (const auto* err = std::get_if<kv::Error>(&out)) {
    op.succeeded = false;
    op.error = static_cast<int>(err->code);
  } else {
    const auto& ev = std::get<kv::EventPtr>(out);
    op.succeeded = true;
    op.read_value = ev->node.value;
    if (op.read_value) seen_[op.key].push_back(*op.read_value);
  }
  Finish(op, OpStatus::kOk, now);
}

void Clients::OnCrash(raft::NodeId member, SimTime now) {
  for (auto& c : current_) {
    if (c && ops_[*c].member == member) Finish(ops_[*c], OpStatus::kUnknown, now);
  }
}

void Clients::Expire(SimTime now) {
  for (auto& c : current_) {
    if (c && ops_[*c].call + timeout_ <= now) Finish(ops_[*c], OpStatus::kUnknown, now);
  }
}

void Clients::CloseAll() {
  for (auto& c : current_) {
    if (c) Finish(ops_[*c], OpStatus::kUnknown, 0);
  }
}

std::vector<testing::lin::Operation> Clients::LinearizabilityHistory() const {
  namespace lin = testing::lin;
  std::vector<lin::Operation> out;
  for (const ClientOp& op : ops_) {
    if (op.status == OpStatus::kFailed) continue;
    lin::Operation o;
    o.client = op.client;
    o.key = op.key;
    o.value = op.value;
    o.prev_value = op.prev_value;
    o.call = op.call_stamp;
    o.ret = op.status == OpStatus::kOk ? op.ret_stamp : lin::kUnknown;
    switch (op.kind) {
      case OpKind::kGet:
        o.kind = lin::Kind::kGet;
        break;
      case OpKind::kSet:
        o.kind = lin::Kind::kSet;
        break;
      case OpKind::kCreate:
        o.kind = lin::Kind::kCreate;
        break;
      case OpKind::kCompareAndSwap:
        o.kind = lin::Kind::kCompareAndSwap;
        break;
      case OpKind::kDelete:
        o.kind = lin::Kind::kDelete;
        break;
    }
    if (op.kind == OpKind::kGet) {
      o.read = op.read_value;
    } else {
      o.ok = op.succeeded;
      if (!op.succeeded) {
        o.failure = op.error == 100   ? lin::Failure::kKeyNotFound
                    : op.error == 101 ? lin::Failure::kCompareFailed
                    : op.error == 105 ? lin::Failure::kNodeExists
                                      : lin::Failure::kUnrecorded;
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

ClientStats Clients::stats() const {
  ClientStats s;
  for (const auto& op : ops_) {
    switch (op.status) {
      case OpStatus::kOk:
        ++s.ok;
        ++(op.is_write() ? s.writes_ok : s.reads_ok);
        break;
      case OpStatus::kFailed:
        ++s.failed;
        break;
      case OpStatus::kUnknown:
        ++s.unknown;
        break;
      case OpStatus::kPending:
        break;
    }
  }
  return s;
}

}  // namespace flotilla::sim

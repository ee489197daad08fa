// Clients: simulated etcd v2 clients and the history of what they saw.
//
// Each client is sequential: it waits for its operation to finish (or give up)
// before it thinks a little and issues the next, on one of a few keys,
// through whichever member the simulation picks. Writes (set, create, CAS,
// delete) go into the log as Commands; gets are linearizable reads through
// ReadIndex. Every value written is unique, so a read names its write.
//
// An operation ends in one of three ways:
//   kOk       its member applied it (or served the read): the result is known.
//   kFailed   raft refused it up front (Propose/ReadIndex returned an error):
//             it never happened, and it is left out of the history.
//   kUnknown  it timed out or its member crashed: it may or may not have
//             taken effect (a linearizability checker lets it happen at any
//             point after its call, or never).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kv/request.h"
#include "kv/store.h"
#include "linearizability.h"
#include "raft/message.h"
#include "rng.h"

namespace flotilla::sim {

enum class OpKind : uint8_t { kGet, kSet, kCreate, kCompareAndSwap, kDelete };
enum class OpStatus : uint8_t { kPending, kOk, kFailed, kUnknown };
const char* ToString(OpKind k);

struct ClientOp {
  size_t id = 0;  // position in the history
  int client = 0;
  OpKind kind = OpKind::kGet;
  std::string key;         // the store path, "/1/k0"
  std::string value;       // set, create, CAS: the value written
  std::string prev_value;  // CAS: the value compared against
  SimTime call = 0;
  SimTime ret = 0;  // kOk and kFailed only
  // The order of calls and returns, exact within a millisecond.
  int64_t call_stamp = 0;
  int64_t ret_stamp = 0;
  OpStatus status = OpStatus::kPending;
  // kOk: whether the write took effect or the get found the key, the value
  // the get read, and the etcd error code otherwise (100, 101, 105).
  bool succeeded = false;
  std::optional<std::string> read_value;
  int error = 0;
  raft::NodeId member = raft::kNone;
  uint64_t request_id = 0;   // writes
  std::string read_context;  // gets

  bool is_write() const { return kind != OpKind::kGet; }
  kv::Request ToRequest(SimTime now) const;
  std::string Describe() const;
};

struct ClientStats {
  uint64_t ok = 0, failed = 0, unknown = 0, reads_ok = 0, writes_ok = 0;
};

class Clients {
 public:
  Clients(int count, int keys, SimTime timeout, Rng& rng);

  // Clients with no operation in flight whose think time is over.
  std::vector<int> Idle(SimTime now) const;
  // Starts a random operation of `client` through `member`.
  ClientOp& Begin(int client, raft::NodeId member, SimTime now, uint64_t request_id);
  // Raft refused the operation: it never happened.
  void Refused(size_t op, SimTime now);
  void OnApplied(raft::NodeId member, uint64_t request_id, const kv::Outcome& out, SimTime now);
  void OnRead(raft::NodeId member, const std::string& context, kv::Store& store, SimTime now);
  // Every operation in flight through `member` gets no answer.
  void OnCrash(raft::NodeId member, SimTime now);
  // Operations older than the timeout give up.
  void Expire(SimTime now);
  void CloseAll();
  void set_paused(bool p) { paused_ = p; }
  size_t in_flight() const { return by_request_.size() + by_read_.size(); }

  const std::vector<ClientOp>& history() const { return ops_; }
  // The history for testing::lin::CheckLinearizability(): refused
  // operations left out, unknown ones with ret = lin::kUnknown.
  std::vector<testing::lin::Operation> LinearizabilityHistory() const;
  ClientStats stats() const;

 private:
  void Finish(ClientOp& op, OpStatus status, SimTime now);
  std::string PrevValueFor(const std::string& key);

  Rng& rng_;
  SimTime timeout_;
  bool paused_ = false;
  int64_t stamp_ = 0;
  std::vector<std::string> keys_;
  std::vector<std::optional<size_t>> current_;  // per client: its op in flight
  std::vector<SimTime> next_call_;              // per client
  std::vector<ClientOp> ops_;
  std::map<uint64_t, size_t> by_request_;
  std::map<std::string, size_t> by_read_;
  std::map<std::string, std::vector<std::string>> seen_;  // per key: values written or read
};

}  // namespace flotilla::sim

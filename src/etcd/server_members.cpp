// Server: membership changes (etcd's member add / remove) and applying
// conf-change entries to raft, the store's member records and the transport.
#include "base/log.h"
#include "etcd/entry.h"
#include "etcd/peer_query.h"
#include "etcd/peer_transport.h"
#include "etcd/server_internal.h"
#include "raft/codec.h"

namespace flotilla::etcd {

bool Server::IsRemoved(MemberId id) {
  auto found = store_.Peek("/0/removed_members/" + id.String(), false, clock_.Now());
  return std::holds_alternative<kv::EventPtr>(found);
}

// The leader stops replicating to a member once its removal applies, so
// the member might never learn that it was removed. The leader hands it the
// removal entry itself, as an ordinary append (which the member accepts only
// if its log matches there), so it applies its removal and stops, as an
// etcd member stops when its peers answer "removed".
void Server::SendFarewell(MemberId removed, const raft::Entry& e) {
  if (!is_leader() || removed == id_) return;
  auto prev_term = node_->raft().log().term(e.index - 1);
  if (!prev_term) return;
  raft::Message m;
  m.type = raft::MessageType::kAppend;
  m.to = removed.value;
  m.from = id_.value;
  m.term = term();
  m.index = e.index - 1;
  m.log_term = *prev_term;
  m.entries.push_back(e);
  m.commit = e.index;
  transport_->Send({std::move(m)});
}

// Without a leader for 5 election timeouts, ask the peers (at most every
// 5 election timeouts, on a thread: the query blocks) whether this member
// is on their removed list.
void Server::AskIfRemoved() {
  auto now = clock_.Now();
  if (leader_ != raft::kNone || !failed_.ok()) {
    leaderless_since_ = 0;
    return;
  }
  if (leaderless_since_ == 0) leaderless_since_ = now;
  int64_t wait = int64_t(config_.election_ms) * 5 * 1'000'000;
  if (now - leaderless_since_ < wait || now - last_removal_query_ < wait) return;
  if (removal_query_.joinable()) removal_query_.join();  // the last one answered by now
  last_removal_query_ = now;
  std::vector<std::string> urls;
  for (const auto& m : Members())
    if (m.id != id_) urls.insert(urls.end(), m.peer_urls.begin(), m.peer_urls.end());
  if (urls.empty()) return;
  removal_query_ = std::thread([this, urls] {
    auto info = QueryCluster(urls, std::chrono::seconds(1));
    if (!info.ok() || info->cluster_id != cluster_id_.value) return;
    if (std::find(info->removed.begin(), info->removed.end(), id_.value) == info->removed.end())
      return;
    loop_.Post([this] {
      if (!failed_.ok()) return;
      FLOG_WARN("etcd: the cluster says this member ({}) was removed; stopping", id_.String());
      failed_ = base::Status(base::Code::kCancelled, "this member was removed from the cluster");
      if (removed_) removed_();
    });
  });
}

void Server::AddMember(const std::vector<std::string>& peer_urls,
                       std::function<void(base::Result<Member>)> done) {
  // As etcd's member add: the id hashes the peer URLs and the time, so the
  // URLs of a removed member come back under a new identity.
  Member m{
      ComputeMemberId(peer_urls, std::to_string(clock_.Now() / 1'000'000'000)), "", peer_urls, {}};
  if (IsRemoved(m.id)) {
    return done(base::Status(base::Code::kAlreadyExists, "membership: ID removed"));
  }
  uint64_t seq = NextSeq();
  raft::ConfChange cc{raft::ConfChangeType::kAddNode, m.id.value,
                      EncodeConfContext({id_.value, seq}, RaftAttributesJson(m))};
  auto error = node_->ProposeConfChange(cc);
  if (error != raft::ProposeError::kNone) {
    return done(base::Status(base::Code::kUnavailable, ProposeErrorOutcome(error).cause));
  }
  Wait(
      seq,
      [m, done = std::move(done)](const kv::Outcome* o) {
        if (!o) return done(base::Status(base::Code::kUnavailable, TimeoutError().cause));
        if (auto* err = std::get_if<kv::Error>(o))
          return done(base::Status(base::Code::kAlreadyExists, err->cause));
        done(m);
      },
      Deadline());
}

void Server::RemoveMember(MemberId id, std::function<void(base::Status)> done) {
  uint64_t seq = NextSeq();
  raft::ConfChange cc{raft::ConfChangeType::kRemoveNode, id.value,
                      EncodeConfContext({id_.value, seq}, "")};
  auto error = node_->ProposeConfChange(cc);
  if (error != raft::ProposeError::kNone) {
    return done(base::Status(base::Code::kUnavailable, ProposeErrorOutcome(error).cause));
  }
  Wait(
      seq,
      [done = std::move(done)](const kv::Outcome* o) {
        if (!o) return done(base::Status(base::Code::kUnavailable, TimeoutError().cause));
        done(base::Status::Ok());
      },
      Deadline());
}

void Server::ApplyConfChange(const raft::Entry& e) {
  auto cc = raft::DecodeConfChange(e.data);
  if (!cc.ok()) {
    FLOG_ERROR("etcd: skipping undecodable conf change {}: {}", e.index, cc.status().ToString());
    return;
  }
  ProposalId pid;
  std::string json;
  if (auto st = DecodeConfContext(cc->context, pid, json); !st.ok()) {
    FLOG_ERROR("etcd: conf change {}: {}", e.index, st.ToString());
  }
  MemberId mid{cc->node};
  kv::Outcome out;
  if (cc->type == raft::ConfChangeType::kRemoveNode) {
    kv::Request del = InternalWrite(kv::Op::kDelete, MemberDir(mid), "", 0);
    del.dir = del.recursive = true;
    out = store_.Apply(del);
    store_.Apply(InternalWrite(kv::Op::kCreate, "/0/removed_members/" + mid.String(), "", 0));
    removed_ids_.insert(mid.value);
    SendFarewell(mid, e);
  } else {
    out = store_.Apply(InternalWrite(kv::Op::kCreate, MemberDir(mid) + "/raftAttributes", json, 0));
    Member m;
    if (mid != id_ && ParseRaftAttributes(json, m)) transport_->AddPeer(mid.value, m.peer_urls);
  }
  node_->ApplyConfChange(*cc);
  FLOG_INFO("etcd: membership now {} voter(s) after {} {}",
            node_->raft().conf_state().voters.size(),
            cc->type == raft::ConfChangeType::kRemoveNode ? "removing" : "adding", mid.String());
  if (pid.member == id_.value) {
    if (auto it = waiters_.find(pid.seq); it != waiters_.end()) {
      auto w = std::move(it->second);
      waiters_.erase(it);
      w->done(&out);
    }
  }
  if (cc->type == raft::ConfChangeType::kRemoveNode && mid == id_) {
    FLOG_WARN("etcd: this member ({}) was removed from the cluster; stopping", id_.String());
    if (removed_) loop_.Post(removed_);
  }
}

}  // namespace flotilla::etcd

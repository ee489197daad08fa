// The non-key parts of the client API: members, stats and metrics.
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <fstream>
#include <optional>

#include "base/json_writer.h"
#include "etcd/client_api.h"
#include "etcd/peer_transport.h"
#include "kv/json.h"

namespace flotilla::etcd {
namespace {

// httptypes.HTTPError: {"message":"..."}.
net::HttpResponse MessageError(int status, std::string_view message) {
  std::string body;
  base::JsonWriter w(body);
  w.BeginObject();
  w.Key("message");
  w.String(message);
  w.EndObject();
  return JsonResponse(status, std::move(body));
}

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

namespace {

// httptypes.MemberUpdateRequest: {"peerURLs":[...]} with a JSON content type.
// The content-type check is etcd's unmarshalRequest, quirks included: the
// type is lower-cased and trimmed only when parameters follow a ';'.
std::optional<net::HttpResponse> ParsePeerUrls(const net::HttpRequest& request,
                                               std::vector<std::string>& urls) {
  std::string ct = request.Header("Content-Type") ? *request.Header("Content-Type") : "";
  if (auto semi = ct.find(';'); semi != std::string::npos) {
    ct = ct.substr(0, semi);
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    for (auto& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (ct != "application/json")
    return MessageError(415, "Bad Content-Type " + ct + ", accept application/json");
  Member m;
  if (!ParseRaftAttributes(request.body, m))
    return MessageError(400, "invalid character in member request body");
  for (const auto& u : m.peer_urls) {
    if (!u.starts_with("http://") && !u.starts_with("https://"))
      return MessageError(400, "URL scheme must be http, https, unix, or unixs: " + u);
  }
  urls = std::move(m.peer_urls);
  return std::nullopt;
}

// etcd's /v2/stats/leader: per follower, the heartbeat round trip (ms) and
// message counts, plus the follower's raft progress.
void AppendLeaderStatsJson(std::string& out, Server& server) {
  base::JsonWriter w(out);
  auto status = server.RaftStatus();
  auto peers = server.transport().Stats();
  w.BeginObject();
  w.Key("leader");
  w.String(server.id().String());
  w.Key("followers");
  w.BeginObject();
  for (const auto& [id, pr] : status.progress) {
    if (id == server.id().value) continue;
    const PeerStats& ps = peers[id];
    w.Key(MemberId{id}.String());
    w.BeginObject();
    LatencyStats lat;
    if (auto it = server.follower_latency().find(id); it != server.follower_latency().end())
      lat = it->second;
    w.Key("latency");
    w.BeginObject();
    for (auto [k, v] : {std::pair{"current", lat.current}, std::pair{"average", lat.average()},
                        std::pair{"standardDeviation", lat.standard_deviation()},
                        std::pair{"minimum", lat.minimum}, std::pair{"maximum", lat.maximum}}) {
      w.Key(k);
      w.Raw(fmt::format("{}", v));
    }
    w.EndObject();
    w.Key("counts");
    w.BeginObject();
    w.Key("fail");
    w.Uint(ps.failed);
    w.Key("success");
    w.Uint(ps.sent);
    w.EndObject();
    w.Key("raft");
    w.BeginObject();
    w.Key("match");
    w.Uint(pr.match);
    w.Key("next");
    w.Uint(pr.next);
    w.Key("state");
    w.String(raft::ToString(pr.state));
    w.Key("connected");
    w.Bool(ps.connected);
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

void ClientApi::HandleMembers(net::HttpRequest& request, std::string_view rest,
                              net::ExchangePtr exchange) {
  auto with_cluster = [this](net::HttpResponse r) {
    r.Set("X-Etcd-Cluster-Id", server_.cluster_id().String());
    return r;
  };
  const std::string& method = request.method;
  if (method != "GET" && method != "POST" && method != "DELETE" && method != "PUT") {
    net::HttpResponse r = TextResponse(405, "Method Not Allowed\n");
    r.Set("Allow", "GET,POST,DELETE,PUT");
    r.Set("X-Content-Type-Options", "nosniff");
    return exchange->Send(std::move(r));
  }
  auto members = server_.Members();
  std::string_view sub = rest.empty() ? rest : rest.substr(1);
  std::string body;
  if (method == "GET") {
    if (sub.empty()) {
      body = R"({"members":[)";
      for (size_t i = 0; i < members.size(); ++i) {
        if (i) body += ',';
        AppendMemberJson(body, members[i]);
      }
      body += "]}\n";
      return exchange->Send(with_cluster(JsonResponse(200, std::move(body))));
    }
    if (sub == "leader") {
      for (const auto& m : members) {
        if (m.id != server_.leader()) continue;
        AppendMemberJson(body, m);
        body += '\n';
        return exchange->Send(with_cluster(JsonResponse(200, std::move(body))));
      }
      return exchange->Send(with_cluster(MessageError(503, "During election")));
    }
    return exchange->Send(with_cluster(MessageError(404, "Not found")));
  }

  std::vector<std::string> urls;
  if (method == "POST") {
    if (auto bad = ParsePeerUrls(request, urls)) return exchange->Send(with_cluster(*bad));
    for (const auto& m : members)
      for (const auto& u : m.peer_urls)
        if (std::find(urls.begin(), urls.end(), u) != urls.end())
          return exchange->Send(with_cluster(MessageError(409, "membership: peerURL exists")));
    return server_.AddMember(urls, [exchange, with_cluster](base::Result<Member> m) {
      if (!m.ok()) {
        int status = m.status().code() == base::Code::kAlreadyExists ? 409 : 500;
        return exchange->Send(with_cluster(MessageError(status, m.status().message())));
      }
      std::string body;
      AppendMemberJson(body, *m);
      body += '\n';
      exchange->Send(with_cluster(JsonResponse(201, std::move(body))));
    });
  }

  // DELETE and PUT name a member: /v2/members/<hex id>.
  if (sub.empty()) {
    net::HttpResponse r = TextResponse(405, "Method Not Allowed\n");
    r.Set("X-Content-Type-Options", "nosniff");
    return exchange->Send(with_cluster(std::move(r)));
  }
  auto id = MemberId::Parse(sub);
  const Member* target = nullptr;
  for (const auto& m : members)
    if (id && m.id == *id) target = &m;
  std::string shown = id ? id->String() : std::string(sub);
  if (!target && id && server_.IsRemoved(*id))
    return exchange->Send(with_cluster(MessageError(410, "Member permanently removed: " + shown)));
  if (!target) return exchange->Send(with_cluster(MessageError(404, "No such member: " + shown)));
  if (method == "DELETE") {
    return server_.RemoveMember(target->id, [exchange, with_cluster](base::Status st) {
      if (!st.ok()) return exchange->Send(with_cluster(MessageError(500, st.message())));
      net::HttpResponse r;
      r.status = 204;
      AddCorsHeaders(r);
      exchange->Send(with_cluster(std::move(r)));
    });
  }
  if (auto bad = ParsePeerUrls(request, urls)) return exchange->Send(with_cluster(*bad));
  for (const auto& m : members)
    if (m.id != target->id)
      for (const auto& u : m.peer_urls)
        if (std::find(urls.begin(), urls.end(), u) != urls.end())
          return exchange->Send(with_cluster(MessageError(409, "membership: peerURL exists")));
  Member updated = *target;
  updated.peer_urls = urls;
  kv::Request req;
  req.op = kv::Op::kSet;
  req.path = MemberDir(updated.id) + "/raftAttributes";
  req.value = RaftAttributesJson(updated);
  req.time = server_.clock().Now();
  server_.Propose(std::move(req), [exchange, with_cluster](const kv::Outcome& o) {
    if (std::holds_alternative<kv::Error>(o))
      return exchange->Send(with_cluster(MessageError(500, std::get<kv::Error>(o).cause)));
    net::HttpResponse r;
    r.status = 204;
    AddCorsHeaders(r);
    exchange->Send(with_cluster(std::move(r)));
  });
}

void ClientApi::HandleStats(std::string_view which, net::ExchangePtr exchange) {
  std::string body;
  base::JsonWriter w(body);
  std::string id = server_.id().String();
  if (which == "store") {
    kv::AppendStoreStatsJson(body, server_.store().stats());
  } else if (which == "leader") {
    if (!server_.is_leader()) {
      return exchange->Send(MessageError(403, "not current leader"));
    }
    AppendLeaderStatsJson(body, server_);
  } else if (which == "self") {
    auto now = server_.clock().Now();
    std::string start = base::FormatRfc3339Nano(server_.start_time());
    w.BeginObject();
    w.Key("name");
    w.String(server_.config().name);
    w.Key("id");
    w.String(id);
    w.Key("state");
    w.String(server_.is_leader() ? "StateLeader" : "StateFollower");
    w.Key("startTime");
    w.String(start);
    w.Key("leaderInfo");
    w.BeginObject();
    w.Key("leader");
    w.String(server_.leader().String());
    w.Key("uptime");
    auto since = server_.is_leader() ? server_.leader_since() : server_.start_time();
    w.String(GoDuration(now - since));
    w.Key("startTime");
    w.String(base::FormatRfc3339Nano(since));
    w.EndObject();
    w.Key("recvAppendRequestCnt");
    w.Uint(server_.metrics().appends_received);
    w.Key("sendAppendRequestCnt");
    w.Uint(server_.metrics().appends_sent);
    w.EndObject();
  } else {
    net::HttpResponse r = TextResponse(404, "404 page not found\n");
    r.Set("X-Content-Type-Options", "nosniff");
    return exchange->Send(std::move(r));
  }
  exchange->Send(JsonResponse(200, std::move(body)));
}

void ClientApi::HandleMetrics(net::ExchangePtr exchange) {
  const auto& m = server_.metrics();
  const auto& st = server_.store().stats();
  std::string out;
  auto metric = [&out](std::string_view name, std::string_view type, std::string_view help,
                       double value, std::string_view labels = "") {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    out += name;
    out += labels;
    out += ' ';
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", value);
    out += buf;
    out += '\n';
  };
  metric("etcd_server_has_leader", "gauge", "Whether or not a leader exists. 1 is existence.",
         server_.leader().value != 0 ? 1 : 0);
  metric("etcd_server_is_leader", "gauge", "Whether or not this member is a leader.",
         server_.is_leader() ? 1 : 0);
  metric("etcd_server_leader_changes_seen_total", "counter", "The number of leader changes seen.",
         static_cast<double>(m.leader_changes));
  metric("etcd_server_proposals_committed_total", "gauge",
         "The total number of consensus proposals committed.",
         static_cast<double>(m.proposals_committed));
  metric("etcd_server_proposals_applied_total", "gauge",
         "The total number of consensus proposals applied.",
         static_cast<double>(m.applied_entries));
  metric("etcd_server_proposals_failed_total", "counter",
         "The total number of failed proposals seen.", static_cast<double>(m.proposals_failed));
  metric("etcd_debugging_store_watchers", "gauge", "Count of currently active watchers.",
         static_cast<double>(st.watchers));
  metric("etcd_debugging_store_expires_total", "counter", "Total number of expired keys.",
         static_cast<double>(st.expire_count));
  metric("flotilla_wal_fsyncs_total", "counter", "WAL fdatasync calls (one per group commit).",
         static_cast<double>(m.wal_syncs));
  metric("flotilla_wal_fsync_seconds_total", "counter", "Time spent appending and syncing the WAL.",
         static_cast<double>(m.wal_sync_nanos) / 1e9);
  metric("flotilla_snapshots_total", "counter", "Snapshots saved.",
         static_cast<double>(m.snapshots));
  metric("flotilla_store_index", "gauge", "The etcd index of the v2 store.",
         static_cast<double>(server_.store().index()));
  metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
         static_cast<double>(ResidentBytes()));
  exchange->Send(MakeResponse(200, "text/plain; version=0.0.4; charset=utf-8", std::move(out)));
}

}  // namespace flotilla::etcd

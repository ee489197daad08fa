// The non-key parts of the client API: members, stats and metrics.
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include "base/json_writer.h"
#include "etcd/client_api.h"
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

void ClientApi::HandleMembers(net::HttpRequest& request, std::string_view rest,
                              net::ExchangePtr exchange) {
  auto with_cluster = [this](net::HttpResponse r) {
    r.Set("X-Etcd-Cluster-Id", server_.cluster_id().String());
    return r;
  };
  if (request.method != "GET" && request.method != "HEAD") {
    if (request.method != "POST" && request.method != "PUT" && request.method != "DELETE") {
      net::HttpResponse r = TextResponse(405, "Method Not Allowed\n");
      r.Set("Allow", "GET,POST,DELETE,PUT");
      return exchange->Send(std::move(r));
    }
    // Membership changes come with replication (raft); a one-member store
    // cannot take them without losing its quorum.
    return exchange->Send(with_cluster(
        MessageError(500, "membership changes need a replicated cluster (not supported yet)")));
  }
  auto members = server_.Members();
  std::string body;
  if (rest.empty() || rest == "/") {
    body = R"({"members":[)";
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) body += ',';
      AppendMemberJson(body, members[i]);
    }
    body += "]}\n";
    return exchange->Send(with_cluster(JsonResponse(200, std::move(body))));
  }
  if (rest == "/leader") {
    for (const auto& m : members) {
      if (m.id == server_.id()) {
        AppendMemberJson(body, m);
        body += '\n';
        return exchange->Send(with_cluster(JsonResponse(200, std::move(body))));
      }
    }
    return exchange->Send(with_cluster(MessageError(503, "During election")));
  }
  exchange->Send(with_cluster(MessageError(404, "Not found")));
}

void ClientApi::HandleStats(std::string_view which, net::ExchangePtr exchange) {
  std::string body;
  base::JsonWriter w(body);
  std::string id = server_.id().String();
  if (which == "store") {
    kv::AppendStoreStatsJson(body, server_.store().stats());
  } else if (which == "leader") {
    w.BeginObject();
    w.Key("leader");
    w.String(id);
    w.Key("followers");
    w.BeginObject();
    w.EndObject();
    w.EndObject();
  } else if (which == "self") {
    auto now = server_.clock().Now();
    std::string start = base::FormatRfc3339Nano(server_.start_time());
    w.BeginObject();
    w.Key("name");
    w.String(server_.config().name);
    w.Key("id");
    w.String(id);
    w.Key("state");
    w.String("StateLeader");
    w.Key("startTime");
    w.String(start);
    w.Key("leaderInfo");
    w.BeginObject();
    w.Key("leader");
    w.String(id);
    w.Key("uptime");
    w.String(GoDuration(now - server_.start_time()));
    w.Key("startTime");
    w.String(start);
    w.EndObject();
    w.Key("recvAppendRequestCnt");
    w.Uint(0);
    w.Key("sendAppendRequestCnt");
    w.Uint(0);
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
  metric("etcd_server_has_leader", "gauge", "Whether or not a leader exists. 1 is existence.", 1);
  metric("etcd_server_is_leader", "gauge", "Whether or not this member is a leader.", 1);
  metric("etcd_server_proposals_committed_total", "gauge", "The total number of consensus proposals committed.",
         static_cast<double>(m.proposals_committed));
  metric("etcd_server_proposals_applied_total", "gauge", "The total number of consensus proposals applied.",
         static_cast<double>(m.applied_entries));
  metric("etcd_server_proposals_failed_total", "counter", "The total number of failed proposals seen.",
         static_cast<double>(m.proposals_failed));
  metric("etcd_debugging_store_watchers", "gauge", "Count of currently active watchers.",
         static_cast<double>(st.watchers));
  metric("etcd_debugging_store_expires_total", "counter", "Total number of expired keys.",
         static_cast<double>(st.expire_count));
  metric("flotilla_wal_fsyncs_total", "counter", "WAL fdatasync calls (one per group commit).",
         static_cast<double>(m.wal_syncs));
  metric("flotilla_wal_fsync_seconds_total", "counter", "Time spent appending and syncing the WAL.",
         static_cast<double>(m.wal_sync_nanos) / 1e9);
  metric("flotilla_snapshots_total", "counter", "Snapshots saved.", static_cast<double>(m.snapshots));
  metric("flotilla_store_index", "gauge", "The etcd index of the v2 store.",
         static_cast<double>(server_.store().index()));
  metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
         static_cast<double>(ResidentBytes()));
  net::HttpResponse r = TextResponse(200, std::move(out));
  r.headers.back().second = "text/plain; version=0.0.4; charset=utf-8";
  exchange->Send(std::move(r));
}

}  // namespace flotilla::etcd

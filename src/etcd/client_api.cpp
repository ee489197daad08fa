#include "etcd/client_api.h"

#include "base/go_strconv.h"
#include "base/go_url.h"
#include "etcd/form.h"
#include "etcd/key_request.h"
#include "kv/json.h"

namespace flotilla::etcd {
namespace {

constexpr std::string_view kKeysPrefix = "/v2/keys";

bool IsCreated(const kv::Event& ev) {
  return ev.action == kv::Action::kCreate || (ev.action == kv::Action::kSet && !ev.prev_node);
}

}  // namespace

void ClientApi::Handle(net::HttpRequest&& request, net::ExchangePtr exchange) {
  if (request.method == "OPTIONS") {
    net::HttpResponse r;
    AddCorsHeaders(r);
    return exchange->Send(std::move(r));
  }
  // Go's server decodes the path first; a bad escape is a malformed request.
  auto path = Unescape(request.path, false);
  if (!path) return exchange->Send(TextResponse(400, "400 Bad Request"));
  std::string clean = base::CanonicalUrlPath(*path);
  if (clean != *path) {
    // http.ServeMux redirects unclean paths to their clean form.
    net::HttpResponse r = TextResponse(301, "");
    std::string location = base::EscapePath(clean);
    if (!request.query.empty()) location += "?" + request.query;
    r.Set("Location", location);
    return exchange->Send(std::move(r));
  }
  std::string_view p = *path;
  if (p == kKeysPrefix || p.starts_with("/v2/keys/"))
    return HandleKeys(request, std::string(p.substr(kKeysPrefix.size())), std::move(exchange));
  if (p == "/v2/members" || p.starts_with("/v2/members/"))
    return HandleMembers(request, p.substr(std::string_view("/v2/members").size()),
                         std::move(exchange));
  if (p.starts_with("/v2/stats/")) return HandleStats(p.substr(10), std::move(exchange));
  if (p == "/v2/machines") {
    std::string body;
    for (const auto& m : server_.Members())
      for (const auto& u : m.client_urls) body += (body.empty() ? "" : ", ") + u;
    return exchange->Send(TextResponse(200, std::move(body)));
  }
  if (p == "/version") {
    return exchange->Send(JsonResponse(200, R"({"etcdserver":"3.4.23","etcdcluster":"3.4.0"})"));
  }
  if (p == "/health") {
    bool ok = server_.healthy();
    return exchange->Send(
        TextResponse(ok ? 200 : 503, ok ? R"({"health":"true"})" : R"({"health":"false"})"));
  }
  if (p == "/metrics") return HandleMetrics(std::move(exchange));
  net::HttpResponse r = TextResponse(404, "404 page not found\n");
  r.Set("X-Content-Type-Options", "nosniff");
  exchange->Send(std::move(r));
}

void ClientApi::HandleKeys(net::HttpRequest& request, const std::string& key,
                           net::ExchangePtr exchange) {
  const std::string& m = request.method;
  if (m != "HEAD" && m != "GET" && m != "PUT" && m != "POST" && m != "DELETE") {
    net::HttpResponse r = TextResponse(405, "Method Not Allowed\n");
    r.Set("Allow", "HEAD,GET,PUT,POST,DELETE");
    r.Set("X-Content-Type-Options", "nosniff");
    return exchange->Send(std::move(r));
  }
  std::string cluster_id = server_.cluster_id().String();
  auto send_error = [cluster_id](const net::ExchangePtr& ex, const kv::Error& e) {
    net::HttpResponse r = JsonResponse(kv::ErrorHttpStatus(e.code), "");
    r.Set("X-Etcd-Cluster-Id", cluster_id);
    r.Set("X-Etcd-Index", std::to_string(e.index));
    kv::AppendErrorJson(r.body, e, kKeysNamespace);
    ex->Send(std::move(r));
  };

  const std::string* ct = request.Header("Content-Type");
  RawKeyRequest raw{m, key, request.query, ct ? std::string_view(*ct) : std::string_view(),
                    request.body};
  auto decoded = DecodeKeyRequest(raw, server_.clock().Now());
  if (auto* err = std::get_if<kv::Error>(&decoded)) return send_error(exchange, *err);
  KeyRequest& kr = std::get<KeyRequest>(decoded);

  auto send_event = [this, cluster_id, nvos = kr.no_value_on_success](const net::ExchangePtr& ex,
                                                                      const kv::Event& ev) {
    net::HttpResponse r = JsonResponse(IsCreated(ev) ? 201 : 200, "");
    r.Set("X-Etcd-Cluster-Id", cluster_id);
    r.Set("X-Etcd-Index", std::to_string(ev.etcd_index));
    r.Set("X-Raft-Index", std::to_string(server_.raft_index()));
    r.Set("X-Raft-Term", std::to_string(server_.term()));
    bool bare =
        nvos && (ev.action == kv::Action::kSet || ev.action == kv::Action::kCompareAndSwap ||
                 ev.action == kv::Action::kCreate || ev.action == kv::Action::kUpdate);
    if (bare) {
      kv::AppendActionOnlyJson(r.body, ev.action);
    } else {
      kv::AppendEventJson(r.body, ev, kKeysNamespace);
    }
    ex->Send(std::move(r));
  };
  auto answer = [send_event, send_error](const net::ExchangePtr& ex, const kv::Outcome& o) {
    if (auto* ev = std::get_if<kv::EventPtr>(&o)) return send_event(ex, **ev);
    send_error(ex, std::get<kv::Error>(o));
  };

  switch (kr.kind) {
    case KeyRequest::Kind::kGet: {
      auto get = [this, exchange, answer, q = std::move(kr.request)] {
        answer(exchange, server_.store().Get(q.path, q.recursive, q.sorted, server_.clock().Now()));
      };
      if (!kr.quorum) return get();
      // quorum=true: linearizable, through raft's ReadIndex.
      return server_.LinearizableRead([exchange, get, send_error](base::Status st) {
        if (!st.ok())
          return send_error(exchange,
                            kv::Error{kv::ErrorCode::kRaftInternal, std::string(st.message()), 0});
        get();
      });
    }
    case KeyRequest::Kind::kWrite:
      return server_.Propose(std::move(kr.request),
                             [exchange, answer](const kv::Outcome& o) { answer(exchange, o); });
    case KeyRequest::Kind::kWatch:
      break;
  }

  // A watch: headers go out at once; events follow as chunks.
  kv::Store& store = server_.store();
  auto started = std::make_shared<bool>(false);
  auto start = [this, cluster_id, started, exchange, index = store.index()] {
    if (*started) return;
    *started = true;
    net::HttpResponse r = JsonResponse(200, "");
    r.Set("X-Etcd-Cluster-Id", cluster_id);
    r.Set("X-Etcd-Index", std::to_string(index));
    r.Set("X-Raft-Index", std::to_string(server_.raft_index()));
    r.Set("X-Raft-Term", std::to_string(server_.term()));
    exchange->StartStream(200, std::move(r.headers));
  };
  bool stream = kr.stream;
  auto sink = [exchange, start, stream](const kv::EventPtr& ev) {
    start();
    if (!ev) {  // the watcher fell behind and was dropped
      exchange->EndStream();
      return false;
    }
    std::string chunk;
    kv::AppendEventJson(chunk, *ev, kKeysNamespace);
    exchange->WriteChunk(std::move(chunk));
    if (!stream) exchange->EndStream();
    return stream && !exchange->closed();
  };
  const kv::Request& q = kr.request;
  auto watch = store.Watch(q.path, q.recursive, stream, kr.wait_index, sink);
  if (auto* err = std::get_if<kv::Error>(&watch)) return send_error(exchange, *err);
  start();
  uint64_t id = std::get<uint64_t>(watch);
  exchange->OnClose([this, id] { server_.store().Cancel(id); });
}

}  // namespace flotilla::etcd

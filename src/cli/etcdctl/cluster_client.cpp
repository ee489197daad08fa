#include "cli/etcdctl/cluster_client.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "base/go_strconv.h"

namespace flotilla::cli::etcdctl {
namespace {

std::string StatusText(int code) {
  switch (code) {
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 506:
      return "Variant Also Negotiates";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 510:
      return "Not Extended";
    case 511:
      return "Network Authentication Required";
    default:
      return "";
  }
}

std::string RequestUri(const base::GoUrl& u) {
  std::string target = base::EscapePath(u.path);
  if (target.empty()) target = "/";
  if (!u.raw_query.empty()) target += "?" + u.raw_query;
  return target;
}

std::string Base64(std::string_view in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace

void ClusterClient::SetCredentials(const std::string& user, const std::string& password) {
  authorization_ = "Basic " + Base64(user + ":" + password);
}

ClientError ClientError::Plain(std::string message, bool connection) {
  ClientError e;
  e.message = std::move(message);
  e.connection = connection;
  return e;
}

ClientError ClientError::Cluster(const std::vector<ClientError>& errors) {
  ClientError e;
  e.cluster = true;
  e.connection = true;
  e.message = "client: etcd cluster is unavailable or misconfigured";
  for (size_t i = 0; i < errors.size(); ++i) {
    e.message += "; error #" + std::to_string(i) + ": " + errors[i].message + "\n";
    e.causes.push_back(errors[i].message);
    e.connection = e.connection && errors[i].connection;
  }
  return e;
}

std::string ClientError::Detail() const {
  std::string out;
  for (size_t i = 0; i < causes.size(); ++i) {
    out += "error #" + std::to_string(i) + ": " + causes[i] + "\n";
  }
  return out;
}

Deadline Deadline::AfterNs(int64_t ns) {
  return {Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns))};
}

void ShuffleEndpoints(std::vector<base::GoUrl>& endpoints) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::shuffle(endpoints.begin(), endpoints.end(), rng);
}

ClusterClient::ClusterClient(std::vector<base::GoUrl> endpoints, int64_t header_timeout_ns)
    : endpoints_(std::move(endpoints)), header_timeout_ns_(header_timeout_ns) {
  ShuffleEndpoints(endpoints_);
}

ClusterClient::~ClusterClient() = default;

std::vector<std::string> ClusterClient::Endpoints() const {
  std::vector<std::string> out;
  for (const auto& e : endpoints_) out.push_back(e.String());
  return out;
}

void ClusterClient::SetSyncedEndpoints(std::vector<base::GoUrl> endpoints) {
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  std::vector<std::string> next;
  for (const auto& e : endpoints) next.push_back(e.String());
  if (sorted(Endpoints()) == sorted(next)) return;
  ShuffleEndpoints(endpoints);
  endpoints_ = std::move(endpoints);
  pinned_ = 0;
}

net::HttpClient* ClusterClient::Connection(const std::string& host) {
  auto it = connections_.find(host);
  if (it != connections_.end()) return it->second.get();
  auto url = net::ParseUrl("http://" + host);
  if (!url.ok()) return nullptr;
  auto client = std::make_unique<net::HttpClient>(*url);
  net::HttpClient* raw = client.get();
  connections_[host] = std::move(client);
  return raw;
}

ClientResult<net::HttpResponse> ClusterClient::Send(const base::GoUrl& endpoint,
                                                    const V2Request& req, Deadline deadline) {
  if (curl_debug_) {
    std::string line = "cURL Command: curl -X " + req.method + " " + req.url.String();
    if (req.body) line += " -d " + base::GoQuote(*req.body);
    std::fflush(stdout);
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  const auto context_error = ClientError::Plain("context deadline exceeded", true);
  auto now = Deadline::Clock::now();
  if (now >= deadline.at) {
    ClientError e = context_error;
    e.context = true;
    return e;
  }
  // The tighter of the header timeout and the context decides the message.
  auto limit = std::chrono::milliseconds::zero();
  bool header_bound = false;
  if (deadline.at != Deadline::Clock::time_point::max()) {
    limit = std::chrono::duration_cast<std::chrono::milliseconds>(deadline.at - now) +
            std::chrono::milliseconds(1);
  }
  if (!req.wait && header_timeout_ns_ > 0) {
    auto header = std::chrono::milliseconds((header_timeout_ns_ + 999999) / 1000000);
    if (limit == std::chrono::milliseconds::zero() || header < limit) {
      limit = header;
      header_bound = true;
    }
  }
  if (req.url.scheme != "http") {
    return ClientError::Plain("unsupported protocol scheme " + base::GoQuote(req.url.scheme));
  }
  if (req.url.host.empty()) return ClientError::Plain("http: no Host in request URL");
  net::HttpClient* conn = Connection(req.url.host);
  if (conn == nullptr) {
    return ClientError::Plain("dial tcp: address " + req.url.host + ": invalid address", true);
  }
  std::string target = RequestUri(req.url);
  net::ClientRequest hr;
  hr.method = req.method;
  hr.target = target;
  if (req.body) hr.body = *req.body;
  hr.content_type = req.content_type;
  if (!authorization_.empty()) hr.headers.emplace_back("Authorization", authorization_);
  net::HttpResponse resp;
  base::Status st = conn->Do(hr, limit, &resp);
  // Go's header timer fires even when the answer is only a little late
  // (--timeout 1ns always fails), so a slow success counts as a timeout too.
  bool late =
      header_bound && Deadline::Clock::now() - now > std::chrono::nanoseconds(header_timeout_ns_);
  if (st.ok() && !late) return resp;
  if (st.code() == base::Code::kTimeout || late) {
    if (header_bound) {
      return ClientError::Plain("client: endpoint " + endpoint.String() +
                                " exceeded header timeout");
    }
    ClientError e = context_error;
    e.context = true;
    return e;
  }
  const std::string& m = st.message();
  bool connection = st.code() == base::Code::kUnavailable &&
                    (m.rfind("dial ", 0) == 0 || m.rfind("read ", 0) == 0);
  return ClientError::Plain(m, connection);
}

// Go's redirectFollowingHTTPClient around simpleHTTPClient.
ClientResult<net::HttpResponse> ClusterClient::DoEndpoint(const base::GoUrl& endpoint,
                                                          const RequestBuilder& build,
                                                          Deadline deadline) {
  V2Request req = build(endpoint);
  for (int i = 0; i < 100; ++i) {
    if (i > 10) return ClientError::Plain("client: too many redirects");
    auto resp = Send(endpoint, req, deadline);
    if (!resp.ok() || resp->status / 100 != 3) return resp;
    const std::string* location = resp->Header("Location");
    if (location == nullptr || location->empty()) {
      return ClientError::Plain("location header not set");
    }
    std::string error;
    auto loc = base::ParseGoUrl(*location, &error);
    if (!loc) return ClientError::Plain("location header not valid URL: " + *location);
    req.url = *loc;
  }
  return ClientError::Plain("client: too many redirect checks");
}

ClientResult<net::HttpResponse> ClusterClient::Do(const RequestBuilder& build, Deadline deadline,
                                                  bool one_shot) {
  size_t n = endpoints_.size();
  if (n == 0) return ClientError::Plain("client: no endpoints available");
  std::vector<ClientError> errors;
  for (size_t i = pinned_; i < pinned_ + n; ++i) {
    size_t k = i % n;
    auto resp = DoEndpoint(endpoints_[k], build, deadline);
    std::optional<ClientError> err;
    if (!resp.ok()) {
      errors.push_back(resp.error());
      if (resp.error().context) return resp.error();
      err = resp.error();
    } else if (resp->status / 100 == 5) {
      std::string ep = endpoints_[k].String();
      if (resp->status == 500 || resp->status == 503) {
        errors.push_back(ClientError::Plain("client: etcd member " + ep + " has no leader"));
      } else {
        errors.push_back(ClientError::Plain("client: etcd member " + ep +
                                            " returns server error [" + StatusText(resp->status) +
                                            "]"));
      }
      err = errors.front();
    }
    if (err) {
      if (!one_shot) continue;
      pinned_ = (k + 1) % n;
      return *err;
    }
    pinned_ = k;
    return resp;
  }
  return ClientError::Cluster(errors);
}

}  // namespace flotilla::cli::etcdctl

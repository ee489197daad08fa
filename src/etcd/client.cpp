#include "etcd/client.h"

#include <unordered_map>

#include "base/go_strconv.h"
#include "base/go_url.h"

namespace flotilla::etcd {
namespace {

using base::Code;
using base::Status;

constexpr std::string_view kForm = "application/x-www-form-urlencoded";

Code StatusCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kKeyNotFound:
      return Code::kNotFound;
    case ErrorCode::kNodeExist:
      return Code::kAlreadyExists;
    case ErrorCode::kRaftInternal:
    case ErrorCode::kLeaderElect:
      return Code::kUnavailable;
    default:
      return Code::kInvalidArgument;
  }
}

// etcdctl's rendering of client.Error: "100: Key not found (/a) [6]".
std::string ErrorText(const EtcdError& e) {
  return std::to_string(static_cast<int>(e.code)) + ": " + e.message + " (" + e.cause + ") [" +
         std::to_string(e.index) + "]";
}

std::string Target(std::string_view key, const base::UrlValues& query) {
  std::string target = KeyPath(key);
  if (!query.empty()) target += "?" + query.Encode();
  return target;
}

void SetTtl(const std::optional<std::chrono::seconds>& ttl, base::UrlValues* form) {
  if (ttl) form->Set("ttl", std::to_string(ttl->count()));
}

// One call from its start to its callback, across endpoints.
struct Call {
  CallId id{};
  net::AsyncRequest request;
  bool watch = false;
  Callback done;
  size_t endpoint = 0;  // where it is in flight
  size_t tried = 0;     // endpoints that failed to connect so far
  std::string errors;   // "; error #0: ..." for each of them
  net::CallId http{};
};

// One endpoint: a small pool for requests, another for long polls, so that
// waiting watches never hold up reads and writes.
struct Endpoint {
  std::unique_ptr<net::AsyncHttpClient> requests;
  std::unique_ptr<net::AsyncHttpClient> watches;
  net::AsyncHttpClient& pool(bool watch) { return watch ? *watches : *requests; }
};

}  // namespace

Reply::Reply(EtcdError error)
    : base::Result<Response>(Status(StatusCodeFor(error.code), ErrorText(error))),
      error_(std::move(error)) {}

struct Client::Impl {
  Impl(net::EventLoop& loop, std::vector<net::Url> urls, ClientOptions o) : options(o) {
    net::AsyncClientOptions requests, watches;
    requests.max_connections = options.max_connections_per_endpoint;
    watches.max_connections = options.max_watches_per_endpoint;
    requests.dial_timeout = watches.dial_timeout = options.dial_timeout;
    for (auto& url : urls) {
      endpoints.push_back({std::make_unique<net::AsyncHttpClient>(loop, url, requests),
                           std::make_unique<net::AsyncHttpClient>(loop, url, watches)});
    }
  }

  ClientOptions options;
  std::vector<Endpoint> endpoints;
  size_t preferred = 0;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Call>> calls;

  CallId Start(net::AsyncRequest request, bool watch, Callback done) {
    auto call = std::make_shared<Call>();
    call->id = CallId{next_id++};
    call->request = std::move(request);
    call->watch = watch;
    call->done = std::move(done);
    call->endpoint = preferred;
    calls.emplace(static_cast<uint64_t>(call->id), call);
    Send(call);
    return call->id;
  }

  void Send(const std::shared_ptr<Call>& call) {
    auto timeout = call->watch ? std::chrono::milliseconds::zero() : options.request_timeout;
    // The http client calls back only while it (and so this Impl) exists.
    call->http = endpoints[call->endpoint]
                     .pool(call->watch)
                     .Do(call->request, timeout, [this, call](base::Result<net::HttpResponse> r) {
                       OnAnswer(call, std::move(r));
                     });
  }

  void OnAnswer(const std::shared_ptr<Call>& call, base::Result<net::HttpResponse> r) {
    if (!r.ok()) {
      const Status& st = r.status();
      if (st.code() == Code::kTimeout && preferred == call->endpoint) {
        preferred = (call->endpoint + 1) % endpoints.size();
      }
      if (st.code() != Code::kUnavailable) return Finish(call, st);
      call->errors += "; error #" + std::to_string(call->tried) + ": " + st.message();
      if (++call->tried < endpoints.size()) {
        call->endpoint = (call->endpoint + 1) % endpoints.size();
        return Send(call);
      }
      return Finish(call,
                    Status(Code::kUnavailable,
                           "client: etcd cluster is unavailable or misconfigured" + call->errors));
    }
    preferred = call->endpoint;
    call->tried = 0;
    call->errors.clear();
    net::HttpResponse& http = *r;
    // etcd flushes a watch's headers at once, so a watch it ends early (on
    // shutdown, or when the watcher's buffer overflowed) is an empty 200.
    if (call->watch && http.status == 200 && http.body.empty()) return Send(call);
    if (http.status / 100 != 2) {
      if (auto e = DecodeError(http.body)) return Finish(call, Reply(std::move(*e)));
      return Finish(call, Status(Code::kIoError,
                                 "unexpected response from etcd: " + std::to_string(http.status) +
                                     " " + std::string(net::StatusText(http.status))));
    }
    auto response = DecodeResponse(http.body);
    if (!response.ok()) return Finish(call, response.status());
    if (const std::string* index = http.Header("X-Etcd-Index")) {
      response->etcd_index = base::ParseGoUint(*index).value_or(0);
    }
    Finish(call, std::move(*response));
  }

  // Last: the callback may destroy the Client.
  void Finish(const std::shared_ptr<Call>& call, Reply reply) {
    calls.erase(static_cast<uint64_t>(call->id));
    Callback done = std::move(call->done);
    done(std::move(reply));
  }

  bool Cancel(CallId id) {
    auto it = calls.find(static_cast<uint64_t>(id));
    if (it == calls.end()) return false;
    // The http client answers kCancelled from the loop, which finishes it.
    const Call& call = *it->second;
    return endpoints[call.endpoint].pool(call.watch).Cancel(call.http);
  }
};

base::Result<std::unique_ptr<Client>> Client::Make(net::EventLoop& loop,
                                                   const std::vector<std::string>& endpoints,
                                                   ClientOptions options) {
  if (endpoints.empty()) return Status(Code::kInvalidArgument, "no etcd endpoints");
  std::vector<net::Url> urls;
  for (const auto& e : endpoints) {
    auto url = net::ParseUrl(e);
    if (!url.ok()) return url.status();
    urls.push_back(std::move(*url));
  }
  return std::make_unique<Client>(loop, std::move(urls), options);
}

Client::Client(net::EventLoop& loop, std::vector<net::Url> endpoints, ClientOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(endpoints), options)) {
  assert(!impl_->endpoints.empty());
}

Client::~Client() = default;

CallId Client::Get(std::string_view key, GetOptions options, Callback done) {
  base::UrlValues query;
  if (options.recursive) query.Set("recursive", "true");
  if (options.sorted) query.Set("sorted", "true");
  if (options.quorum) query.Set("quorum", "true");
  net::AsyncRequest request;
  request.target = Target(key, query);
  return impl_->Start(std::move(request), false, std::move(done));
}

CallId Client::Set(std::string_view key, std::string_view value, SetOptions options,
                   Callback done) {
  base::UrlValues query, form;
  if (options.dir) {
    query.Set("dir", "true");
  } else {
    if (!options.prev_value.empty()) query.Set("prevValue", options.prev_value);
    form.Set("value", std::string(value));
  }
  if (options.prev_index != 0) query.Set("prevIndex", std::to_string(options.prev_index));
  if (options.prev_exist) query.Set("prevExist", *options.prev_exist ? "true" : "false");
  SetTtl(options.ttl, &form);
  if (options.refresh) form.Set("refresh", "true");
  net::AsyncRequest request;
  request.method = "PUT";
  request.target = Target(key, query);
  request.body = form.Encode();
  request.content_type = kForm;
  return impl_->Start(std::move(request), false, std::move(done));
}

CallId Client::CreateInOrder(std::string_view dir, std::string_view value,
                             CreateInOrderOptions options, Callback done) {
  base::UrlValues query, form;
  if (options.dir) {
    query.Set("dir", "true");
  } else {
    form.Set("value", std::string(value));
  }
  SetTtl(options.ttl, &form);
  net::AsyncRequest request;
  request.method = "POST";
  request.target = Target(dir, query);
  request.body = form.Encode();
  request.content_type = kForm;
  return impl_->Start(std::move(request), false, std::move(done));
}

CallId Client::Delete(std::string_view key, DeleteOptions options, Callback done) {
  base::UrlValues query;
  if (options.recursive) query.Set("recursive", "true");
  if (options.dir) query.Set("dir", "true");
  if (!options.prev_value.empty()) query.Set("prevValue", options.prev_value);
  if (options.prev_index != 0) query.Set("prevIndex", std::to_string(options.prev_index));
  net::AsyncRequest request;
  request.method = "DELETE";
  request.target = Target(key, query);
  return impl_->Start(std::move(request), false, std::move(done));
}

CallId Client::Watch(std::string_view key, WatchOptions options, Callback done) {
  base::UrlValues query;
  query.Set("wait", "true");
  if (options.recursive) query.Set("recursive", "true");
  if (options.wait_index != 0) query.Set("waitIndex", std::to_string(options.wait_index));
  net::AsyncRequest request;
  request.target = Target(key, query);
  return impl_->Start(std::move(request), true, std::move(done));
}

bool Client::Cancel(CallId id) {
  return impl_->Cancel(id);
}

const net::Url& Client::preferred_endpoint() const {
  return impl_->endpoints[impl_->preferred].requests->endpoint();
}

}  // namespace flotilla::etcd

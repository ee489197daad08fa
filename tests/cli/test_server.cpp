#include "test_server.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <thread>

#include "net/http_client.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

base::Result<net::HttpResponse> Request(const std::string& url, std::string_view method,
                                        const std::string& target, std::string_view body = {},
                                        std::string_view content_type = {}) {
  auto u = net::ParseUrl(url);
  if (!u.ok()) return u.status();
  net::HttpClient client(*u);
  return client.Do(method, target, body, content_type, 5s);
}

}  // namespace

TestServer::TestServer(ServerProcess process) : process_(std::move(process)) {}

std::string TestServer::peer_url() const {
  return "http://127.0.0.1:" + std::to_string(process_.peer_port);
}

std::string TestServer::Get(const std::string& target) const {
  auto resp = Request(process_.url, "GET", target);
  return resp.ok() && resp->status == 200 ? resp->body : "";
}

bool TestServer::Put(const std::string& key, const std::string& value) const {
  auto resp = Request(process_.url, "PUT", "/v2/keys" + key, "value=" + value,
                      "application/x-www-form-urlencoded");
  return resp.ok() && resp->status / 100 == 2;
}

std::string TestServer::MemberId() const {
  std::error_code ec;
  auto v = boost::json::parse(Get("/v2/members"), ec);
  if (ec || !v.is_object()) return "";
  const auto* members = v.as_object().if_contains("members");
  if (!members || !members->is_array() || members->as_array().empty()) return "";
  const auto& m = members->as_array()[0];
  const auto* id = m.is_object() ? m.as_object().if_contains("id") : nullptr;
  return id && id->is_string() ? std::string(id->as_string()) : "";
}

bool TestServer::WaitForWatchers(int n) const {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    std::error_code ec;
    auto v = boost::json::parse(Get("/v2/stats/store"), ec);
    const auto* w = !ec && v.is_object() ? v.as_object().if_contains("watchers") : nullptr;
    if (w && w->is_number() && w->to_number<int64_t>() == n) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::unique_ptr<TestServer> StartRealEtcd(std::string* why) {
  if (!HaveEtcd()) {
    *why = "skipped: /usr/bin/etcd is not installed (apt-get install etcd-server)";
    return nullptr;
  }
  auto s = StartEtcd();
  if (!s) {
    *why = "/usr/bin/etcd did not come up (its log path is on stderr)";
    return nullptr;
  }
  return std::make_unique<TestServer>(std::move(*s));
}

std::unique_ptr<TestServer> StartFlotillaServer(std::string* why) {
  auto s = StartFlotilla("", kStoreOnly);
  if (!s) {
    *why = "flotilla serve did not come up (its log path is on stderr)";
    return nullptr;
  }
  return std::make_unique<TestServer>(std::move(*s));
}

}  // namespace flotilla::testing

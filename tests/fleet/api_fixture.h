// Test fixture for the fleet v1 API (src/fleet/api.h): one real `flotilla
// serve` store for the whole binary, each test under its own key prefix;
// the Api on a net::HttpServer on 127.0.0.1:0, driven by the test thread's
// EventLoop (RunLoopUntil, with deadlines); requests from a blocking
// net::HttpClient on a helper thread while the loop runs. Registry state
// the engine and agents would write (schedule, states, machines) is
// seeded with etcd::Client.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster_process.h"
#include "etcd/client.h"
#include "fleet/api.h"
#include "fleet/registry.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "run_loop.h"

namespace flotilla::fleet {

using namespace std::chrono_literals;

// The store the API tests of a suite share; started on first use, stopped
// when the suite ends (TearDownTestSuite).
inline std::optional<testing::ServerProcess>& ApiTestStore() {
  static auto* store = new std::optional<testing::ServerProcess>;
  return *store;
}

class FleetApiFixture : public ::testing::Test {
 protected:
  struct Reply {
    int status = -1;  // -1: no HTTP answer (body holds the error)
    std::string body;
    net::Headers headers;
    const std::string* Header(std::string_view name) const {
      return net::FindHeader(headers, name);
    }
    std::string ContentType() const {
      auto* h = Header("Content-Type");
      return h ? *h : "";
    }
    boost::json::value Json() const {
      boost::system::error_code ec;
      auto v = boost::json::parse(body, ec);
      return ec ? boost::json::value() : v;
    }
  };

  static void TearDownTestSuite() { ApiTestStore().reset(); }

  // Called before the Api is made.
  virtual void Configure(Api::Options& options) { (void)options; }

  void SetUp() override {
    auto& store = ApiTestStore();
    if (!store) store = testing::StartFlotilla();
    ASSERT_TRUE(store.has_value()) << "could not start flotilla serve";
    auto client = etcd::Client::Make(loop_, {store->url});
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    keys_ = Keys(std::string("/") +
                 ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    registry_ = std::make_unique<Registry>(loop_, *client_, keys_);
    options_.version = "9.9.9";
    options_.ready = [this] { return ready_; };
    Configure(options_);
    api_ = std::make_unique<Api>(loop_, *registry_, options_);
    server_ = std::make_unique<net::HttpServer>(
        loop_, [this](net::HttpRequest&& req, net::ExchangePtr ex) {
          if (!Api::Serves(req)) {
            net::HttpResponse r;
            r.status = 418;
            return ex->Send(std::move(r));
          }
          api_->Handle(std::move(req), std::move(ex));
        });
    auto port = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    server_->Serve();
  }

  void TearDown() override {
    server_.reset();
    api_.reset();
    registry_.reset();
    client_.reset();
  }

  // One request from another thread while this one runs the loop.
  Reply Call(std::string method, std::string target, std::string body = "",
             std::string content_type = "",
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    return CallAt("http://127.0.0.1:" + std::to_string(port_), std::move(method), std::move(target),
                  std::move(body), std::move(content_type), std::move(headers));
  }
  Reply CallAt(std::string url, std::string method, std::string target, std::string body = "",
               std::string content_type = "",
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto done = std::async(std::launch::async, [=] {
      net::HttpClient client(*net::ParseUrl(url));
      net::ClientRequest req;
      req.method = method;
      req.target = target;
      req.body = body;
      req.content_type = content_type;
      for (const auto& [k, v] : headers) req.headers.emplace_back(k, v);
      net::HttpResponse out;
      Reply reply;
      auto st = client.Do(req, 15s, &out);
      if (!st.ok()) {
        reply.body = st.message();
        return reply;
      }
      reply.status = out.status;
      reply.body = std::move(out.body);
      reply.headers = std::move(out.headers);
      return reply;
    });
    testing::RunLoopUntil(
        loop_, [&] { return done.wait_for(0s) == std::future_status::ready; }, 20s);
    return done.get();
  }
  Reply Get(const std::string& target) { return Call("GET", target); }
  // Raw bytes, for what HttpClient cannot send (a header twice).
  testing::RawAnswer Raw(std::string bytes) {
    auto url = "http://127.0.0.1:" + std::to_string(port_);
    auto done =
        std::async(std::launch::async, [=] { return testing::RawExchange(url, bytes, 10s); });
    testing::RunLoopUntil(
        loop_, [&] { return done.wait_for(0s) == std::future_status::ready; }, 20s);
    return done.get();
  }
  Reply PutJson(const std::string& unit, const std::string& json) {
    return Call("PUT", "/fleet/v1/units/" + unit, json, "application/json");
  }
  // A unit with one [Service] line and, optionally, [X-Fleet] lines.
  Reply Submit(const std::string& unit, const std::string& desired = "",
               const std::string& xfleet = "") {
    std::string json =
        R"({"options":[{"section":"Service","name":"ExecStart","value":"/bin/true"})";
    if (!xfleet.empty()) json += "," + xfleet;
    json += "]";
    if (!desired.empty()) json += R"(,"desiredState":")" + desired + "\"";
    json += "}";
    return PutJson(unit, json);
  }

  // --- the store, as the engine and agents would write it ---

  etcd::Reply StoreCall(const std::function<void(etcd::Callback)>& start) {
    std::optional<etcd::Reply> out;
    start([&](etcd::Reply r) { out.emplace(std::move(r)); });
    if (!testing::RunLoopUntil(
            loop_, [&] { return out.has_value(); }, 20s)) {
      return base::Status(base::Code::kTimeout, "test: no answer from the store");
    }
    return std::move(*out);
  }
  void Set(const std::string& key, const std::string& value) {
    auto r = StoreCall([&](etcd::Callback cb) { client_->Set(key, value, {}, std::move(cb)); });
    ASSERT_TRUE(r.ok()) << key << ": " << r.status().ToString();
  }
  std::optional<std::string> Value(const std::string& key) {
    auto r = StoreCall([&](etcd::Callback cb) { client_->Get(key, {}, std::move(cb)); });
    if (!r.ok()) return std::nullopt;
    return r->node.value;
  }
  void Delete(const std::string& key) {
    auto r = StoreCall([&](etcd::Callback cb) { client_->Delete(key, {}, std::move(cb)); });
    ASSERT_TRUE(r.ok()) << key << ": " << r.status().ToString();
  }
  void AddMachine(const std::string& id, const std::string& ip = "",
                  std::map<std::string, std::string> metadata = {},
                  const std::string& endpoint = "") {
    MachineRecord m{id, ip, std::move(metadata), "1.0", endpoint};
    Set(keys_.MachineObject(id), fleet::EncodeMachine(m));
  }
  void Schedule(const std::string& machine, const std::string& unit,
                JobState desired = JobState::kLaunched) {
    Set(keys_.Scheduled(machine, unit), EncodeAssignment({desired, std::string(40, 'a')}));
  }
  void Report(const std::string& unit, const std::string& machine, JobState fleet_state,
              const std::string& active = "active", const std::string& sub = "running") {
    UnitStateRecord s{"loaded", active, sub, machine, std::string(40, 'b'), fleet_state};
    Set(keys_.State(unit, machine), fleet::EncodeUnitState(s));
  }

  net::EventLoop loop_;
  std::unique_ptr<etcd::Client> client_;
  Keys keys_;
  std::unique_ptr<Registry> registry_;
  Api::Options options_;
  bool ready_ = true;
  std::unique_ptr<Api> api_;
  std::unique_ptr<net::HttpServer> server_;
  uint16_t port_ = 0;
};

}  // namespace flotilla::fleet

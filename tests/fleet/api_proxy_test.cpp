// GET /fleet/v1/units/NAME/status and /journal (flotilla's additions to the
// fleet API) against a fake machine: a second HttpServer answering
// /flotilla/v1/units/NAME and /flotilla/v1/journal as a machine's service
// API does (service/units_api.h), including a followed journal stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "api_fixture.h"
#include "fleet/api_json.h"

namespace flotilla::fleet {
namespace {

std::string Err(int code, const std::string& message) {
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message + R"("}})";
}

class FleetApiProxy : public FleetApiFixture {
 protected:
  void Configure(Api::Options& o) override {
    o.machine_timeout = 3s;
    o.now = [this] { return now_; };
  }

  void SetUp() override {
    FleetApiFixture::SetUp();
    if (HasFatalFailure()) return;
    machine_ = std::make_unique<net::HttpServer>(
        loop_, [this](net::HttpRequest&& r, net::ExchangePtr ex) { Fake(std::move(r), ex); });
    auto port = machine_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    machine_->Serve();
    endpoint_ = "http://127.0.0.1:" + std::to_string(*port);
    dead_ = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  }

  void TearDown() override {
    follow_.reset();
    FleetApiFixture::TearDown();
    machine_.reset();
  }

  // The fake machine's service API.
  void Fake(net::HttpRequest&& r, const net::ExchangePtr& ex) {
    seen_.push_back(r.target);
    net::HttpResponse resp;
    const std::string units = "/flotilla/v1/units/";
    if (r.path.rfind(units, 0) == 0) {
      std::string name = r.path.substr(units.size());
      resp.Set("Content-Type", "application/json");
      if (!known_.count(name)) {
        resp.status = 404;
        resp.body = R"({"error":"Unit )" + name + R"( not found."})";
      } else {
        auto since =
            std::chrono::duration_cast<std::chrono::microseconds>((now_ - 5s).time_since_epoch())
                .count();
        resp.body = R"({"name":")" + name + R"(","description":"Hello","path":"/u/)" + name +
                    R"(","load":"loaded","active":"active","sub":"running","result":"success",)"
                    R"("mainPID":42,"since":)" +
                    std::to_string(since) + R"(,"mainCommand":"sleep"})";
      }
      return ex->Send(std::move(resp));
    }
    if (r.path == "/flotilla/v1/journal") {
      if (r.query.find("follow=1") != std::string::npos) {
        ex->StartStream(200, {{"Content-Type", "text/plain; charset=utf-8"}});
        ex->WriteChunk("line 1\n");
        follow_ = ex;
        ex->OnClose([this] { follow_closed_ = true; });
        return;
      }
      resp.Set("Content-Type", "text/plain; charset=utf-8");
      resp.body = "line A\nline B\n";
      return ex->Send(std::move(resp));
    }
    resp.status = 404;
    ex->Send(std::move(resp));
  }

  // A launched unit scheduled on machine m1, the fake.
  void RunningHello() {
    ASSERT_EQ(Submit("hello.service", "launched").status, 201);
    AddMachine("m1aaaaaaaaaa", "10.0.0.1", {}, endpoint_);
    Schedule("m1aaaaaaaaaa", "hello.service");
    Report("hello.service", "m1aaaaaaaaaa", JobState::kLaunched);
  }

  // A global unit on m1 and m2 (both the fake) and m3 (dead).
  void GlobalUnit() {
    ASSERT_EQ(
        Submit("g.service", "launched", R"({"section":"X-Fleet","name":"Global","value":"true"})")
            .status,
        201);
    AddMachine("m1", "", {}, endpoint_);
    AddMachine("m2", "", {}, endpoint_);
    AddMachine("m3", "", {}, dead_);
    for (std::string m : {"m1", "m2", "m3"}) Report("g.service", m, JobState::kLaunched);
  }

  std::unique_ptr<net::HttpServer> machine_;
  std::string endpoint_, dead_;
  std::set<std::string> known_ = {"hello.service", "g.service"};
  std::vector<std::string> seen_;
  net::ExchangePtr follow_;
  bool follow_closed_ = false;
  std::chrono::system_clock::time_point now_ =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
};

// --- status ---

TEST_F(FleetApiProxy, Status_asSystemctlShowsItOnTheMachine) {
  RunningHello();
  auto r = Get("/fleet/v1/units/hello.service/status");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.ContentType(), "text/plain; charset=utf-8");
  EXPECT_EQ(*r.Header("Server"), "fleetd/9.9.9");
  EXPECT_EQ(r.body.rfind("\u25cf hello.service - Hello\n", 0), 0u) << r.body;
  EXPECT_NE(r.body.find("Loaded: loaded (/u/hello.service; static)"), std::string::npos);
  EXPECT_NE(r.body.find("Active: active (running) since "), std::string::npos);
  EXPECT_NE(r.body.find("; 5s ago\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Main PID: 42 (sleep)\n"), std::string::npos);
  EXPECT_TRUE(r.body.ends_with("\nline A\nline B\n")) << r.body;
  EXPECT_EQ(r.body.find("machine "), std::string::npos);  // one machine, no headers
  EXPECT_EQ(
      std::count(seen_.begin(), seen_.end(), "/flotilla/v1/journal?unit=hello.service&lines=10"),
      1);
  EXPECT_EQ(std::count(seen_.begin(), seen_.end(), "/flotilla/v1/units/hello.service"), 1);
  // machineID picks it, by full or short id.
  EXPECT_EQ(Get("/fleet/v1/units/hello.service/status?machineID=m1aaaaaaaaaa").body, r.body);
  EXPECT_EQ(Get("/fleet/v1/units/hello.service/status?machineID=m1aaaaaa").body, r.body);
}

TEST_F(FleetApiProxy, Status_errors) {
  RunningHello();
  auto unknown = Get("/fleet/v1/units/nope.service/status");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, Err(404, "unit does not exist"));
  EXPECT_EQ(Get("/fleet/v1/units/..%2f/status").status, 404);

  ASSERT_EQ(Submit("idle.service", "launched").status, 201);
  auto idle = Get("/fleet/v1/units/idle.service/status");
  EXPECT_EQ(idle.status, 409);
  EXPECT_EQ(idle.body, Err(409, "unit idle.service is not running on any machine"));
  auto elsewhere = Get("/fleet/v1/units/hello.service/status?machineID=m2");
  EXPECT_EQ(elsewhere.status, 409);
  EXPECT_EQ(elsewhere.body, Err(409, "unit hello.service is not running on machine m2"));

  // Its machine does not answer, or is gone from the cluster.
  ASSERT_EQ(Submit("dead.service", "launched").status, 201);
  AddMachine("m3", "", {}, dead_);
  Schedule("m3", "dead.service");
  auto dead = Get("/fleet/v1/units/dead.service/status");
  EXPECT_EQ(dead.status, 502);
  EXPECT_NE(dead.body.find(R"("message":"machine m3 did not answer: dial tcp 127.0.0.1:)"),
            std::string::npos)
      << dead.body;
  ASSERT_EQ(Submit("lost.service", "launched").status, 201);
  Schedule("m9", "lost.service");
  EXPECT_EQ(Get("/fleet/v1/units/lost.service/status").body,
            Err(502, "machine m9 did not answer: it is not in the cluster"));

  // The machine does not know the unit (yet): systemctl's words.
  ASSERT_EQ(Submit("new.service", "launched").status, 201);
  Schedule("m1aaaaaaaaaa", "new.service");
  auto fresh = Get("/fleet/v1/units/new.service/status");
  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(fresh.body, "Unit new.service could not be found.\n");
}

TEST_F(FleetApiProxy, Status_globalUnitBlockPerMachine) {
  GlobalUnit();
  auto r = Get("/fleet/v1/units/g.service/status");
  ASSERT_EQ(r.status, 200) << r.body;
  size_t m1 = r.body.find("machine m1\n\u25cf g.service - Hello\n");
  size_t m2 = r.body.find("\nmachine m2\n\u25cf g.service - Hello\n");
  size_t m3 = r.body.find("\nmachine m3\nmachine m3 did not answer: dial tcp 127.0.0.1:");
  EXPECT_EQ(m1, 0u) << r.body;
  EXPECT_NE(m2, std::string::npos) << r.body;
  EXPECT_NE(m3, std::string::npos) << r.body;
  EXPECT_LT(m2, m3);
  auto one = Get("/fleet/v1/units/g.service/status?machineID=m2");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body.rfind("machine m2\n\u25cf g.service", 0), 0u) << one.body;
  EXPECT_EQ(one.body.find("machine m1"), std::string::npos);
  auto none = Get("/fleet/v1/units/g.service/status?machineID=m3");
  EXPECT_EQ(none.status, 502);
  // Only live machines that report it count.
  Delete(keys_.MachineObject("m3"));
  EXPECT_EQ(Get("/fleet/v1/units/g.service/status").body.find("machine m3"), std::string::npos);
}

// --- journal ---

TEST_F(FleetApiProxy, Journal_relaysTheMachinesLines) {
  RunningHello();
  auto r = Get("/fleet/v1/units/hello.service/journal?lines=3");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.ContentType(), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, "line A\nline B\n");
  EXPECT_EQ(seen_.back(), "/flotilla/v1/journal?unit=hello.service&lines=3");
  EXPECT_EQ(Get("/fleet/v1/units/hello.service/journal").status, 200);
  EXPECT_EQ(seen_.back(), "/flotilla/v1/journal?unit=hello.service&lines=10");
  EXPECT_EQ(Get("/fleet/v1/units/hello.service/journal?follow=false").body, "line A\nline B\n");

  EXPECT_EQ(Get("/fleet/v1/units/hello.service/journal?lines=x").body,
            Err(400, R"(lines must be a number, not \"x\")"));
  EXPECT_EQ(Get("/fleet/v1/units/hello.service/journal?follow=maybe").body,
            Err(400, R"(follow must be true or false, not \"maybe\")"));
  EXPECT_EQ(Get("/fleet/v1/units/none.service/journal").status, 404);
}

TEST_F(FleetApiProxy, Journal_globalUnit) {
  GlobalUnit();
  auto r = Get("/fleet/v1/units/g.service/journal?lines=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.rfind("machine m1\nline A\nline B\n\nmachine m2\nline A\nline B\n\nmachine m3\n"
                         "machine m3 did not answer: ",
                         0),
            0u)
      << r.body;
  auto follow = Get("/fleet/v1/units/g.service/journal?follow=true");
  EXPECT_EQ(follow.status, 400);
  EXPECT_EQ(follow.body,
            Err(400,
                "unit g.service runs on 3 machines: pick one with machineID to follow its "
                "journal"));
}

// A followed journal from another thread: what it has read so far.
struct Follower {
  explicit Follower(uint16_t port)
      : client(*net::ParseUrl("http://127.0.0.1:" + std::to_string(port))) {}
  // A stream still open (a failed test) must not block the future's end.
  ~Follower() {
    if (done.valid() && !Finished()) client.Cancel();
  }
  void Start(std::string target) {
    done = std::async(std::launch::async, [this, target] {
      net::ClientRequest req;
      req.target = target;
      return client.Stream(req, 10s, [this](std::string_view data) {
        std::lock_guard<std::mutex> lock(mu);
        text.append(data);
        return true;
      });
    });
  }
  std::string Text() {
    std::lock_guard<std::mutex> lock(mu);
    return text;
  }
  bool Finished() { return done.wait_for(0s) == std::future_status::ready; }

  net::HttpClient client;
  std::mutex mu;
  std::string text;
  std::future<base::Result<net::HttpResponse>> done;
};

TEST_F(FleetApiProxy, JournalFollow_relaysUntilTheClientLeaves) {
  RunningHello();
  Follower f(port_);
  f.Start("/fleet/v1/units/hello.service/journal?follow=true&lines=5");
  ASSERT_TRUE(testing::RunLoopUntil(loop_, [&] { return f.Text() == "line 1\n"; })) << f.Text();
  EXPECT_EQ(seen_.back(), "/flotilla/v1/journal?unit=hello.service&lines=5&follow=1");
  ASSERT_TRUE(follow_);
  follow_->WriteChunk("line 2\n");
  ASSERT_TRUE(testing::RunLoopUntil(loop_, [&] { return f.Text() == "line 1\nline 2\n"; }))
      << f.Text();
  // The client goes away: the machine's stream is cancelled too.
  f.client.Cancel();
  ASSERT_TRUE(testing::RunLoopUntil(loop_, [&] { return follow_closed_ && f.Finished(); }));
  EXPECT_EQ(f.done.get().status().code(), base::Code::kCancelled);
}

TEST_F(FleetApiProxy, JournalFollow_endsWhenTheMachineEndsIt) {
  RunningHello();
  Follower f(port_);
  f.Start("/fleet/v1/units/hello.service/journal?follow=1");
  ASSERT_TRUE(testing::RunLoopUntil(loop_, [&] { return f.Text() == "line 1\n"; })) << f.Text();
  follow_->WriteChunk("last\n");
  follow_->EndStream();
  ASSERT_TRUE(testing::RunLoopUntil(loop_, [&] { return f.Finished(); }));
  auto head = f.done.get();
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(*head->Header("Server"), "fleetd/9.9.9");
  EXPECT_EQ(*head->Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(f.Text(), "line 1\nlast\n");
  EXPECT_FALSE(follow_closed_);
}

TEST_F(FleetApiProxy, JournalFollow_deadMachineIs502) {
  ASSERT_EQ(Submit("dead.service", "launched").status, 201);
  AddMachine("m3", "", {}, dead_);
  Schedule("m3", "dead.service");
  auto r = Get("/fleet/v1/units/dead.service/journal?follow=true");
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("machine m3 did not answer: dial tcp"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace flotilla::fleet

// The engine and agents together on a real store (flotilla serve, and
// Debian's etcd when installed), in one process: machines are an Agent
// with a MemoryHost and an Engine each, on one EventLoop; units are
// submitted through the Registry as the API does. A machine "dies" by
// being destroyed without its purge, so its key expires as a crashed
// machine's would.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "cluster_process.h"
#include "fleet/agent.h"
#include "fleet/engine.h"
#include "fleet/memory_host.h"
#include "fleet/registry.h"
#include "run_loop.h"
#include "unit/unit_file.h"

namespace flotilla::fleet {
namespace {

using namespace std::chrono_literals;
using flotilla::testing::RunLoopUntil;
using flotilla::testing::ServerProcess;

std::map<std::string, std::optional<ServerProcess>>& Stores() {
  static auto* stores = new std::map<std::string, std::optional<ServerProcess>>;
  return *stores;
}

struct TestMachine {
  TestMachine(Registry& registry, const std::string& id,
              std::map<std::string, std::string> metadata)
      : host(registry.loop()),
        agent(registry,
              MachineRecord{id, "10.0.0." + id.substr(id.size() - 1), metadata, "test", ""}, host,
              {.ttl = 2s, .heartbeat = 500ms, .retry = 200ms}),
        engine(
            registry, id,
            {.lease_ttl = 2s, .renew_interval = 500ms, .settle = 2000ms, .body_gc_grace = 500ms}) {
    agent.Start();
    engine.Start();
  }
  MemoryHost host;
  Agent agent;
  Engine engine;
};

class FleetDrivers : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() { Stores().clear(); }

  void SetUp() override {
    if (GetParam() == "etcd" && !flotilla::testing::HaveEtcd())
      GTEST_SKIP() << "real etcd (/usr/bin/etcd) is not installed; only flotilla was tested";
    auto& slot = Stores()[GetParam()];
    if (!slot)
      slot = GetParam() == "etcd" ? flotilla::testing::StartEtcd()
                                  : flotilla::testing::StartFlotilla();
    ASSERT_TRUE(slot.has_value());
    auto c = etcd::Client::Make(loop_, {slot->url});
    ASSERT_TRUE(c.ok());
    client_ = std::move(*c);
    std::string prefix =
        std::string("/t/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& ch : prefix.substr(3))
      if (ch == '/') ch = '_';
    registry_ = std::make_unique<Registry>(loop_, *client_, Keys(prefix));
  }

  void TearDown() override {
    machines_.clear();
    registry_.reset();
    client_.reset();
  }

  TestMachine& AddMachine(const std::string& id, std::map<std::string, std::string> md = {}) {
    auto& m = machines_[id];
    m = std::make_unique<TestMachine>(*registry_, id, std::move(md));
    return *m;
  }

  base::Status Await(std::function<void(StatusCallback)> start) {
    std::optional<base::Status> out;
    start([&](base::Status s) { out = s; });
    if (!RunLoopUntil(
            loop_, [&] { return out.has_value(); }, 10s))
      return base::Status(base::Code::kTimeout, "no answer");
    return *out;
  }

  void Submit(const std::string& name, const std::string& text, JobState state) {
    auto file = unit::ParseUnitFile(text, name);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(Await([&](StatusCallback cb) {
                  registry_->PutUnit(name, unit::Serialize(*file), unit::Hash(*file), state,
                                     std::move(cb));
                }).ok());
  }

  void SetState(const std::string& name, JobState state) {
    ASSERT_TRUE(Await([&](StatusCallback cb) {
                  registry_->SetDesiredState(name, state, std::move(cb));
                }).ok());
  }

  // Where `unit` is active ("" when nowhere, "+" when on several machines).
  std::string ActiveOn(const std::string& unit) {
    std::string where;
    for (const auto& [id, m] : machines_) {
      auto st = m->host.StateOf(unit);
      if (st && st->active == "active") where = where.empty() ? id : "+";
    }
    return where;
  }

  bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds t = 15s) {
    return RunLoopUntil(loop_, cond, t);
  }

  Snapshot Read(unsigned parts = kPartAll) {
    std::optional<base::Result<Snapshot>> out;
    registry_->Load(parts, [&](base::Result<Snapshot> s) { out = std::move(s); });
    EXPECT_TRUE(RunLoopUntil(
        loop_, [&] { return out.has_value(); }, 10s));
    EXPECT_TRUE(out && out->ok());
    return out && out->ok() ? std::move(**out) : Snapshot{};
  }

  int Leaders() {
    int n = 0;
    for (const auto& [id, m] : machines_) n += m->engine.leader();
    return n;
  }

  net::EventLoop loop_;
  std::unique_ptr<etcd::Client> client_;
  std::unique_ptr<Registry> registry_;
  std::map<std::string, std::unique_ptr<TestMachine>> machines_;
};

constexpr const char* kHello = "[Service]\nExecStart=/bin/sleep 1000\n";

TEST_P(FleetDrivers, LaunchedUnitsRunOnTheLeastLoadedMachinesAndReportTheirState) {
  AddMachine("m1");
  AddMachine("m2");
  AddMachine("m3");
  for (int i = 1; i <= 6; ++i)
    Submit("web@" + std::to_string(i) + ".service", kHello, JobState::kLaunched);
  ASSERT_TRUE(WaitFor([&] {
    for (int i = 1; i <= 6; ++i)
      if (ActiveOn("web@" + std::to_string(i) + ".service").size() != 2) return false;
    return true;
  }));
  for (const auto& [id, m] : machines_) EXPECT_EQ(m->host.Owned().size(), 2u) << id;
  EXPECT_EQ(Leaders(), 1);
  ASSERT_TRUE(WaitFor([&] {
    auto states = Read(kPartStates).states;
    return states.size() == 6 && std::all_of(states.begin(), states.end(), [](const auto& u) {
             return u.second.size() == 1 && u.second.begin()->second.active == "active";
           });
  }));
  Snapshot s = Read();
  for (const auto& [unit, by_machine] : s.states) {
    ASSERT_EQ(by_machine.size(), 1u);
    const auto& rec = by_machine.begin()->second;
    EXPECT_EQ(rec.active, "active");
    EXPECT_EQ(rec.sub, "running");
    EXPECT_EQ(rec.fleet_state, JobState::kLaunched);
    EXPECT_EQ(s.TargetOf(unit), rec.machine);
  }
}

TEST_P(FleetDrivers, LoadedUnitsAreLoadedNotStarted_andStopUnloadDestroyFollowTheDesiredState) {
  AddMachine("m1");
  Submit("a.service", kHello, JobState::kLoaded);
  ASSERT_TRUE(WaitFor([&] { return machines_["m1"]->host.StateOf("a.service").has_value(); }));
  EXPECT_EQ(machines_["m1"]->host.StateOf("a.service")->active, "inactive");
  SetState("a.service", JobState::kLaunched);
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("a.service") == "m1"; }));
  SetState("a.service", JobState::kLoaded);
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("a.service").empty(); }));
  EXPECT_TRUE(machines_["m1"]->host.StateOf("a.service").has_value());
  SetState("a.service", JobState::kInactive);
  ASSERT_TRUE(WaitFor([&] { return !machines_["m1"]->host.StateOf("a.service"); }));
  ASSERT_TRUE(WaitFor([&] { return Read(kPartStates).states.empty(); }));
  ASSERT_TRUE(Await([&](StatusCallback cb) { registry_->DestroyUnit("a.service", cb); }).ok());
  EXPECT_EQ(Await([&](StatusCallback cb) { registry_->DestroyUnit("a.service", cb); }).code(),
            base::Code::kNotFound);
  // Its body goes once no unit uses it.
  ASSERT_TRUE(WaitFor([&] { return Read(kPartBodies).bodies.empty(); }));
}

TEST_P(FleetDrivers, ADeadMachinesUnitsMoveAndNoOtherUnitMoves) {
  AddMachine("m1");
  AddMachine("m2");
  AddMachine("m3");
  for (int i = 1; i <= 3; ++i)
    Submit("c" + std::to_string(i) + ".service", "[X-Fleet]\nConflicts=c*.service\n",
           JobState::kLaunched);
  ASSERT_TRUE(WaitFor([&] {
    return ActiveOn("c1.service").size() == 2 && ActiveOn("c2.service").size() == 2 &&
           ActiveOn("c3.service").size() == 2;
  }));
  // A spare machine joins: nothing moves to it.
  AddMachine("m4");
  ASSERT_TRUE(WaitFor([&] { return machines_["m4"]->agent.registered(); }));
  std::string victim = ActiveOn("c2.service");
  std::map<std::string, std::string> before;
  for (auto u : {"c1.service", "c3.service"}) before[u] = ActiveOn(u);
  // The machine dies (no purge): its key expires, c2 moves to the spare.
  machines_.erase(victim);
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("c2.service") == "m4"; }));
  for (const auto& [u, where] : before) {
    EXPECT_EQ(ActiveOn(u), where);
    EXPECT_EQ(machines_[where]->host.starts[u], 1) << u << " was restarted";
  }
  EXPECT_EQ(Leaders(), 1);
}

TEST_P(FleetDrivers, AGracefulStopHandsTheUnitsOverAtOnce) {
  AddMachine("m1");
  Submit("a.service", kHello, JobState::kLaunched);
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("a.service") == "m1"; }));
  AddMachine("m2");
  ASSERT_TRUE(WaitFor([&] { return machines_["m2"]->agent.registered(); }));
  bool stopped = false;
  machines_["m1"]->agent.Stop([&] { stopped = true; });
  ASSERT_TRUE(WaitFor([&] { return stopped; }, 5s));
  EXPECT_TRUE(machines_["m1"]->host.Owned().empty());
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("a.service") == "m2"; }));
  // Well within the key's TTL (2 s): the engine did not wait for it to
  // expire, nor settle, though it became leader only just now.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
}

TEST_P(FleetDrivers, AnotherEngineTakesOverWhenTheLeaderDies) {
  AddMachine("m1");
  ASSERT_TRUE(WaitFor([&] { return Leaders() == 1; }));
  AddMachine("m2");
  machines_.erase("m1");
  ASSERT_TRUE(WaitFor([&] { return machines_["m2"]->engine.leader(); }));
  Submit("a.service", kHello, JobState::kLaunched);
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("a.service") == "m2"; }));
}

TEST_P(FleetDrivers, AReplacedBodyRestartsTheUnitWithIt) {
  AddMachine("m1");
  Submit("a.service", kHello, JobState::kLaunched);
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("a.service") == "m1"; }));
  Submit("a.service", "[Service]\nExecStart=/bin/sleep 2000\n", JobState::kLaunched);
  auto& host = machines_["m1"]->host;
  ASSERT_TRUE(WaitFor([&] {
    const auto* f = host.File("a.service");
    return f && f->Last("Service", "ExecStart") == "/bin/sleep 2000" &&
           ActiveOn("a.service") == "m1";
  }));
  EXPECT_EQ(host.starts["a.service"], 2);
}

TEST_P(FleetDrivers, GlobalUnitsRunOnEveryMatchingMachine_andFollowMetadataChanges) {
  AddMachine("m1", {{"role", "web"}});
  AddMachine("m2", {{"role", "db"}});
  Submit("g.service", "[X-Fleet]\nGlobal=true\nMachineMetadata=role=web\n", JobState::kLaunched);
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("g.service") == "m1"; }));
  ASSERT_TRUE(
      Await([&](StatusCallback cb) { registry_->SetMetadata("m2", "role", "web", cb); }).ok());
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("g.service") == "+"; }));
  ASSERT_TRUE(WaitFor([&] { return Read(kPartStates).states["g.service"].size() == 2; }));
}

TEST_P(FleetDrivers, AUnitThatCannotBePlacedSaysWhy_andIsPlacedWhenAMachineFits) {
  AddMachine("m1", {{"role", "web"}});
  Submit("db.service", "[X-Fleet]\nMachineMetadata=role=db\n", JobState::kLaunched);
  ASSERT_TRUE(WaitFor([&] { return Read(kPartUnplaced).unplaced.count("db.service") > 0; }));
  EXPECT_EQ(Read(kPartUnplaced).unplaced["db.service"], "no machine has metadata role=db");
  AddMachine("m2", {{"role", "db"}});
  ASSERT_TRUE(WaitFor([&] { return ActiveOn("db.service") == "m2"; }));
  ASSERT_TRUE(WaitFor([&] { return Read(kPartUnplaced).unplaced.empty(); }));
}

// The store goes away for longer than the machines' TTL and comes back
// with every key expired at once: nothing stops, nothing moves, and the
// machines register again (fleet's TestSingleNodeConnectivityLoss, and
// #1289's churn on an etcd hiccup).
TEST(FleetDriversStoreLoss, UnitsKeepRunningWhileTheStoreIsAway_andNothingMovesWhenItReturns) {
  auto store = flotilla::testing::StartFlotilla();
  ASSERT_TRUE(store.has_value());
  net::EventLoop loop;
  etcd::ClientOptions o;
  o.request_timeout = 500ms;
  o.dial_timeout = 200ms;
  auto client = etcd::Client::Make(loop, {store->url}, o);
  ASSERT_TRUE(client.ok());
  // Not the default prefix: the store is a fleet machine itself.
  Registry registry(loop, **client, Keys("/t/store-loss"));
  std::map<std::string, std::unique_ptr<TestMachine>> machines;
  for (auto id : {"m1", "m2"})
    machines[id] =
        std::make_unique<TestMachine>(registry, id, std::map<std::string, std::string>{});
  auto active_on = [&](const std::string& unit) {
    std::string where;
    for (const auto& [id, m] : machines)
      if (auto st = m->host.StateOf(unit); st && st->active == "active") where += id;
    return where;
  };
  ASSERT_TRUE(RunLoopUntil(loop, [&] {
    return machines["m1"]->agent.registered() && machines["m2"]->agent.registered();
  }));
  for (auto name : {"a.service", "b.service"}) {
    auto file = unit::ParseUnitFile(kHello, name);
    std::optional<base::Status> put;
    registry.PutUnit(name, unit::Serialize(*file), unit::Hash(*file), JobState::kLaunched,
                     [&](base::Status s) { put = s; });
    ASSERT_TRUE(RunLoopUntil(loop, [&] { return put.has_value(); }));
    ASSERT_TRUE(put->ok());
  }
  ASSERT_TRUE(RunLoopUntil(
      loop,
      [&] {
        return active_on("a.service").size() == 2 && active_on("b.service").size() == 2 &&
               active_on("a.service") != active_on("b.service");
      },
      15s))
      << "a on " << active_on("a.service") << ", b on " << active_on("b.service");
  std::string a = active_on("a.service"), b = active_on("b.service");

  store->process.Kill();
  // Well past the TTL (2 s) without a store: the units run on.
  auto until = std::chrono::steady_clock::now() + 4s;
  RunLoopUntil(
      loop, [&] { return std::chrono::steady_clock::now() >= until; }, 5s);
  EXPECT_EQ(active_on("a.service"), a);
  EXPECT_EQ(active_on("b.service"), b);

  ASSERT_TRUE(flotilla::testing::RestartFlotilla(*store));
  ASSERT_TRUE(RunLoopUntil(
      loop,
      [&] { return machines["m1"]->agent.registered() && machines["m2"]->agent.registered(); },
      15s));
  // Give a (new) engine its settling time and a pass: still nothing moves.
  until = std::chrono::steady_clock::now() + 3s;
  RunLoopUntil(
      loop, [&] { return std::chrono::steady_clock::now() >= until; }, 4s);
  EXPECT_EQ(active_on("a.service"), a);
  EXPECT_EQ(active_on("b.service"), b);
  EXPECT_EQ(machines[a]->host.starts["a.service"], 1);
  EXPECT_EQ(machines[b]->host.starts["b.service"], 1);
  machines.clear();
}

INSTANTIATE_TEST_SUITE_P(Stores, FleetDrivers, ::testing::Values("flotilla", "etcd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace flotilla::fleet

// submit, load, start, stop, unload, destroy and restart against the fake
// fleet API: where a unit's body comes from (local file, template in the
// API, template on disk), what fleetctl prints while it blocks, what
// --no-block and --block-attempts change, and flotilla's "not placed"
// reason. The fake moves a unit to its desired state after a few polls, so
// the blocking paths are exercised without the test sleeping.
#include <signal.h>

#include "fleetctl_fixture.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kWebTemplate[] = R"([Unit]
Description=Web %i

[Service]
ExecStart=/bin/echo web %i

[X-Fleet]
Conflicts=web@*.service
)";

constexpr char kDbUnit[] = R"([Service]
ExecStart=/bin/true

[X-Fleet]
MachineMetadata=role=db
)";

class FleetctlUnitsTest : public FleetctlTest {};

TEST_F(FleetctlUnitsTest, SubmitCreatesTheUnitWithFleetsJson) {
  std::string path = WriteUnit("hello.service", kHelloUnit);
  auto r = Fleetctl({"submit", path});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Unit hello.service inactive\n");
  EXPECT_EQ(r.err, "");
  auto u = api_.GetUnit("hello.service");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->desired, "inactive");
  EXPECT_EQ(FakeFleetApi::Hash(u->options), FakeFleetApi::Hash(HelloOptions()));
  std::string put;
  for (const auto& req : api_.requests()) {
    if (req.method == "PUT") put = req.body;
  }
  EXPECT_EQ(
      put,
      R"({"name":"hello.service","options":[{"name":"Description","section":"Unit","value":"Hello World"},)"
      R"({"name":"ExecStart","section":"Service","value":"/bin/sh -c \"while true; do echo Hello World; sleep 1; done\""}]})"
      "\n");
}

TEST_F(FleetctlUnitsTest, SubmitIsIdempotentWarnsOnADifferentLocalFileAndReplaces) {
  std::string path = WriteUnit("hello.service", kHelloUnit);
  ASSERT_EQ(Fleetctl({"submit", path}).code, 0);
  auto r = Fleetctl({"submit", path});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(api_.Count("PUT", "/fleet/v1/units/hello.service"), 1);

  WriteUnit("hello.service", "[Service]\nExecStart=/bin/echo bye\n");
  r = Fleetctl({"submit", path});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "WARNING: Unit hello.service in registry differs from local unit file " + path +
                       ". Add --replace to override.\n");
  EXPECT_EQ(api_.GetUnit("hello.service")->options.size(), 2u);

  r = Fleetctl({"submit", "--replace", path});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Unit hello.service inactive\n");
  ASSERT_EQ(api_.GetUnit("hello.service")->options.size(), 1u);
  EXPECT_EQ(api_.GetUnit("hello.service")->options[0].value, "/bin/echo bye");
}

TEST_F(FleetctlUnitsTest, SubmitThenStartTemplateInstances) {
  WriteUnit("web@.service", kWebTemplate);
  auto r = FleetctlInDir({"submit", "web@.service"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Unit web@.service inactive\n");

  api_.set_placement_polls(2);
  std::vector<std::string> args = {"start"};
  std::string expected_created, expected_launched;
  for (int i = 1; i <= 10; ++i) {
    std::string name = std::string("web@") + (i < 10 ? "0" : "") + std::to_string(i) + ".service";
    args.push_back(name);
    expected_created += "Unit " + name + " inactive\n";
    expected_launched += "Unit " + name + " launched on " + kM1Legend + "\n";
  }
  r = FleetctlInDir(args);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, expected_created + expected_launched);
  EXPECT_EQ(r.err, "");
  auto tmpl = api_.GetUnit("web@.service");
  for (int i = 1; i <= 10; ++i) {
    std::string name = std::string("web@") + (i < 10 ? "0" : "") + std::to_string(i) + ".service";
    auto u = api_.GetUnit(name);
    ASSERT_TRUE(u) << name;
    EXPECT_EQ(u->desired, "launched");
    EXPECT_EQ(u->machine, kM1);
    EXPECT_EQ(FakeFleetApi::Hash(u->options), FakeFleetApi::Hash(tmpl->options)) << name;
  }
  EXPECT_EQ(tmpl->desired, "inactive");
}

TEST_F(FleetctlUnitsTest, StartInstanceFromALocalTemplateFile) {
  std::string tmpl = WriteUnit("app@.service", kWebTemplate);
  auto r = Fleetctl({"start", dir_ + "/app@1.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("Unit app@1.service inactive\nUnit app@1.service launched on ") +
                       kM1Legend + "\n");
  EXPECT_TRUE(api_.GetUnit("app@1.service"));
  EXPECT_FALSE(api_.GetUnit("app@.service")) << "the template itself is not submitted";
}

TEST_F(FleetctlUnitsTest, StartWithoutAnyTemplateFails) {
  auto r = Fleetctl({"start", dir_ + "/nope@1.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Error creating units: failed getting Unit(" + dir_ +
                       "/nope@1.service) from template: unable to find template "
                       "Unit(nope@.service) in Registry or on filesystem\n");

  r = Fleetctl({"start", "missing.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Error creating units: unable to find Unit(missing.service) in Registry or on "
            "filesystem\n");
}

TEST_F(FleetctlUnitsTest, StartNoBlockOnlyTriggers) {
  WriteUnit("hello.service", kHelloUnit);
  api_.set_placement_polls(100);
  // "hello" names hello.service: fleetctl appends the type.
  auto r = Fleetctl({"start", "--no-block", dir_ + "/hello"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Unit hello.service inactive\nTriggered unit hello.service start\n");
  EXPECT_EQ(api_.GetUnit("hello.service")->desired, "launched");
}

TEST_F(FleetctlUnitsTest, StartBlocksUntilTheUnitIsLaunched) {
  std::string path = WriteUnit("hello.service", kHelloUnit);
  api_.set_placement_polls(4);
  auto r = Fleetctl({"start", path});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("Unit hello.service inactive\nUnit hello.service launched on ") +
                       kM1Legend + "\n");
  EXPECT_EQ(r.err, "");
  // Three GETs before the desired state is set, then polled until the fake
  // placed it at the 4th.
  EXPECT_EQ(api_.Count("GET", "/fleet/v1/units/hello.service"), 3 + 4);
  // Starting a launched unit again changes nothing and prints nothing.
  r = Fleetctl({"start", path});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(FleetctlUnitsTest, LoadBlocksUntilLoaded) {
  std::string path = WriteUnit("hello.service", kHelloUnit);
  api_.set_placement_polls(2);
  auto r = Fleetctl({"load", path});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("Unit hello.service inactive\nUnit hello.service loaded on ") +
                       kM1Legend + "\n");
  EXPECT_EQ(api_.GetUnit("hello.service")->desired, "loaded");
}

TEST_F(FleetctlUnitsTest, BlockAttemptsRunOutWithTheReason) {
  std::string path = WriteUnit("db.service", kDbUnit);
  api_.SetUnplaceable("db.service", "no machine has metadata role=db");
  auto r = Fleetctl({"start", "--block-attempts=3", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "Unit db.service inactive\n");
  std::string timeout =
      "timed out waiting for unit db.service to report state launched (not placed: no machine "
      "has metadata role=db)";
  EXPECT_EQ(r.err, "Error waiting for units: " + timeout +
                       "\nError waiting for unit states, exit status: " + timeout + "\n");
  // Creation (a GET to check, a poll for "inactive", a GET before the
  // desired state is set), then the three attempts.
  EXPECT_EQ(api_.Count("GET", "/fleet/v1/units/db.service"), 3 + 3);
}

TEST_F(FleetctlUnitsTest, WaitingForeverShowsTheReasonOnce) {
  std::string path = WriteUnit("db.service", kDbUnit);
  api_.SetUnplaceable("db.service", "no machine has metadata role=db");
  BackgroundProcess p({FLOTILLA_BINARY, "fleetctl", "start", path}, BaseEnv());
  ASSERT_TRUE(api_.WaitFor([](const std::vector<FakeFleetApi::Request>& reqs) {
    return std::count_if(reqs.begin(), reqs.end(), [](const FakeFleetApi::Request& r) {
             return r.target.rfind("/fleet/v1/units/db.service", 0) == 0;
           }) >= 14;
  }));
  auto r = p.Stop(SIGTERM);
  EXPECT_EQ(r.out, "Unit db.service inactive\n");
  EXPECT_EQ(r.err, "Unit db.service not placed yet: no machine has metadata role=db\n");
}

TEST_F(FleetctlUnitsTest, StartGlobalUnitIsNotWaitedOn) {
  std::string path = WriteUnit("global.service",
                               "[Service]\nExecStart=/bin/true\n\n"
                               "[X-Fleet]\nGlobal=true\n");
  auto r = Fleetctl({"start", path});
  EXPECT_EQ(r.code, 0) << r.err;
  // fleetctl prints a global unit's (empty) current state after creating it.
  EXPECT_EQ(r.out, "Unit global.service \nTriggered global unit global.service start\n");
}

TEST_F(FleetctlUnitsTest, StartRefusesInvalidUnitsBeforeSendingThem) {
  std::string path = WriteUnit("bad.service",
                               "[Service]\nExecStart=/bin/true\n\n[X-Fleet]\n"
                               "MachineID=abc\nGlobal=true\n");
  auto r = Fleetctl({"start", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Error creating units: MachineID cannot be used with Global\n");
  EXPECT_EQ(api_.Count("PUT", "/"), 0);
}

TEST_F(FleetctlUnitsTest, StopWaitsForLoaded) {
  api_.PutUnit(Launched("hello.service"));
  api_.set_placement_polls(2);
  auto r = Fleetctl({"stop", "hello.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("Unit hello.service loaded on ") + kM1Legend + "\n");
  EXPECT_EQ(r.err, "Successfully stopped units [hello.service].\n");

  api_.PutUnit(Launched("hello.service"));
  r = Fleetctl({"stop", "--no-block", "hello.service"});
  EXPECT_EQ(r.out, "Triggered unit hello.service stop\n");
}

TEST_F(FleetctlUnitsTest, StopRefusesAnInactiveUnitAndIgnoresUnknownOnes) {
  api_.PutUnit({"idle.service", HelloOptions(), "inactive", "inactive", "", ""});
  auto r = Fleetctl({"stop", "idle.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Unable to stop unit idle.service in state inactive\n");

  r = Fleetctl({"stop", "nope.service"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "Units not found in registry\n");

  r = Fleetctl({"stop"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "No units given\n");
}

TEST_F(FleetctlUnitsTest, UnloadWaitsForInactive) {
  api_.PutUnit(Launched("hello.service"));
  api_.set_placement_polls(2);
  auto r = Fleetctl({"unload", "hello.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Unit hello.service inactive\n");
  EXPECT_EQ(r.err, "Successfully unloaded units [hello.service].\n");
  EXPECT_EQ(api_.GetUnit("hello.service")->desired, "inactive");
}

TEST_F(FleetctlUnitsTest, DestroyRemovesUnits) {
  api_.PutUnit(Launched("hello.service"));
  api_.PutUnit(Launched("other.service"));
  auto r = Fleetctl({"destroy", "hello.service", "other", "nope.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Destroyed hello.service\nDestroyed other.service\n");
  EXPECT_FALSE(api_.GetUnit("hello.service"));
  EXPECT_FALSE(api_.GetUnit("other.service"));

  r = Fleetctl({"destroy", "hello.service"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Units not found in registry\n");
}

TEST_F(FleetctlUnitsTest, RestartStopsThenStarts) {
  api_.PutUnit(Launched("hello.service"));
  api_.set_placement_polls(2);
  auto r = Fleetctl({"restart", "hello.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("Unit hello.service loaded on ") + kM1Legend +
                       "\nUnit hello.service launched on " + kM1Legend + "\n");
  auto puts = 0;
  std::string states;
  for (const auto& req : api_.requests()) {
    if (req.method == "PUT") ++puts, states += req.body;
  }
  EXPECT_EQ(puts, 2);
  EXPECT_LT(states.find("\"loaded\""), states.find("\"launched\""));
}

TEST_F(FleetctlUnitsTest, ApiErrorsAreShownInGoogleapisWords) {
  std::string path = WriteUnit("hello.service", kHelloUnit);
  api_.SetError("/fleet/v1/units/hello.service", 500, "registry unavailable");
  auto r = Fleetctl({"start", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Error creating units: error retrieving Unit(hello.service) from Registry: "
            "googleapi: Error 500: registry unavailable\n");
}

}  // namespace
}  // namespace flotilla::testing

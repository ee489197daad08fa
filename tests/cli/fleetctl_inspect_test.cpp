// cat, status and journal against the fake fleet API: the stored unit
// exactly as serialised, `systemctl status` and journal text passed
// through from the API (no SSH), journal -f streaming until the server ends
// it, and fleetctl's refusals and exit codes.
#include "fleetctl_fixture.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kActiveStatus[] =
    "● hello.service - Hello World\n"
    "   Loaded: loaded (/run/fleet/units/hello.service; linked-runtime; vendor preset: "
    "disabled)\n"
    "   Active: active (running) since Tue 2015-03-03 10:00:00 UTC; 5s ago\n"
    " Main PID: 1234 (sh)\n";

class FleetctlInspectTest : public FleetctlTest {};

TEST_F(FleetctlInspectTest, CatPrintsTheStoredUnit) {
  api_.PutUnit(Launched("hello.service"));
  auto r = Fleetctl({"cat", "hello"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, kHelloUnit);
}

TEST_F(FleetctlInspectTest, CatRefusesUnknownUnitsAndWrongArgumentCounts) {
  auto r = Fleetctl({"cat", "nope.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Unit nope.service not found\n");
  r = Fleetctl({"cat"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "One unit file must be provided\n");
}

TEST_F(FleetctlInspectTest, StatusPassesTheSystemctlTextThrough) {
  api_.PutUnit(Launched("hello.service"));
  api_.PutUnit(Launched("other.service"));
  api_.SetStatusText("hello.service", kActiveStatus);
  api_.SetStatusText("other.service", "● other.service\n   Active: active (running)\n");
  auto r = Fleetctl({"status", "hello.service", "other.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kActiveStatus) + "\n● other.service\n   Active: active (running)\n");
  EXPECT_EQ(api_.Count("GET", "/fleet/v1/units/hello.service/status"), 1);
}

TEST_F(FleetctlInspectTest, StatusOfAFailedUnitExitsLikeSystemctl) {
  api_.PutUnit(Launched("hello.service"));
  api_.SetStatusText("hello.service", "● hello.service\n   Active: failed (Result: exit-code)\n");
  auto r = Fleetctl({"status", "hello.service"});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "● hello.service\n   Active: failed (Result: exit-code)\n");
}

TEST_F(FleetctlInspectTest, StatusOfAGlobalUnitShowsEveryMachine) {
  api_.PutUnit({"global.service",
                {{"Service", "ExecStart", "/bin/true"}, {"X-Fleet", "Global", "true"}},
                "launched",
                "",
                "",
                ""});
  std::string text = std::string("machine ") + kM1 + "\n" + kActiveStatus + "machine " + kM2 +
                     "\n" + kActiveStatus;
  api_.SetStatusText("global.service", text);
  auto r = Fleetctl({"status", "global.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, text);
}

TEST_F(FleetctlInspectTest, StatusRefusals) {
  api_.PutUnit({"idle.service", HelloOptions(), "inactive", "inactive", "", ""});
  auto r = Fleetctl({"status", "idle.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Unit idle.service does not appear to be loaded.\n");
  r = Fleetctl({"status", "nope.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Unit nope.service does not exist.\n");
  EXPECT_EQ(api_.Count("GET", "/fleet/v1/units/nope.service/status"), 0);
}

TEST_F(FleetctlInspectTest, StatusApiErrorEnvelope) {
  api_.PutUnit(Launched("hello.service"));
  api_.SetError("/units/hello.service/status", 503, "machine ee5398cf is not reachable");
  auto r = Fleetctl({"status", "hello.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Error retrieving status of unit hello.service: googleapi: Error 503: machine "
            "ee5398cf is not reachable\n");
}

std::string JournalLines(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) {
    s += "Mar 03 10:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) +
         " core-01 sh[1234]: Hello World " + std::to_string(i) + "\n";
  }
  return s;
}

TEST_F(FleetctlInspectTest, JournalPrintsTheLastLines) {
  api_.PutUnit(Launched("hello.service"));
  api_.SetJournal("hello.service", JournalLines(1, 12));
  auto r = Fleetctl({"journal", "hello.service"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, JournalLines(3, 12));

  for (auto args : std::vector<std::vector<std::string>>{{"journal", "--lines", "2", "hello"},
                                                         {"journal", "-n", "2", "hello"},
                                                         {"journal", "--lines=2", "hello"}}) {
    r = Fleetctl(args);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, JournalLines(11, 12)) << args[1];
  }
  EXPECT_EQ(api_.requests().back().target, "/fleet/v1/units/hello.service/journal?lines=2");
}

TEST_F(FleetctlInspectTest, JournalFollowStreamsUntilTheServerEnds) {
  api_.PutUnit(Launched("hello.service"));
  api_.SetJournal("hello.service", JournalLines(1, 3));
  BackgroundProcess p({FLOTILLA_BINARY, "fleetctl", "journal", "-f", "hello.service"}, BaseEnv());
  ASSERT_TRUE(
      p.WaitForOutput([](const std::string& out) { return out == JournalLines(1, 3); }, 10s))
      << p.out();
  api_.PushJournal("hello.service", JournalLines(4, 4));
  ASSERT_TRUE(
      p.WaitForOutput([](const std::string& out) { return out == JournalLines(1, 4); }, 10s))
      << p.out();
  api_.EndJournal("hello.service");
  auto r = p.Wait(10s);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(api_.requests().back().target,
            "/fleet/v1/units/hello.service/journal?follow=true&lines=10");
}

TEST_F(FleetctlInspectTest, JournalRefusals) {
  api_.PutUnit({"idle.service", HelloOptions(), "inactive", "inactive", "", ""});
  auto r = Fleetctl({"journal", "idle.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Unit idle.service does not appear to be running.\n");
  r = Fleetctl({"journal", "nope.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Unit nope.service does not exist.\n");
  r = Fleetctl({"journal", "a.service", "b.service"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "One unit file must be provided.\n");
}

}  // namespace
}  // namespace flotilla::testing

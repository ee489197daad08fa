// fleetctl's three tables against the fake fleet API: exact bytes (Go's
// tabwriter with fleetctl's settings pads with tabs to 8-column stops),
// --fields, --full / -l, --no-legend, and every list following
// nextPageToken to the last page.
#include "fleetctl_fixture.h"

namespace flotilla::testing {
namespace {

class FleetctlListTest : public FleetctlTest {
 protected:
  void AddUnits() {
    api_.PutUnit(Launched("hello.service"));
    api_.PutUnit({"global.service",
                  {{"Service", "ExecStart", "/bin/true"}, {"X-Fleet", "Global", "true"}},
                  "launched",
                  "",
                  "",
                  ""});
    api_.PutUnit({"web@.service",
                  {{"Service", "ExecStart", "/bin/echo %i"}},
                  "inactive",
                  "inactive",
                  "",
                  ""});
    api_.PutUnit({"db.service",
                  {{"Unit", "Description", "Database"}, {"X-Fleet", "MachineMetadata", "role=db"}},
                  "launched",
                  "inactive",
                  "",
                  "no machine has metadata role=db"});
  }
  std::string HashOf(const std::string& name) {
    return FakeFleetApi::Hash(api_.GetUnit(name)->options);
  }
};

TEST_F(FleetctlListTest, ListMachinesPrintsFleetctlsTable) {
  auto r = Fleetctl({"list-machines"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "MACHINE\t\tIP\t\tMETADATA\n"
            "ee5398cf...\t10.208.201.250\tregion=us-west,role=web\n"
            "f7e41c2a...\t10.208.201.251\t-\n"
            "fa01b2c3...\t-\t\tdisk=ssd\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(FleetctlListTest, ListMachinesFollowsNextPageToken) {
  ASSERT_EQ(Fleetctl({"list-machines"}).code, 0);
  auto reqs = api_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/fleet/v1/machines?alt=json");
  EXPECT_EQ(reqs[1].target, "/fleet/v1/machines?alt=json&nextPageToken=AgACAA%3D%3D");
}

TEST_F(FleetctlListTest, ListMachinesFullShowsWholeIds) {
  for (const char* flag : {"--full", "-l"}) {
    auto r = Fleetctl({"list-machines", flag});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out,
              "MACHINE\t\t\t\t\tIP\t\tMETADATA\n"
              "ee5398cf8e4b4b1a9d0f4c2f1b0c9e71\t10.208.201.250\tregion=us-west,role=web\n"
              "f7e41c2a3b5d4e6f8a9b0c1d2e3f4a5b\t10.208.201.251\t-\n"
              "fa01b2c3d4e5f60718293a4b5c6d7e8f\t-\t\tdisk=ssd\n")
        << flag;
  }
}

TEST_F(FleetctlListTest, ListMachinesFieldsAndNoLegend) {
  auto r = Fleetctl({"list-machines", "--no-legend", "--fields=ip,machine"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "10.208.201.250\tee5398cf...\n"
            "10.208.201.251\tf7e41c2a...\n"
            "-\t\tfa01b2c3...\n");
}

TEST_F(FleetctlListTest, UnknownFieldIsRefusedBeforeAnyRequest) {
  auto r = Fleetctl({"list-machines", "--fields", "machine,bogus"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Invalid key in output format: \"bogus\"\n");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(api_.requests().empty());

  r = Fleetctl({"list-units", "--fields="});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Must define output format\n");
}

TEST_F(FleetctlListTest, ListUnitsShowsSystemdStatePerMachine) {
  api_.AddState({"hello.service", "0123456789abcdef", kM1, "loaded", "active", "running"});
  api_.AddState({"global.service", "fedcba9876543210", kM1, "loaded", "active", "running"});
  api_.AddState({"global.service", "fedcba9876543210", kM2, "loaded", "failed", "failed"});
  auto r = Fleetctl({"list-units"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "UNIT\t\tMACHINE\t\t\t\tACTIVE\tSUB\n"
            "global.service\tee5398cf.../10.208.201.250\tactive\trunning\n"
            "global.service\tf7e41c2a.../10.208.201.251\tfailed\tfailed\n"
            "hello.service\tee5398cf.../10.208.201.250\tactive\trunning\n");
  // Three states, two to a page.
  EXPECT_EQ(api_.Count("GET", "/fleet/v1/state"), 2);

  r = Fleetctl({"list-units", "--no-legend", "-l", "--fields=unit,hash,load,machine"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "global.service\tfedcba9876543210\tloaded\tee5398cf8e4b4b1a9d0f4c2f1b0c9e71/10.208.201.250\n"
      "global.service\tfedcba9876543210\tloaded\tf7e41c2a3b5d4e6f8a9b0c1d2e3f4a5b/10.208.201.251\n"
      "hello.service\t0123456789abcdef\tloaded\tee5398cf8e4b4b1a9d0f4c2f1b0c9e71/10.208.201.250\n");

  r = Fleetctl({"list-units", "--no-legend", "--fields=hash,unit"});
  EXPECT_EQ(r.out,
            "fedcba9\tglobal.service\n"
            "fedcba9\tglobal.service\n"
            "0123456\thello.service\n");
}

TEST_F(FleetctlListTest, ListUnitsWithNoUnitsPrintsTheLegendOnly) {
  auto r = Fleetctl({"list-units"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "UNIT\tMACHINE\tACTIVE\tSUB\n");
}

TEST_F(FleetctlListTest, ListUnitFilesShowsDesiredCurrentAndTarget) {
  AddUnits();
  auto r = Fleetctl({"list-unit-files"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\n"
            "db.service\t" +
                HashOf("db.service").substr(0, 7) +
                "\tlaunched\tinactive\t-\n"
                "global.service\t" +
                HashOf("global.service").substr(0, 7) +
                "\tlaunched\t-\t\tglobal\n"
                "hello.service\t" +
                HashOf("hello.service").substr(0, 7) +
                "\tlaunched\tlaunched\tee5398cf.../10.208.201.250\n"
                "web@.service\t" +
                HashOf("web@.service").substr(0, 7) + "\tinactive\tinactive\t-\n");
  // Four units, two to a page: fleet also hands out a token after a full
  // last page, and fleetctl reads the empty page it leads to.
  EXPECT_EQ(api_.Count("GET", "/fleet/v1/units?"), 3);
}

TEST_F(FleetctlListTest, ListUnitFilesReasonFieldSaysWhyAUnitIsNotPlaced) {
  AddUnits();
  auto r = Fleetctl({"list-unit-files", "--no-legend", "--fields=unit,reason"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "db.service\tno machine has metadata role=db\n"
            "global.service\t-\n"
            "hello.service\t-\n"
            "web@.service\t-\n");
}

TEST_F(FleetctlListTest, ListUnitFilesOtherFields) {
  AddUnits();
  auto r = Fleetctl({"list-unit-files", "--no-legend", "--full", "--fields=hash,global,desc"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, HashOf("db.service") + "\tfalse\tDatabase\n" + HashOf("global.service") +
                       "\ttrue\t-\n" + HashOf("hello.service") + "\tfalse\tHello World\n" +
                       HashOf("web@.service") + "\tfalse\t-\n");

  r = Fleetctl({"list-unit-files", "--no-legend", "--fields=unit,tmachine"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "WARNING: The \"tmachine\" field is deprecated. Use \"target\" instead\n");
  EXPECT_NE(r.out.find("hello.service\tee5398cf.../10.208.201.250\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace flotilla::testing

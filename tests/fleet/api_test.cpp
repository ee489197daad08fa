// The fleet v1 API over HTTP against a real store (api_fixture.h): every
// endpoint, status code and error text of fleet's api/ package, as
// reference/fleet.md section 3 lists them, and flotilla's additions.
#include <gtest/gtest.h>

#include "api_fixture.h"
#include "fleet/api_page.h"
#include "unit/unit_file.h"

namespace flotilla::fleet {
namespace {

namespace json = boost::json;

std::string Err(int code, const std::string& message) {
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message + R"("}})";
}

class FleetApiServer : public FleetApiFixture {};

class FleetApiPaging : public FleetApiFixture {
 protected:
  void Configure(Api::Options& o) override { o.token_limit = 2; }
};

// --- the gate and the routes ---

TEST_F(FleetApiServer, NotReady_everyRequestGets503) {
  ready_ = false;
  for (std::string path : {"/fleet/v1/units", "/fleet/v1/nothing", "/v1-alpha/machines"}) {
    auto r = Get(path);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_EQ(r.body, Err(503, "fleet server unable to communicate with etcd"));
    EXPECT_EQ(r.ContentType(), "application/json");
  }
  ready_ = true;
  EXPECT_EQ(Get("/fleet/v1/units").status, 200);
}

TEST_F(FleetApiServer, Routes_404And405AsFleetsMux) {
  struct Case {
    std::string method, path;
    int status;
    std::string message;
  } cases[] = {
      {"GET", "/fleet/v1", 405, ""},
      {"PUT", "/v1-alpha", 405, ""},
      {"GET", "/fleet/v1/", 404, ""},
      {"GET", "/fleet/v1/nothing", 404, ""},
      {"GET", "/fleet/v1/units/", 404, ""},
      {"GET", "/fleet/v1/units/a.service/x", 404, ""},
      {"GET", "/fleet/v1/units/a.service/status/x", 404, ""},
      {"GET", "/fleet/v1/machines/m1", 404, ""},
      {"GET", "/fleet/v1/state/", 404, ""},
      {"GET", "/fleet/v1/state/a/b", 404, ""},
      {"POST", "/fleet/v1/units", 405, "only GET supported against this resource"},
      {"POST", "/fleet/v1/units/a.service", 405,
       "only GET, PUT and DELETE supported against this resource"},
      {"PATCH", "/fleet/v1/units/a.service", 405,
       "only GET, PUT and DELETE supported against this resource"},
      {"PUT", "/fleet/v1/state", 405, "only GET supported against this resource"},
      {"DELETE", "/fleet/v1/state/a.service", 405, "only GET supported against this resource"},
      {"DELETE", "/fleet/v1/machines", 405, "only GET and PATCH supported against this resource"},
      {"POST", "/fleet/v1/units/a.service/status", 405, "only GET supported against this resource"},
      {"POST", "/fleet/v1/discovery", 400, "only HTTP GET supported against this resource"},
  };
  for (const auto& c : cases) {
    auto r = Call(c.method, c.path);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path;
    EXPECT_EQ(r.body, Err(c.status, c.message)) << c.method << " " << c.path;
    ASSERT_NE(r.Header("Server"), nullptr);
    EXPECT_EQ(*r.Header("Server"), "fleetd/9.9.9");
  }
  // Outside the API: the fixture's own 418, Serves() said no.
  EXPECT_EQ(Get("/fleet/v10").status, 418);
  EXPECT_EQ(Get("/").status, 418);
}

// As `flotilla serve` mounts it on fleet's unix socket: every request.
TEST_F(FleetApiServer, UnixSocketMount_answersEveryPathAsFleet) {
  std::string dir = testing::MakeTempDir("fleet-api");
  std::string path = dir + "/fleet.sock";
  net::HttpServer sock(loop_, [this](net::HttpRequest&& r, net::ExchangePtr ex) {
    api_->Handle(std::move(r), std::move(ex));
  });
  ASSERT_TRUE(sock.ListenUnix(path).ok());
  sock.Serve();
  std::string url = "unix://" + path;
  AddMachine("m1", "10.0.0.1");
  auto machines = CallAt(url, "GET", "/fleet/v1/machines");
  EXPECT_EQ(machines.status, 200) << machines.body;
  EXPECT_EQ(machines.body, R"({"machines":[{"id":"m1","primaryIP":"10.0.0.1"}]})");
  auto root = CallAt(url, "GET", "/");
  EXPECT_EQ(root.status, 405);
  EXPECT_EQ(root.body, Err(405, ""));
  EXPECT_EQ(*root.Header("Server"), "fleetd/9.9.9");
  EXPECT_EQ(CallAt(url, "GET", "/v2/keys").body, Err(404, ""));
  sock.Close();
  testing::RemoveTree(dir);
}

TEST_F(FleetApiServer, Serves_onlyTheApisPrefixes) {
  auto serves = [](std::string path) {
    net::HttpRequest r;
    r.path = std::move(path);
    return Api::Serves(r);
  };
  EXPECT_TRUE(serves("/fleet/v1"));
  EXPECT_TRUE(serves("/fleet/v1/units"));
  EXPECT_TRUE(serves("/v1-alpha"));
  EXPECT_TRUE(serves("/v1-alpha/state"));
  EXPECT_FALSE(serves("/fleet/v10"));
  EXPECT_FALSE(serves("/v2/keys"));
  EXPECT_FALSE(serves("/"));
}

TEST_F(FleetApiServer, Discovery_servesTheDocumentUnderBothPrefixes) {
  auto r = Get("/fleet/v1/discovery");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.ContentType(), "application/json");
  auto doc = r.Json();
  ASSERT_TRUE(doc.is_object()) << r.body;
  EXPECT_EQ(doc.at("rootUrl").as_string(), "$ENDPOINT/");
  EXPECT_TRUE(doc.at("schemas").as_object().contains("UnitStatePage"));
  EXPECT_EQ(Get("/v1-alpha/discovery").body, r.body);
}

// --- units ---

TEST_F(FleetApiServer, PutUnit_createsWith201AndGetShowsIt) {
  auto r = Submit("hello.service");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(*r.Header("Server"), "fleetd/9.9.9");
  auto g = Get("/fleet/v1/units/hello.service");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.ContentType(), "application/json");
  EXPECT_EQ(g.body,
            R"({"currentState":"inactive","desiredState":"inactive","name":"hello.service",)"
            R"("options":[{"name":"ExecStart","section":"Service","value":"/bin/true"}]})");
  // The store holds the body under its hash, as the agents read it.
  unit::UnitFile file{{{"Service", "ExecStart", "/bin/true"}}};
  auto body = Value(keys_.Body(unit::Hash(file)));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(DecodeBody(*body), unit::Serialize(file));
  EXPECT_EQ(DecodeJobObjectHash(*Value(keys_.JobObject("hello.service"))), unit::Hash(file));
  EXPECT_EQ(Value(keys_.JobTargetState("hello.service")), "inactive");
  // Also under /v1-alpha.
  EXPECT_EQ(Get("/v1-alpha/units/hello.service").body, g.body);
}

TEST_F(FleetApiServer, PutUnit_needsJson415) {
  std::string body = R"({"desiredState":"launched"})";
  auto none = Call("PUT", "/fleet/v1/units/a.service", body);
  EXPECT_EQ(none.status, 415);
  EXPECT_EQ(none.body, Err(415, "expected 1 Content-Type, got 0"));
  auto text = Call("PUT", "/fleet/v1/units/a.service", body, "text/plain");
  EXPECT_EQ(text.body, Err(415, "only acceptable Content-Type is application/json"));
  auto two =
      Raw("PUT /fleet/v1/units/a.service HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          "Content-Type: application/json\r\ncontent-type: application/json\r\n"
          "Content-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(two.status, 415);
  EXPECT_TRUE(two.text.ends_with(Err(415, "expected 1 Content-Type, got 2"))) << two.text;
  // Parameters are ignored.
  auto params = Call("PUT", "/fleet/v1/units/a.service",
                     R"({"options":[{"section":"Service","name":"ExecStart","value":"/x"}]})",
                     "application/json; charset=utf-8");
  EXPECT_EQ(params.status, 201) << params.body;
}

TEST_F(FleetApiServer, PutUnit_badRequests400) {
  struct Case {
    std::string unit, body, message;
  } cases[] = {
      {"a.service", "garbage",
       "unable to decode body: invalid character 'g' looking for beginning of value"},
      {"a.service", "", "unable to decode body: EOF"},
      {"a.service", R"({"name":)", "unable to decode body: unexpected EOF"},
      {"a.service", R"({"name":5})",
       "unable to decode body: json: cannot unmarshal number into Go struct field Unit.name of "
       "type string"},
      {"a.service", R"({"name":"b.service"})",
       R"(name in URL \"a.service\" differs from unit name in request body \"b.service\")"},
      {"hello", R"({"desiredState":"launched"})", R"(unit name must contain \".\")"},
      {"a.nope", R"({"desiredState":"launched"})", R"(invalid unit type: \"nope\")"},
      {"a.service", R"({"desiredState":"running"})", R"(invalid value \"running\" for JobState)"},
      {"a.service",
       R"({"options":[{"section":"X-Fleet","name":"MachineID","value":"m1"},)"
       R"({"section":"X-Fleet","name":"Global","value":"true"}]})",
       "MachineID cannot be used with Global"},
      {"a.service",
       R"({"options":[{"section":"X-Fleet","name":"MachineOf","value":"b.service"},)"
       R"({"section":"X-Fleet","name":"Conflicts","value":"b.*"}]})",
       R"(unresolvable requirements: peer \"b.service\" matches conflict \"b.*\")"},
  };
  for (const auto& c : cases) {
    auto r = PutJson(c.unit, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.body, Err(400, c.message)) << c.body;
  }
  EXPECT_EQ(Get("/fleet/v1/units").body, "{}");  // nothing was written
}

TEST_F(FleetApiServer, PutUnit_conflicts409) {
  auto missing = PutJson("a.service", R"({"desiredState":"launched"})");
  EXPECT_EQ(missing.status, 409);
  EXPECT_EQ(missing.body, Err(409, "unit does not exist and options field empty"));
  ASSERT_EQ(Submit("a.service").status, 201);
  auto nostate = PutJson("a.service", "{}");
  EXPECT_EQ(nostate.status, 409);
  EXPECT_EQ(nostate.body, Err(409, "must provide DesiredState to update existing unit"));
  // Same options again, no state: nothing to do, and fleet says so.
  auto same = Submit("a.service");
  EXPECT_EQ(same.status, 409);
}

TEST_F(FleetApiServer, PutUnit_desiredStateUpdate204) {
  ASSERT_EQ(Submit("a.service").status, 201);
  auto r = PutJson("a.service", R"({"desiredState":"launched"})");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(Get("/fleet/v1/units/a.service").Json().at("desiredState"), "launched");
  // The same options with a state are an update too, not a replace.
  EXPECT_EQ(Submit("a.service", "loaded").status, 204);
  EXPECT_EQ(Get("/fleet/v1/units/a.service").Json().at("desiredState"), "loaded");
}

TEST_F(FleetApiServer, PutUnit_differentOptionsReplace201) {
  ASSERT_EQ(Submit("a.service", "launched").status, 201);
  std::string v2 = R"({"options":[{"section":"Service","name":"ExecStart","value":"/bin/v2"}]})";
  auto r = PutJson("a.service", v2);
  EXPECT_EQ(r.status, 201) << r.body;
  auto u = Get("/fleet/v1/units/a.service").Json();
  EXPECT_EQ(u.at("options").at(0).at("value"), "/bin/v2");
  EXPECT_EQ(u.at("desiredState"), "launched");  // kept
  unit::UnitFile file{{{"Service", "ExecStart", "/bin/v2"}}};
  EXPECT_EQ(DecodeJobObjectHash(*Value(keys_.JobObject("a.service"))), unit::Hash(file));
  // With a state, the state given.
  std::string v3 =
      R"({"desiredState":"inactive","options":[{"section":"Service","name":"ExecStart","value":"/bin/v3"}]})";
  EXPECT_EQ(PutJson("a.service", v3).status, 201);
  EXPECT_EQ(Get("/fleet/v1/units/a.service").Json().at("desiredState"), "inactive");
  // A replacement is validated like a new unit.
  auto bad =
      PutJson("a.service", R"({"options":[{"section":"X-Fleet","name":"Global","value":"true"},)"
                           R"({"section":"X-Fleet","name":"Replaces","value":"b.service"}]})");
  EXPECT_EQ(bad.body, Err(400, "Global cannot be used with Replaces"));
}

TEST_F(FleetApiServer, PutUnit_templatesStayInactive) {
  EXPECT_EQ(Submit("web@.service").status, 201);
  auto r = PutJson("web@.service", R"({"desiredState":"launched"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, Err(400, R"(cannot activate template \"web@.service\")"));
  EXPECT_EQ(PutJson("web@.service", R"({"desiredState":"inactive"})").status, 204);
  auto create = Submit("db@.service", "loaded");
  EXPECT_EQ(create.body, Err(400, R"(cannot activate template \"db@.service\")"));
  EXPECT_EQ(Submit("web@1.service", "launched").status, 201);
  EXPECT_EQ(Get("/fleet/v1/units/db@.service").status, 404);
}

TEST_F(FleetApiServer, DeleteUnit_204Then404) {
  ASSERT_EQ(Submit("a.service").status, 201);
  ASSERT_EQ(Submit("b.service").status, 201);
  auto d = Call("DELETE", "/fleet/v1/units/a.service");
  EXPECT_EQ(d.status, 204);
  EXPECT_EQ(d.body, "");
  auto again = Call("DELETE", "/fleet/v1/units/a.service");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.body, Err(404, "unit does not exist"));
  EXPECT_EQ(Get("/fleet/v1/units/a.service").body, Err(404, "unit does not exist"));
  // Names no unit can have never reach the store.
  for (std::string bad : {"..", "%2e%2e", ".", "x"})
    EXPECT_EQ(Call("DELETE", "/fleet/v1/units/" + bad).status, 404) << bad;
  EXPECT_EQ(Get("/fleet/v1/units/b.service").status, 200);
}

TEST_F(FleetApiServer, GetUnit_currentStateMachineAndReason) {
  ASSERT_EQ(Submit("a.service", "launched").status, 201);
  Set(keys_.Unplaced("a.service"), "no machine has metadata role=db");
  auto u = Get("/fleet/v1/units/a.service").Json();
  EXPECT_EQ(u.at("currentState"), "inactive");
  EXPECT_FALSE(u.as_object().contains("machineID"));
  EXPECT_EQ(u.at("reason"), "no machine has metadata role=db");

  AddMachine("m1");
  Schedule("m1", "a.service");
  u = Get("/fleet/v1/units/a.service").Json();
  EXPECT_EQ(u.at("currentState"), "inactive");
  EXPECT_EQ(u.at("machineID"), "m1");
  EXPECT_FALSE(u.as_object().contains("reason"));
  Report("a.service", "m1", JobState::kLoaded, "inactive", "dead");
  EXPECT_EQ(Get("/fleet/v1/units/a.service").Json().at("currentState"), "loaded");
  Report("a.service", "m1", JobState::kLaunched);
  EXPECT_EQ(Get("/fleet/v1/units/a.service").Json().at("currentState"), "launched");

  ASSERT_EQ(
      Submit("g.service", "launched", R"({"section":"X-Fleet","name":"Global","value":"true"})")
          .status,
      201);
  Report("g.service", "m1", JobState::kLaunched);
  auto g = Get("/fleet/v1/units/g.service").Json().as_object();
  EXPECT_FALSE(g.contains("currentState"));
  EXPECT_FALSE(g.contains("machineID"));
}

// --- paging ---

TEST_F(FleetApiPaging, Units_pagesOfTokenLimit) {
  for (std::string n : {"e", "a", "d", "b", "c"}) ASSERT_EQ(Submit(n + ".service").status, 201);
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto r = Get("/fleet/v1/units" + (token.empty() ? "" : "?nextPageToken=" + token));
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = r.Json().as_object();
    for (const auto& u : page.at("units").as_array()) seen.emplace_back(u.at("name").as_string());
    token = page.contains("nextPageToken") ? std::string(page.at("nextPageToken").as_string()) : "";
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"a.service", "b.service", "c.service", "d.service",
                                            "e.service"}));
  // A full last page still points on, to an empty one.
  ASSERT_EQ(Call("DELETE", "/fleet/v1/units/e.service").status, 204);
  auto second = Get("/fleet/v1/units?nextPageToken=" + EncodePageToken({2, 2})).Json();
  EXPECT_EQ(std::string(second.at("nextPageToken").as_string()), EncodePageToken({2, 3}));
  EXPECT_EQ(Get("/fleet/v1/units?nextPageToken=" + EncodePageToken({2, 3})).body, "{}");
}

TEST_F(FleetApiPaging, BadTokens_400WithFleetsTexts) {
  struct Case {
    std::string query, message;
  } cases[] = {
      {"nextPageToken=EwBMLg==", "token limit must be 2"},
      {"nextPageToken=" + EncodePageToken({2, 0}), "token page must be greater than zero"},
      {"nextPageToken=!!!!", "illegal base64 data at input byte 0"},
      {"nextPageToken=", "EOF"},
      {"nextPageToken=AgA%3D", "unexpected EOF"},
      {"nextPageToken=a&nextPageToken=b", "too many values for page token"},
  };
  for (std::string base : {"/fleet/v1/units", "/fleet/v1/state", "/fleet/v1/machines"}) {
    for (const auto& c : cases) {
      auto r = Get(base + "?" + c.query);
      EXPECT_EQ(r.status, 400) << base << "?" << c.query;
      EXPECT_EQ(r.body, Err(400, c.message)) << base << "?" << c.query;
      EXPECT_EQ(r.ContentType(), "application/json");
    }
  }
  // A good token of this server.
  EXPECT_EQ(Get("/fleet/v1/machines?nextPageToken=" + EncodePageToken({2, 1})).status, 200);
}

TEST_F(FleetApiPaging, StatesAndMachines_page) {
  for (std::string m : {"m3", "m1", "m2"}) AddMachine(m, "10.0.0." + m.substr(1));
  auto p1 = Get("/fleet/v1/machines").Json();
  ASSERT_EQ(p1.at("machines").as_array().size(), 2u);
  EXPECT_EQ(p1.at("machines").at(0).at("id"), "m1");
  auto p2 =
      Get("/fleet/v1/machines?nextPageToken=" + std::string(p1.at("nextPageToken").as_string()))
          .Json();
  ASSERT_EQ(p2.at("machines").as_array().size(), 1u);
  EXPECT_EQ(p2.at("machines").at(0).at("primaryIP"), "10.0.0.3");
  EXPECT_FALSE(p2.as_object().contains("nextPageToken"));

  for (std::string u : {"a", "b", "c"}) Report(u + ".service", "m1", JobState::kLaunched);
  auto s1 = Get("/fleet/v1/state").Json();
  EXPECT_EQ(s1.at("states").as_array().size(), 2u);
  auto s2 = Get("/fleet/v1/state?nextPageToken=" + std::string(s1.at("nextPageToken").as_string()))
                .Json();
  ASSERT_EQ(s2.at("states").as_array().size(), 1u);
  EXPECT_EQ(s2.at("states").at(0).at("name"), "c.service");
}

// --- states ---

TEST_F(FleetApiServer, State_onlyLiveMachinesFilteredAndSorted) {
  AddMachine("m1");
  AddMachine("m2");
  Report("b.service", "m1", JobState::kLaunched);
  Report("a.service", "m2", JobState::kLaunched, "failed", "failed");
  Report("a.service", "m1", JobState::kLoaded, "inactive", "dead");
  Report("a.service", "gone", JobState::kLaunched);  // its machine died
  auto all = Get("/fleet/v1/state");
  ASSERT_EQ(all.status, 200);
  std::string hash(40, 'b');
  EXPECT_EQ(all.body,
            R"({"states":[{"hash":")" + hash +
                R"(","machineID":"m1","name":"a.service","systemdActiveState":"inactive",)"
                R"("systemdLoadState":"loaded","systemdSubState":"dead"},{"hash":")" +
                hash +
                R"(","machineID":"m2","name":"a.service","systemdActiveState":"failed",)"
                R"("systemdLoadState":"loaded","systemdSubState":"failed"},{"hash":")" +
                hash +
                R"(","machineID":"m1","name":"b.service","systemdActiveState":"active",)"
                R"("systemdLoadState":"loaded","systemdSubState":"running"}]})");
  auto by_machine = Get("/fleet/v1/state?machineID=m2").Json().at("states").as_array();
  ASSERT_EQ(by_machine.size(), 1u);
  EXPECT_EQ(by_machine[0].at("name"), "a.service");
  auto by_unit = Get("/fleet/v1/state?unitName=a.service").Json().at("states").as_array();
  EXPECT_EQ(by_unit.size(), 2u);
  EXPECT_EQ(
      Get("/fleet/v1/state?unitName=a.service&machineID=m1").Json().at("states").as_array().size(),
      1u);
  EXPECT_EQ(Get("/fleet/v1/state?machineID=gone").body, "{}");
  EXPECT_EQ(Get("/fleet/v1/state?machineID=m").body, "{}");  // exact match only

  auto one = Get("/fleet/v1/state/a.service");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.Json().at("machineID"), "m1");
  auto none = Get("/fleet/v1/state/c.service");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.body, Err(404, "unit state does not exist"));
}

// --- machines ---

TEST_F(FleetApiServer, Machines_liveOnesWithMergedMetadata) {
  EXPECT_EQ(Get("/fleet/v1/machines").body, "{}");
  AddMachine("YYY", "1.2.3.4", {{"ping", "pong"}});
  AddMachine("XXX");
  auto r = Get("/fleet/v1/machines");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.ContentType(), "application/json");
  EXPECT_EQ(
      r.body,
      R"({"machines":[{"id":"XXX"},{"id":"YYY","metadata":{"ping":"pong"},"primaryIP":"1.2.3.4"}]})");
}

TEST_F(FleetApiServer, PatchMachines_addReplaceRemove) {
  AddMachine("m0", "10.0.0.1", {{"hostname", "smoke0"}});
  AddMachine("m1", "10.0.0.2", {{"hostname", "smoke1"}, {"ping", "pong"}});
  // fleet's functional test body (nested value, capitalised key), and the
  // documented bare string.
  auto r = Call("PATCH", "/fleet/v1/machines",
                R"([{"op":"add","path":"/m0/metadata/foo","Value":{"value":"bar"}},)"
                R"({"op":"replace","path":"/m1/metadata/ping","value":"splat"}])");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.ContentType(), "application/json");
  auto machines = Get("/fleet/v1/machines").Json().at("machines");
  EXPECT_EQ(machines.at(0).at("metadata"), json::parse(R"({"foo":"bar","hostname":"smoke0"})"));
  EXPECT_EQ(machines.at(1).at("metadata"), json::parse(R"({"hostname":"smoke1","ping":"splat"})"));
  EXPECT_EQ(Value(keys_.MachineMetadata("m0", "foo")), "bar");

  r = Call("PATCH", "/fleet/v1/machines",
           R"([{"op":"remove","path":"/m0/metadata/foo","value":{"value":""}},)"
           R"({"op":"remove","path":"/m1/metadata/ping"}])");
  EXPECT_EQ(r.status, 204) << r.body;
  machines = Get("/fleet/v1/machines").Json().at("machines");
  EXPECT_EQ(machines.at(0).at("metadata"), json::parse(R"({"hostname":"smoke0"})"));
  // Removing hides the configured key too: a "" tombstone.
  EXPECT_EQ(machines.at(1).at("metadata"), json::parse(R"({"hostname":"smoke1"})"));
  EXPECT_EQ(Value(keys_.MachineMetadata("m1", "ping")), "");
  // An unknown machine is fine; an empty patch is a no-op.
  EXPECT_EQ(Call("PATCH", "/fleet/v1/machines",
                 R"([{"op":"add","path":"/nobody/metadata/k","value":"v"}])")
                .status,
            204);
  EXPECT_EQ(Call("PATCH", "/fleet/v1/machines", "[]").status, 204);
}

TEST_F(FleetApiServer, PatchMachines_badPatches400AndNothingApplied) {
  AddMachine("m0");
  struct Case {
    std::string body, message;
  } cases[] = {
      {R"([{"op":"noop","path":"/m0/metadata/foo","value":{"value":"bar"}}])",
       "invalid op: expect add, remove, or replace"},
      {R"([{"op":"add","path":"/m0/foo","value":{"value":"bar"}}])",
       "machine metadata path invalid"},
      {R"([{"op":"add","path":"/m0/metadata/foo","value":{"value":""}}])",
       "invalid value: add and replace require a value"},
      {R"([{"op":"add","path":"/m0/metadata/ok","value":"1"},{"op":"add","path":"/m0/metadata/b a d","value":"1"}])",
       "machine metadata path invalid"},
      {"{}", "json: cannot unmarshal object into Go value of type []api.machineMetadataOp"},
      {"", "EOF"},
      {"[{", "unexpected EOF"},
      {"\x01\xff", "invalid character '\\\\x01' looking for beginning of value"},
  };
  for (const auto& c : cases) {
    auto r = Call("PATCH", "/fleet/v1/machines", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.body, Err(400, c.message)) << c.body;
    EXPECT_EQ(r.ContentType(), "application/json");
  }
  EXPECT_EQ(Get("/fleet/v1/machines").body, R"({"machines":[{"id":"m0"}]})");
}

TEST_F(FleetApiServer, GarbageBodies_neverCrashNorWrite) {
  std::string junk[] = {std::string("\0\0\0", 3),
                        "{\"options\":[{\"section\":{}}]}",
                        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]",
                        "{\"name\":\"a.service\",\"options\":[{\"section\":\"\\ud800\"}]}",
                        "\"\\u0000\"",
                        "1e999",
                        "{\"desiredState\":{\"x\":1}}",
                        std::string(100000, '{')};
  for (const auto& body : junk) {
    auto put = PutJson("a.service", body);
    EXPECT_EQ(put.status, 400) << body.substr(0, 60);
    auto patch = Call("PATCH", "/fleet/v1/machines", body);
    EXPECT_EQ(patch.status, 400) << body.substr(0, 60);
  }
  EXPECT_EQ(Get("/fleet/v1/units").body, "{}");
  EXPECT_EQ(Get("/fleet/v1/machines").body, "{}");
}

}  // namespace
}  // namespace flotilla::fleet

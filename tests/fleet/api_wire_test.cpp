// The fleet API's pure parts: page tokens (fleet's api/pagination.go and
// its tests), the JSON shapes of schema/v1-gen.go as Go writes them, the
// bodies as Go reads them, PATCH checks, and the entities derived from a
// registry snapshot.
#include <gtest/gtest.h>

#include "fleet/api_json.h"
#include "fleet/api_page.h"
#include "fleet/api_view.h"
#include "net/query.h"
#include "unit/unit_file.h"

namespace flotilla::fleet {
namespace {

// --- page tokens ---

TEST(FleetApiPage, EncodePageToken_isUrlBase64OfLittleEndianLimitAndPage) {
  EXPECT_EQ(EncodePageToken({100, 1}), "ZAABAA==");
  EXPECT_EQ(EncodePageToken({100, 2}), "ZAACAA==");
  EXPECT_EQ(EncodePageToken({0xffff, 0xfbff}), "____-w==");  // '-' and '_' alphabet
  for (PageToken t : {PageToken{100, 1}, PageToken{60, 2}, PageToken{1, 65535}}) {
    auto back = DecodePageToken(EncodePageToken(t));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, t);
  }
}

TEST(FleetApiPage, DecodePageToken_failsWithGosWords) {
  // fleet's functional test token: limit 19.
  auto t = DecodePageToken("EwBMLg==");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->limit, 19);
  EXPECT_EQ(DecodePageToken("").status().message(), "EOF");
  EXPECT_EQ(DecodePageToken("ZA==").status().message(), "unexpected EOF");
  EXPECT_EQ(DecodePageToken("!!!!").status().message(), "illegal base64 data at input byte 0");
  EXPECT_EQ(DecodePageToken("ZAAB").status().message(), "unexpected EOF");  // 3 bytes
  EXPECT_EQ(DecodePageToken("ZAABAA").status().message(), "illegal base64 data at input byte 4");
  EXPECT_EQ(DecodePageToken("ZAABAA=").status().message(), "illegal base64 data at input byte 7");
  EXPECT_EQ(DecodePageToken("ZAABAA==x").status().message(), "illegal base64 data at input byte 8");
  EXPECT_EQ(DecodePageToken("ZAAB=A==").status().message(), "illegal base64 data at input byte 4");
  EXPECT_EQ(DecodePageToken("ZAABAA+/").status().message(),
            "illegal base64 data at input byte 6");  // the standard alphabet is refused
  // Newlines are skipped, as Go does; bytes after the 4th are ignored.
  EXPECT_TRUE(DecodePageToken("ZAAB\nAA==").ok());
  auto longer = DecodePageToken("ZAABAAAA");
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ(*longer, (PageToken{100, 1}));
}

TEST(FleetApiPage, FindPageToken_validatesLimitAndPage) {
  EXPECT_EQ(*FindPageToken({}, 100), (PageToken{100, 1}));
  EXPECT_EQ(*FindPageToken({"ZAACAA=="}, 100), (PageToken{100, 2}));
  EXPECT_EQ(FindPageToken({"a", "b"}, 100).status().message(), "too many values for page token");
  EXPECT_EQ(FindPageToken({"EwBMLg=="}, 100).status().message(), "token limit must be 100");
  EXPECT_EQ(FindPageToken({EncodePageToken({100, 0})}, 100).status().message(),
            "token page must be greater than zero");
}

TEST(FleetApiPage, SlicePage_fullPageGetsANextTokenEvenAtTheEnd) {
  std::vector<int> all(103);
  for (int i = 0; i < 103; ++i) all[i] = i;
  auto p1 = SlicePage(all, {60, 1});
  ASSERT_EQ(p1.items.size(), 60u);
  EXPECT_EQ(p1.items.front(), 0);
  EXPECT_EQ(p1.next, (PageToken{60, 2}));
  auto p2 = SlicePage(all, {60, 2});
  ASSERT_EQ(p2.items.size(), 43u);
  EXPECT_EQ(p2.items.back(), 102);
  EXPECT_FALSE(p2.next);
  auto exact = SlicePage(std::vector<int>(4), {2, 2});
  EXPECT_EQ(exact.items.size(), 2u);
  EXPECT_EQ(exact.next, (PageToken{2, 3}));
  auto past = SlicePage(std::vector<int>(4), {2, 3});
  EXPECT_TRUE(past.items.empty());
  EXPECT_FALSE(past.next);
}

// --- the entities as Go writes them ---

TEST(FleetApiJson, EncodeMachinePage_matchesFleetsListTest) {
  Page<ApiMachine> page;
  page.items = {{"XXX", "", {}}, {"YYY", "1.2.3.4", {{"ping", "pong"}}}};
  EXPECT_EQ(
      EncodeMachinePage(page),
      R"({"machines":[{"id":"XXX"},{"id":"YYY","metadata":{"ping":"pong"},"primaryIP":"1.2.3.4"}]})");
  page.next = PageToken{100, 2};
  EXPECT_TRUE(EncodeMachinePage(page).ends_with(R"(],"nextPageToken":"ZAACAA=="})"))
      << EncodeMachinePage(page);
  EXPECT_EQ(EncodeMachinePage({}), "{}");
}

TEST(FleetApiJson, EncodeUnit_fieldsInSchemaOrderEmptyOnesOmitted) {
  ApiUnit u;
  u.name = "a<b>.service";
  u.desired_state = "launched";
  u.current_state = "loaded";
  u.machine_id = "m1";
  u.options = {{"Service", "ExecStart", "/bin/x"}, {"Unit", "Description", ""}};
  EXPECT_EQ(EncodeUnit(u),
            R"({"currentState":"loaded","desiredState":"launched","machineID":"m1",)"
            R"("name":"a\u003cb\u003e.service","options":[{"name":"ExecStart","section":"Service",)"
            R"("value":"/bin/x"},{"name":"Description","section":"Unit"}]})");
  ApiUnit bare;
  bare.name = "x.service";
  bare.reason = "no machine has metadata role=db";
  EXPECT_EQ(EncodeUnit(bare), R"({"name":"x.service","reason":"no machine has metadata role=db"})");
  Page<ApiUnit> page{{bare}, PageToken{100, 2}};
  EXPECT_EQ(EncodeUnitPage(page),
            R"({"nextPageToken":"ZAACAA==","units":[)" + EncodeUnit(bare) + "]}");
}

TEST(FleetApiJson, EncodeUnitState_andError) {
  ApiUnitState s{"a.service", "abc", "m1", "loaded", "active", "running"};
  EXPECT_EQ(EncodeUnitState(s),
            R"({"hash":"abc","machineID":"m1","name":"a.service","systemdActiveState":"active",)"
            R"("systemdLoadState":"loaded","systemdSubState":"running"})");
  EXPECT_EQ(EncodeUnitStatePage({{s}, std::nullopt}), "{\"states\":[" + EncodeUnitState(s) + "]}");
  EXPECT_EQ(EncodeError(404, ""), R"({"error":{"code":404,"message":""}})");
  EXPECT_EQ(EncodeError(503, "fleet server unable to communicate with etcd"),
            R"({"error":{"code":503,"message":"fleet server unable to communicate with etcd"}})");
}

// --- bodies as Go reads them ---

TEST(FleetApiJson, DecodeUnit_readsLikeGo) {
  auto u = DecodeUnit(
      R"({"NAME":"a.service","name":"b.service","desiredState":"loaded","machineID":null,)"
      R"("options":[{"Section":"Service","name":"ExecStart","value":"x"}],"extra":[1,2]} junk)");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->name, "b.service");  // the last match wins
  EXPECT_EQ(u->desired_state, "loaded");
  ASSERT_EQ(u->options.size(), 1u);
  EXPECT_EQ(u->options[0], (ApiUnitOption{"Service", "ExecStart", "x"}));
  EXPECT_TRUE(DecodeUnit("null").ok());
}

TEST(FleetApiJson, DecodeUnit_errorsInGosWords) {
  auto msg = [](std::string_view body) { return DecodeUnit(body).status().message(); };
  EXPECT_EQ(msg(""), "EOF");
  EXPECT_EQ(msg("  \n"), "EOF");
  EXPECT_EQ(msg(R"({"name":)"), "unexpected EOF");
  EXPECT_EQ(msg("garbage"), "invalid character 'g' looking for beginning of value");
  EXPECT_EQ(msg("[1]"), "json: cannot unmarshal array into Go value of type schema.Unit");
  EXPECT_EQ(msg(R"({"name":5})"),
            "json: cannot unmarshal number into Go struct field Unit.name of type string");
  EXPECT_EQ(msg(R"({"options":{}})"),
            "json: cannot unmarshal object into Go struct field Unit.options of type "
            "[]*schema.UnitOption");
  EXPECT_EQ(msg(R"({"options":["x"]})"),
            "json: cannot unmarshal string into Go struct field Unit.options of type "
            "schema.UnitOption");
  EXPECT_EQ(msg(R"({"options":[{"value":true}]})"),
            "json: cannot unmarshal bool into Go struct field UnitOption.options.value of type "
            "string");
  EXPECT_EQ(msg(R"({"options":[null]})"), "null unit option");
}

TEST(FleetApiJson, DecodeMachinePatch_nestedAndBareValues) {
  auto ops = DecodeMachinePatch(
      R"([{"op":"add","path":"/m0/metadata/foo","value":{"value":"bar"}},)"
      R"({"op":"replace","Path":"/m1/metadata/ping","Value":"splat"},{"op":"remove","path":"/m0/metadata/x"},null])");
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  ASSERT_EQ(ops->size(), 4u);
  EXPECT_EQ((*ops)[0].value, "bar");
  EXPECT_EQ((*ops)[1].path, "/m1/metadata/ping");
  EXPECT_EQ((*ops)[1].value, "splat");
  EXPECT_EQ((*ops)[3].op, "");
  EXPECT_EQ(DecodeMachinePatch("{}").status().message(),
            "json: cannot unmarshal object into Go value of type []api.machineMetadataOp");
  EXPECT_EQ(DecodeMachinePatch(R"(["x"])").status().message(),
            "json: cannot unmarshal string into Go value of type api.machineMetadataOp");
  EXPECT_EQ(DecodeMachinePatch(R"([{"value":7}])").status().message(),
            "json: cannot unmarshal number into Go struct field machineMetadataOp.Value of type "
            "api.ValueType");
  EXPECT_EQ(DecodeMachinePatch("").status().message(), "EOF");
  EXPECT_TRUE(DecodeMachinePatch("null")->empty());
}

TEST(FleetApiJson, CheckMachinePatch_fleetsRules) {
  auto check = [](std::string op, std::string path, std::string value) {
    return CheckMachinePatch({{op, path, value}});
  };
  auto ok = check("add", "/m0/metadata/a.b-c_D9", "v");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->front(), (MetadataChange{"m0", "a.b-c_D9", "v"}));
  EXPECT_EQ(check("remove", "/m0/metadata/k", "ignored")->front().value, "");
  EXPECT_EQ(check("noop", "/m0/metadata/k", "v").status().message(),
            "invalid op: expect add, remove, or replace");
  for (std::string bad : {"/m0/foo", "m0/metadata/k", "//metadata/k", "/m0/metadata/",
                          "/m0/metadata/k/x", "/m0/metadata/k!", "/m0/x/metadata/k"}) {
    EXPECT_EQ(check("add", bad, "v").status().message(), "machine metadata path invalid") << bad;
  }
  EXPECT_EQ(check("replace", "/m0/metadata/k", "").status().message(),
            "invalid value: add and replace require a value");
  // Every op is checked before any is applied.
  EXPECT_FALSE(CheckMachinePatch({{"add", "/m/metadata/a", "1"}, {"add", "/m/x", "1"}}).ok());
}

TEST(FleetApiJson, ParseQueryValues_likeGosUrlQuery) {
  auto q = net::ParseQueryValues("a=1&a=2&b=x+y%21&bad=%zz&semi=1;2&&flag&c=");
  EXPECT_EQ(q["a"], (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(q["b"], (std::vector<std::string>{"x y!"}));
  EXPECT_EQ(q.count("bad"), 0u);
  EXPECT_EQ(q.count("semi"), 0u);
  EXPECT_EQ(q["flag"], (std::vector<std::string>{""}));
  EXPECT_EQ(q["c"], (std::vector<std::string>{""}));
}

TEST(FleetApiJson, DecodeRemoteUnit_readsTheServiceApisUnit) {
  auto v = DecodeRemoteUnit(
      R"({"name":"hello.service","description":"Hello","path":"/u/hello.service","load":"loaded",)"
      R"("active":"failed","sub":"failed","result":"exit-code","mainPID":0,"since":5000000,"mainCommand":""})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->status.active, service::ActiveState::kFailed);
  EXPECT_EQ(v->status.result, service::ServiceResult::kExitCode);
  EXPECT_EQ(v->status.since.time_since_epoch(), std::chrono::seconds(5));
  EXPECT_FALSE(DecodeRemoteUnit("[]").has_value());
  EXPECT_FALSE(DecodeRemoteUnit(R"({"name":7})").has_value());
  auto odd = DecodeRemoteUnit(R"({"name":"x.service","since":1e300,"mainPID":"x"})");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->status.since.time_since_epoch().count(), 0);
}

// --- entities from a snapshot ---

Snapshot WithUnit(const std::string& name, const std::string& text, JobState desired) {
  Snapshot s;
  auto file = unit::ParseUnitFile(text, name);
  std::string hash = unit::Hash(*file);
  s.jobs[name] = {hash, desired};
  s.bodies[hash] = unit::Serialize(*file);
  return s;
}

TEST(FleetApiView, CurrentState_followsTargetAndReportedState) {
  Snapshot s = WithUnit("a.service", "[Service]\nExecStart=/bin/a\n", JobState::kLaunched);
  s.unplaced["a.service"] = "no machine has metadata role=db";
  auto u = UnitOf(s, "a.service");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->current_state, "inactive");
  EXPECT_EQ(u->machine_id, "");
  EXPECT_EQ(u->reason, "no machine has metadata role=db");
  ASSERT_EQ(u->options.size(), 1u);
  EXPECT_EQ(u->options[0], (ApiUnitOption{"Service", "ExecStart", "/bin/a"}));

  s.schedule["m1"]["a.service"] = {JobState::kLaunched, std::string(40, 'a')};
  u = UnitOf(s, "a.service");
  EXPECT_EQ(u->current_state, "inactive");  // not reported yet
  EXPECT_EQ(u->machine_id, "m1");
  EXPECT_EQ(u->reason, "");

  s.states["a.service"]["m2"] = {"loaded", "active", "running", "m2", "", JobState::kLaunched};
  EXPECT_EQ(UnitOf(s, "a.service")->current_state, "inactive");  // another machine's report
  s.states["a.service"]["m1"] = {"loaded", "inactive", "dead", "m1", "", JobState::kLoaded};
  EXPECT_EQ(UnitOf(s, "a.service")->current_state, "loaded");
  s.states["a.service"]["m1"].fleet_state = JobState::kLaunched;
  EXPECT_EQ(UnitOf(s, "a.service")->current_state, "launched");
}

TEST(FleetApiView, GlobalUnit_hasNoCurrentStateNorMachine) {
  Snapshot s = WithUnit("g.service", "[Service]\nExecStart=/bin/g\n[X-Fleet]\nGlobal=true\n",
                        JobState::kLaunched);
  s.states["g.service"]["m1"] = {"loaded", "active", "running", "m1", "", JobState::kLaunched};
  s.machines["m1"] = {"m1", "", {}, "", ""};
  auto u = UnitOf(s, "g.service");
  EXPECT_EQ(u->current_state, "");
  EXPECT_EQ(u->machine_id, "");
  EXPECT_EQ(MachinesRunning(s, "g.service"), std::vector<std::string>{"m1"});
}

TEST(FleetApiView, UnitsOf_skipsJobsWithoutObjectAndSortsByName) {
  Snapshot s = WithUnit("b.service", "[Service]\nExecStart=/b\n", JobState::kInactive);
  s.jobs["a.service"] = {"", JobState::kLoaded};                    // being created: no object yet
  s.jobs["c.service"] = {std::string(40, 'f'), JobState::kLoaded};  // body missing
  auto units = UnitsOf(s);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[0].name, "b.service");
  EXPECT_EQ(units[1].name, "c.service");
  EXPECT_TRUE(units[1].options.empty());
  EXPECT_FALSE(UnitOf(s, "a.service"));
}

TEST(FleetApiView, StatesAndMachines_onlyLiveMachines) {
  Snapshot s;
  s.machines["m1"] = {"m1", "10.0.0.1", {{"role", "web"}, {"az", "1"}}, "", ""};
  s.dynamic_metadata["m1"] = {{"az", ""}, {"rack", "r7"}};
  s.states["a.service"]["m1"] = {"loaded", "active", "running", "m1", "h", JobState::kLaunched};
  s.states["a.service"]["m9"] = {"loaded", "active", "running", "m9", "h", JobState::kLaunched};
  s.states["b.service"]["m1"] = {"loaded", "failed", "failed", "m1", "h", JobState::kLaunched};
  auto all = UnitStatesOf(s, "", "");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], (ApiUnitState{"a.service", "h", "m1", "loaded", "active", "running"}));
  EXPECT_EQ(UnitStatesOf(s, "", "b.service").size(), 1u);
  EXPECT_EQ(UnitStatesOf(s, "m9", "").size(), 0u);
  auto machines = MachinesOf(s);
  ASSERT_EQ(machines.size(), 1u);
  EXPECT_EQ(machines[0].metadata,
            (std::map<std::string, std::string>{{"rack", "r7"}, {"role", "web"}}));
}

TEST(FleetApiView, ValidateUnitOptions_andTemplates) {
  unit::UnitFile ok = UnitFileOf({{"Service", "ExecStart", "/bin/x"}});
  EXPECT_TRUE(ValidateUnitOptions(ok).ok());
  unit::UnitFile bad = UnitFileOf({{"X-Fleet", "MachineID", "abc"}, {"X-Fleet", "Global", "true"}});
  EXPECT_EQ(ValidateUnitOptions(bad).message(), "MachineID cannot be used with Global");
  unit::UnitFile huge = UnitFileOf({{"Service", "ExecStart", std::string(2 << 20, 'x')}});
  EXPECT_FALSE(ValidateUnitOptions(huge).ok());
  EXPECT_TRUE(IsTemplateName("web@.service"));
  EXPECT_FALSE(IsTemplateName("web@1.service"));
  EXPECT_FALSE(IsTemplateName("web.service"));
}

}  // namespace
}  // namespace flotilla::fleet

// fleet's functional tests of the machines API and of fleetctl itself
// (functional/machines_test.go, fleetctl_test.go, client_test.go;
// shared/reference/fleet.md sections 3 and 5): plain HTTP against a real
// machine's fleet v1 API, sent as fleet's test sends it, and `flotilla
// fleetctl`'s version, help and FLEETCTL_ENDPOINT.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fleet_cluster.h"
#include "net/http_client.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

namespace json = boost::json;

struct Answer {
  int status = -1;
  std::string content_type;
  std::string body;
};

// One request as fleet's getHTTPResponse makes it (Go's http.Client: the
// body as given, no Content-Type).
Answer Http(const std::string& url, std::string_view method, std::string_view target,
            std::string_view body = {}) {
  Answer a;
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return a;
  net::HttpClient client(*parsed);
  net::ClientRequest req;
  req.method = method;
  req.target = target;
  req.body = body;
  net::HttpResponse r;
  if (!client.Do(req, std::chrono::seconds(5), &r).ok()) return a;
  a.status = r.status;
  if (const std::string* ct = r.Header("Content-Type")) a.content_type = *ct;
  a.body = r.body;
  return a;
}

std::string Show(const Answer& a) {
  return "HTTP " + std::to_string(a.status) + " Content-Type: " + a.content_type + "\n" + a.body;
}

// fleet's machineMetadataOp as encoding/json writes it: "Value" is the
// Go field name (no json tag), holding {"value": ...}.
std::string PatchOp(const std::string& op, const std::string& path, const std::string& value) {
  json::object o;
  o["op"] = op;
  o["path"] = path;
  o["Value"] = json::object{{"value", value}};
  return json::serialize(o);
}

std::string PatchBody(const std::vector<std::string>& ops) {
  std::string body = "[";
  for (size_t i = 0; i < ops.size(); ++i) body += (i ? "," : "") + ops[i];
  return body + "]";
}

// A machine as GET /fleet/v1/machines shows it.
struct Machine {
  std::string id, primary_ip;
  std::map<std::string, std::string> metadata;
  bool operator==(const Machine&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Machine& m) {
  os << m.id << " " << m.primary_ip << " {";
  for (const auto& [k, v] : m.metadata) os << " " << k << "=" << v;
  return os << " }";
}

std::map<std::string, Machine> Machines(const std::string& body) {
  std::map<std::string, Machine> out;
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("machines")) return out;
  for (const auto& m : v.at("machines").as_array()) {
    Machine machine;
    const auto& o = m.as_object();
    if (o.contains("id")) machine.id = json::value_to<std::string>(o.at("id"));
    if (o.contains("primaryIP"))
      machine.primary_ip = json::value_to<std::string>(o.at("primaryIP"));
    if (o.contains("metadata")) {
      for (const auto& [k, val] : o.at("metadata").as_object())
        machine.metadata[std::string(k)] = json::value_to<std::string>(val);
    }
    out[machine.id] = machine;
  }
  return out;
}

bool IsJson(const Answer& a) {
  return a.content_type.find("application/json") != std::string::npos;
}

class FleetFunctionalApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = FleetCluster::Start(2).release(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr);
    // Every test starts from the machines' configured metadata only.
    auto a = Http(url(), "PATCH", "/fleet/v1/machines",
                  PatchBody({PatchOp("remove", "/" + id(0) + "/metadata/foo", ""),
                             PatchOp("remove", "/" + id(1) + "/metadata/ping", "")}));
    ASSERT_EQ(a.status, 204) << Show(a);
  }

  FleetCluster& c() { return *cluster_; }
  std::string url() { return c().member(0).url; }
  const std::string& id(int i) { return c().machine_id(i); }
  Machine Configured(int i) { return {id(i), "127.0.0.1", {{"hostname", c().name(i)}}}; }

  static FleetCluster* cluster_;
};

FleetCluster* FleetFunctionalApi::cluster_ = nullptr;

TEST_F(FleetFunctionalApi, MachinesList) {
  auto a = Http(url(), "GET", "/fleet/v1/machines");
  EXPECT_EQ(a.status, 200) << Show(a);
  EXPECT_TRUE(IsJson(a)) << Show(a);
  auto machines = Machines(a.body);
  EXPECT_EQ(machines[id(0)], Configured(0));
  EXPECT_EQ(machines[id(1)], Configured(1));
}

TEST_F(FleetFunctionalApi, MachinesListBadNextPageToken) {
  auto a = Http(url(), "GET", "/fleet/v1/machines?nextPageToken=EwBMLg==");
  EXPECT_EQ(a.status, 400) << Show(a);
  EXPECT_TRUE(IsJson(a)) << Show(a);
}

// add on one machine, replace on the other: 204, and GET shows both next
// to the configured metadata.
TEST_F(FleetFunctionalApi, MachinesPatchAddModify) {
  auto a = Http(url(), "PATCH", "/fleet/v1/machines",
                PatchBody({PatchOp("add", "/" + id(0) + "/metadata/foo", "bar"),
                           PatchOp("replace", "/" + id(1) + "/metadata/ping", "splat")}));
  ASSERT_EQ(a.status, 204) << Show(a);
  EXPECT_TRUE(IsJson(a)) << Show(a);

  auto got = Http(url(), "GET", "/fleet/v1/machines");
  ASSERT_EQ(got.status, 200) << Show(got);
  EXPECT_TRUE(IsJson(got)) << Show(got);
  auto machines = Machines(got.body);
  Machine m0 = Configured(0), m1 = Configured(1);
  m0.metadata["foo"] = "bar";
  m1.metadata["ping"] = "splat";
  EXPECT_EQ(machines[id(0)], m0);
  EXPECT_EQ(machines[id(1)], m1);

  // fleetctl shows them too, from the other machine.
  auto r =
      c().Fleetctl(1, {"list-machines", "--no-legend", "--full", "--fields", "machine,metadata"});
  ASSERT_EQ(r.code, 0) << Said(r);
  EXPECT_NE(r.out.find(id(0) + "\tfoo=bar,hostname=m1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(id(1) + "\thostname=m2,ping=splat"), std::string::npos) << r.out;
}

// add, then remove: 204, and the keys are gone from GET.
TEST_F(FleetFunctionalApi, MachinesPatchDelete) {
  auto a = Http(url(), "PATCH", "/fleet/v1/machines",
                PatchBody({PatchOp("add", "/" + id(0) + "/metadata/foo", "bar"),
                           PatchOp("add", "/" + id(1) + "/metadata/ping", "splat")}));
  ASSERT_EQ(a.status, 204) << Show(a);
  a = Http(url(), "PATCH", "/fleet/v1/machines",
           PatchBody({PatchOp("remove", "/" + id(0) + "/metadata/foo", ""),
                      PatchOp("remove", "/" + id(1) + "/metadata/ping", "")}));
  ASSERT_EQ(a.status, 204) << Show(a);
  EXPECT_TRUE(IsJson(a)) << Show(a);

  auto got = Http(url(), "GET", "/fleet/v1/machines");
  ASSERT_EQ(got.status, 200) << Show(got);
  auto machines = Machines(got.body);
  EXPECT_EQ(machines[id(0)], Configured(0));
  EXPECT_EQ(machines[id(1)], Configured(1));
}

// A bad op, a path without /metadata/, an add without a value: 400 each,
// as JSON, and nothing changed.
TEST_F(FleetFunctionalApi, MachinesPatchBad) {
  for (const auto& op : {PatchOp("noop", "/" + id(0) + "/metadata/foo", "bar"),
                         PatchOp("add", "/" + id(0) + "/foo", "bar"),
                         PatchOp("add", "/" + id(0) + "/metadata/foo", "")}) {
    auto a = Http(url(), "PATCH", "/fleet/v1/machines", PatchBody({op}));
    EXPECT_EQ(a.status, 400) << op << "\n" << Show(a);
    EXPECT_TRUE(IsJson(a)) << op << "\n" << Show(a);
  }
  auto got = Http(url(), "GET", "/fleet/v1/machines");
  EXPECT_EQ(Machines(got.body)[id(0)], Configured(0));
}

// FLEETCTL_ENDPOINT instead of --endpoint.
TEST_F(FleetFunctionalApi, FleetctlWithEnv) {
  auto r = c().Fleetctl(-1, {"list-machines", "--no-legend", "--full", "--fields", "machine"},
                        {"FLEETCTL_ENDPOINT=" + url()});
  ASSERT_EQ(r.code, 0) << Said(r);
  EXPECT_NE(r.out.find(id(0)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(id(1)), std::string::npos) << r.out;
}

ProcessResult Flotilla(std::vector<std::string> args) {
  args.insert(args.begin(), FLOTILLA_BINARY);
  return RunProcess(args, {"PATH=/usr/bin:/bin"});
}

// The version flotilla reports ("flotilla X" -> "X").
std::string Version() {
  auto r = Flotilla({"version"});
  std::string v = r.out.substr(0, r.out.find('\n'));
  return v.substr(v.find(' ') + 1);
}

TEST(FleetFunctionalClient, ClientVersionFlag) {
  auto r = Flotilla({"fleetctl", "--version"});
  ASSERT_EQ(r.code, 0) << Said(r);
  ASSERT_FALSE(Version().empty());
  EXPECT_EQ(r.out, "fleetctl version " + Version() + "\n");
}

TEST(FleetFunctionalClient, ClientVersionHelpOutput) {
  auto r = Flotilla({"fleetctl"});
  ASSERT_EQ(r.code, 0) << Said(r);
  EXPECT_NE(r.out.find(Version()), std::string::npos) << r.out;
}

TEST(FleetFunctionalClient, ClientHelpFlag) {
  auto first = Flotilla({"fleetctl", "--help"});
  ASSERT_EQ(first.code, 0) << Said(first);
  ASSERT_FALSE(first.out.empty());
  for (std::vector<std::string> args :
       {std::vector<std::string>{"fleetctl", "-h"}, std::vector<std::string>{"fleetctl", "help"},
        std::vector<std::string>{"fleetctl"}}) {
    auto r = Flotilla(args);
    EXPECT_EQ(r.code, 0) << args.back() << "\n" << Said(r);
    EXPECT_EQ(r.out, first.out) << args.back();
  }
}

}  // namespace
}  // namespace flotilla::testing

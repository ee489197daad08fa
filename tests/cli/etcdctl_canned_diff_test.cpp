// Differential test against canned answers: both etcdctl implementations run
// the same command line against one CannedServer that answers what a healthy
// etcd rarely does (5xx, redirects, empty and non-JSON bodies, members with no
// client URLs, unstarted members, successful member add/remove), and must
// print the same bytes and exit with the same code.
#include <gtest/gtest.h>

#include "canned_server.h"
#include "etcdctl_runner.h"

namespace flotilla::testing {
namespace {

const char kMembers[] =
    "{\"members\":[{\"id\":\"8e9e05c52164694d\",\"name\":\"default\","
    "\"peerURLs\":[\"http://127.0.0.1:2380\"],\"clientURLs\":[\"{SELF}\"]},"
    "{\"id\":\"91bc3c398fb3c146\",\"name\":\"\",\"peerURLs\":[\"http://127.0.0.1:2390\"],"
    "\"clientURLs\":[]}]}\n";
const char kLeader[] =
    "{\"id\":\"8e9e05c52164694d\",\"name\":\"default\",\"peerURLs\":[\"http://127.0.0.1:2380\"],"
    "\"clientURLs\":[\"{SELF}\"]}\n";
const char kEvent[] =
    "{\"action\":\"set\",\"node\":{\"key\":\"/k\",\"value\":\"v\",\"modifiedIndex\":8,"
    "\"createdIndex\":8}}\n";

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// A small etcd look-alike whose keys answer according to their names.
CannedReply Answer(const std::string& method, const std::string& target) {
  CannedReply r;
  if (target == "/v2/members" && method == "GET") return r.body = kMembers, r;
  if (target == "/v2/members/leader") return r.body = kLeader, r;
  if (target == "/v2/members" && method == "POST") {
    r.status = 201;
    r.body =
        "{\"id\":\"a1b2c3\",\"name\":\"\",\"peerURLs\":[\"http://127.0.0.1:2400\"],"
        "\"clientURLs\":[]}\n";
    return r;
  }
  if (StartsWith(target, "/v2/members/91bc3c398fb3c146")) return r.status = 204, r;
  if (StartsWith(target, "/v2/members/")) {
    r.status = 404;
    r.body = "{\"message\":\"No such member\"}\n";
    return r;
  }
  if (target == "/health") return r.body = "{\"health\":\"false\"}\n", r;
  if (StartsWith(target, "/v2/keys/status500")) return r.status = 500, r.body = "x", r;
  if (StartsWith(target, "/v2/keys/status503")) return r.status = 503, r;
  if (StartsWith(target, "/v2/keys/status502")) return r.status = 502, r;
  if (StartsWith(target, "/v2/keys/empty")) return r.body = "", r;
  if (StartsWith(target, "/v2/keys/notjson")) return r.body = "<html>hi</html>", r;
  if (StartsWith(target, "/v2/keys/text404")) return r.status = 404, r.body = "404 page", r;
  if (StartsWith(target, "/v2/keys/badindex")) {
    r.headers = {{"X-Etcd-Index", "x1"}};
    r.body = kEvent;
    return r;
  }
  if (StartsWith(target, "/v2/keys/moved")) {
    r.status = 307;
    r.headers = {{"Location", "{SELF}/v2/keys/target"}};
    return r;
  }
  if (StartsWith(target, "/v2/keys/target") || StartsWith(target, "/v2/keys/k")) {
    r.body = kEvent;
    return r;
  }
  r.status = 404;
  r.body = "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/x\",\"index\":7}\n";
  return r;
}

// Members without client URLs: etcdctl cannot sync.
CannedReply NoClientUrls(const std::string& method, const std::string& target) {
  if (target == "/v2/members") {
    CannedReply r;
    r.body = "{\"members\":[{\"id\":\"1\",\"name\":\"a\",\"peerURLs\":[],\"clientURLs\":[]}]}";
    return r;
  }
  return Answer(method, target);
}

// No members API at all (an old or foreign server): the sync is skipped.
CannedReply NoMembersApi(const std::string& method, const std::string& target) {
  if (StartsWith(target, "/v2/members")) {
    CannedReply r;
    r.status = 404;
    r.body = "404 page not found\n";
    return r;
  }
  return Answer(method, target);
}

void RunBoth(CannedServer::Answer answer, const std::vector<EtcdctlStep>& steps) {
  CannedServer server(std::move(answer));
  SideValues values;
  values.expand = {{"{URL}", server.url()}};
  values.mask = {{server.url(), "<url>"}};
  for (const auto& step : steps) {
    ProcessResult want = RunEtcdctl(RealEtcdctl(), step, values);
    ProcessResult got = RunEtcdctl(FlotillaEtcdctl(), step, values);
    ExpectSameResult(want, got, Describe(step));
  }
}

class EtcdctlCannedDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveRealEtcdctl()) {
      GTEST_SKIP() << "skipped: " << kRealEtcdctl
                   << " is not installed (apt-get install etcd-client)";
    }
  }
};

TEST_F(EtcdctlCannedDiffTest, serverErrorsRedirectsAndBadBodies) {
  RunBoth(Answer, {
                      Ctl({"get", "/k"}),
                      Ctl({"get", "/status500"}),
                      Ctl({"get", "/status503"}),
                      Ctl({"get", "/status502"}),
                      Ctl({"mk", "/status500", "v"}),
                      Ctl({"rm", "/status502"}),
                      Ctl({"get", "/empty"}),
                      Ctl({"get", "/notjson"}),
                      Ctl({"get", "/text404"}),
                      Ctl({"get", "/badindex"}),
                      Ctl({"-o", "extended", "get", "/moved"}),
                      Ctl({"--debug", "get", "/moved"}),
                      Ctl({"--no-sync", "get", "/nothing"}),
                  });
}

TEST_F(EtcdctlCannedDiffTest, membersAddRemoveAndUnstarted) {
  RunBoth(Answer, {
                      Ctl({"member", "list"}),
                      Ctl({"member", "add", "m2", "http://127.0.0.1:2400"}),
                      Ctl({"--debug", "member", "add", "m2", "http://127.0.0.1:2400"}),
                      Ctl({"member", "remove", "91bc3c398fb3c146"}),
                      Ctl({"member", "update", "8e9e05c52164694d", "http://127.0.0.1:2380"}),
                      Ctl({"cluster-health"}),
                  });
}

TEST_F(EtcdctlCannedDiffTest, syncWithoutClientUrlsOrMembersApi) {
  RunBoth(NoClientUrls, {Ctl({"get", "/k"}), Ctl({"--no-sync", "get", "/k"})});
  RunBoth(NoMembersApi, {Ctl({"get", "/k"}), Ctl({"--debug", "get", "/k"}), Ctl({"member", "list"}),
                         Ctl({"cluster-health"})});
}

}  // namespace
}  // namespace flotilla::testing

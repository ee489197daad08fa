// Differential test: the same etcdctl v2 command lines through Debian's Go
// etcdctl (/usr/bin/etcdctl, ETCDCTL_API=2) and through `flotilla etcdctl`,
// stdout, stderr and exit code compared byte for byte.
//
// Each client gets its own fresh server from the same ServerFactory, and both
// run the identical sequence, so store indexes agree without normalising.
// Only what legitimately differs between two servers is normalised: their
// URLs and member ids, TTL seconds and expiration times.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <map>

#include "etcdctl_runner.h"
#include "subprocess.h"
#include "test_server.h"

namespace flotilla::testing {
namespace {

using namespace std::chrono_literals;

// One client and its own server.
struct Side {
  std::string name;
  std::vector<std::string> client;
  std::unique_ptr<TestServer> server;
  SideValues values;  // {URL}, {PEER}, {MEMBER} and their masks
};

using Step = EtcdctlStep;

SideValues ValuesFor(const TestServer& server) {
  std::string member = server.MemberId();
  SideValues v;
  v.expand = {{"{URL}", server.client_url()}, {"{PEER}", server.peer_url()}, {"{MEMBER}", member}};
  v.mask = {{server.client_url(), "<client-url>"}, {server.peer_url(), "<peer-url>"}};
  if (!member.empty()) v.mask.emplace_back(member, "<member-id>");
  return v;
}

// Which client runs against which server on each side: the reference side
// is always Go's etcdctl on real etcd; the candidate side varies.
struct ServerKind {
  std::string name;
  ServerFactory reference_server;
  std::vector<std::string> (*candidate_client)();
  ServerFactory candidate_server;
};
void PrintTo(const ServerKind& kind, std::ostream* os) {
  *os << kind.name;
}

// The servers live for the whole suite; both sides run every step, so their
// stores stay in lock step from test to test.
class EtcdctlDiffTest : public ::testing::TestWithParam<ServerKind> {
 protected:
  void SetUp() override {
    if (!HaveRealEtcdctl()) {
      GTEST_SKIP() << "skipped: " << kRealEtcdctl
                   << " is not installed (apt-get install etcd-client)";
    }
    auto& sides = Sides()[GetParam().name];
    if (sides.empty()) {
      const ServerKind& kind = GetParam();
      sides.push_back({"go", RealEtcdctl(), nullptr, {}});
      sides.push_back({"candidate", kind.candidate_client(), nullptr, {}});
      for (size_t i = 0; i < sides.size(); ++i) {
        auto& side = sides[i];
        std::string why;
        side.server = (i == 0 ? kind.reference_server : kind.candidate_server)(&why);
        if (!side.server) {
          sides.clear();
          GTEST_SKIP() << why;
        }
        side.values = ValuesFor(*side.server);
      }
    }
    reference_ = &sides[0];
    candidate_ = &sides[1];
  }
  static void TearDownTestSuite() { Sides().clear(); }
  static std::map<std::string, std::vector<Side>>& Sides() {
    static std::map<std::string, std::vector<Side>> sides;
    return sides;
  }

  void RunScript(const std::vector<Step>& steps) {
    for (const auto& step : steps) {
      ProcessResult want = RunEtcdctl(reference_->client, step, reference_->values);
      ProcessResult got = RunEtcdctl(candidate_->client, step, candidate_->values);
      ExpectSameResult(want, got, Describe(step));
    }
  }

  Side* reference_ = nullptr;
  Side* candidate_ = nullptr;
};

TEST_P(EtcdctlDiffTest, keyCommandsAllFormatsAndErrors) {
  RunScript({
      Ctl({"set", "/t/a", "hello"}),
      Ctl({"-o", "extended", "set", "/t/a", "world"}),
      Ctl({"-o", "json", "set", "/t/b", "json <&> \"quoted\" \xC3\xA9"}),
      Ctl({"get", "/t/a"}),
      Ctl({"-o", "extended", "get", "/t/a"}),
      Ctl({"--output", "json", "get", "/t/b"}),
      Ctl({"get", "/t/missing"}),
      Ctl({"-o", "json", "get", "/t/missing"}),
      Ctl({"set", "/t/novalue"}),
      Ctl({"set"}),
      Ctl({"set", "/t/stdin"}, "from stdin\n"),
      Ctl({"set", "--ttl", "3600", "/t/ttl", "v"}),
      Ctl({"-o", "json", "set", "--ttl=3600", "/t/ttl2", "v"}),
      Ctl({"-o", "extended", "set", "/t/ttl2", "v", "--ttl", "3600"}),
      Ctl({"set", "--swap-with-value", "world", "/t/a", "swapped"}),
      Ctl({"set", "--swap-with-value", "nope", "/t/a", "x"}),
      Ctl({"set", "--swap-with-index", "1", "/t/a", "x"}),
      Ctl({"set", "--", "/t/dash", "-v"}),
      Ctl({"mk", "/t/new", "v1"}),
      Ctl({"mk", "/t/new", "v2"}),
      Ctl({"-o", "extended", "mk", "--in-order", "/t/queue", "job1"}),
      Ctl({"-o", "json", "mk", "--in-order", "--ttl", "3600", "/t/queue", "job2"}),
      Ctl({"mkdir", "/t/dir"}),
      Ctl({"mkdir", "/t/dir"}),
      Ctl({"-o", "json", "mkdir", "/t/dir2"}),
      Ctl({"setdir", "/t/dir3"}),
      Ctl({"-o", "extended", "setdir", "--ttl", "3600", "/t/dir3"}),
      Ctl({"-o", "extended", "updatedir", "--ttl", "3600", "/t/dir"}),
      Ctl({"updatedir", "/t/dir"}),
      Ctl({"-o", "json", "updatedir", "/t/nodir"}),
      Ctl({"update", "/t/a", "updated"}),
      Ctl({"update", "/t/none", "x"}),
      Ctl({"-o", "extended", "update", "--ttl", "3600", "/t/a", "ttl'd"}),
      Ctl({"mkdir", "/t/dir/sub"}),
      Ctl({"set", "/t/dir/sub/leaf", "1"}),
      Ctl({"set", "/t/dir/_hidden", "h"}),
      Ctl({"ls", "/t/dir"}),
      Ctl({"ls", "--sort", "-p", "/t"}),
      Ctl({"ls", "--recursive", "--sort", "/t"}),
      Ctl({"ls", "-r", "-p", "--sort", "/t"}),
      Ctl({"ls", "/t", "-r", "--sort", "-p"}),
      Ctl({"-o", "json", "ls", "--sort", "/t/dir"}),
      Ctl({"-o", "json", "ls", "--sort", "--recursive", "/t/dir"}),
      Ctl({"-o", "extended", "ls", "/t/queue"}),
      Ctl({"ls", "/t/missing"}),
      Ctl({"ls", "/t/a"}),
      Ctl({"ls", "-r", "--recursive", "/t"}),
      Ctl({"get", "/t/dir"}),
      Ctl({"get", "--quorum", "/t/a"}),
      Ctl({"get", "/t/dir/_hidden"}),
      Ctl({"-o", "bogus", "get", "/t/a"}),
      Ctl({"rm", "/t/b"}),
      Ctl({"-o", "extended", "rm", "/t/stdin"}),
      Ctl({"-o", "json", "rm", "/t/new"}),
      Ctl({"rm", "/t/dir"}),
      Ctl({"rm", "--dir", "/t/dir"}),
      Ctl({"rm", "--recursive", "/t/queue"}),
      Ctl({"-o", "json", "rm", "-r", "/t/dir2"}),
      Ctl({"rm", "--with-value", "nope", "/t/a"}),
      Ctl({"rm", "--with-index", "1", "/t/a"}),
      Ctl({"rm", "--with-value", "ttl'd", "/t/dash"}),
      Ctl({"rm", "/t/missing"}),
      Ctl({"rm"}),
      Ctl({"rmdir", "/t/dir3"}),
      Ctl({"-o", "extended", "rmdir", "/t/dir"}),
      Ctl({"rmdir", "/t/ttl"}),
      Ctl({"update"}),
      Ctl({"mkdir"}),
      Ctl({"get"}),
  });
}

TEST_P(EtcdctlDiffTest, globalFlagsEnvironmentAndConnectionErrors) {
  std::string closed = "http://127.0.0.1:" + std::to_string(FreePort());
  RunScript({
      Ctl({"set", "/g/a", "1"}),
      Ctl({"--no-sync", "get", "/g/a"}),
      Ctl({"--debug", "get", "/g/a"}),
      Ctl({"--debug", "--no-sync", "-o", "json", "set", "/g/dbg", "a b&c"}),
      Ctl({"--debug", "mkdir", "/g/d"}),
      Ctl({"--debug", "rm", "--dir", "/g/d"}),
      Ctl({"--debug", "--no-sync", "ls", "--recursive", "--sort", "/g"}),
      Ctl({"--debug", "mk", "--in-order", "--ttl", "3600", "/g/q", "x"}),
      Ctl({"--debug", "set", "--swap-with-index", "999", "--ttl", "3600", "/g/sp ace", "v"}),
      Raw({"get", "/g/a"}, {"ETCDCTL_ENDPOINTS={URL}"}),
      Raw({"get", "/g/a"}, {"ETCDCTL_ENDPOINT={URL}"}),
      Raw({"get", "/g/a"}, {"ETCDCTL_PEERS={URL}"}),
      Raw({"--peers", "{URL}", "get", "/g/a"}),
      Raw({"-C", "{URL}", "get", "/g/a"}),
      Raw({"--endpoint", "{URL}", "get", "/g/a"}),
      Raw({"--endpoints", "{URL}", "get", "/g/a"}, {"ETCDCTL_ENDPOINTS=" + closed}),
      Raw({"--endpoints", closed, "get", "/g/a"}),
      Raw({"--no-sync", "--endpoints", closed, "get", "/g/a"}),
      Raw({"--no-sync", "--endpoints", closed, "mk", "/g/a", "x"}),
      Raw({"--endpoints", "127.0.0.1:2379", "get", "/g/a"}),
      Ctl({"--total-timeout", "0s", "get", "/g/a"}),
      Ctl({"--no-sync", "--total-timeout", "0s", "get", "/g/a"}),
      Ctl({"--timeout", "1ns", "get", "/g/a"}),
      Ctl({"--timeout", "bogus", "get", "/g/a"}),
      Ctl({"--timeout", "3s", "--total-timeout", "1m", "get", "/g/a"}),
      Ctl({"--output", "json", "-o", "json", "get", "/g/a"}),
      Ctl({"-u", "root:secret", "get", "/g/a"}),
      Ctl({"--username", "a:b:c", "--debug", "get", "/g/a"}),
      Raw({"--endpoints", "{URL}", "get", "/g/a"}, {"ETCDCTL_USERNAME=u:p"}),
  });
}

TEST_P(EtcdctlDiffTest, helpUsageErrorsAndVersion) {
  RunScript({
      Raw({}),
      Raw({"--help"}),
      Raw({"-h"}),
      Raw({"help"}),
      Raw({"--version"}),
      Raw({"help", "set"}),
      Raw({"help", "member"}),
      Raw({"h", "ls"}),
      Raw({"help", "nosuch"}),
      Raw({"set", "--help"}),
      Raw({"exec-watch", "-h"}),
      Raw({"cluster-health", "--help"}),
      Raw({"nosuch"}),
      Raw({"--bogus", "get", "/x"}),
      Raw({"---x"}),
      Ctl({"get", "--bogus", "/x"}),
      Ctl({"set", "--ttl", "abc", "/x", "1"}),
      Ctl({"set", "--ttl", "99999999999999999999", "/x", "1"}),
      Ctl({"set", "/x", "1", "--ttl"}),
      Ctl({"ls", "--sort=maybe"}),
      Ctl({"watch", "--after-index", "x", "/x"}),
      Raw({"member"}),
      Raw({"member", "--help"}),
      Raw({"member", "help"}),
      Raw({"member", "help", "add"}),
      Raw({"member", "bogus"}),
      Raw({"member", "--bogus"}),
      Raw({"member", "list", "--bogus"}),
      Raw({"member", "add", "-h"}),
      Raw({"user", "--help"}),
      Raw({"backup", "--help"}),
  });
}

TEST_P(EtcdctlDiffTest, membersAndClusterHealth) {
  RunScript({
      Ctl({"member", "list"}),
      Ctl({"--debug", "member", "list"}),
      Ctl({"member", "list", "extra"}),
      Ctl({"member", "add"}),
      Ctl({"member", "add", "m2", "not-a-url"}),
      Ctl({"member", "add", "m2", "http://127.0.0.1"}),
      Ctl({"member", "add", "m2", "http://127.0.0.1:1/path"}),
      Ctl({"member", "remove"}),
      Ctl({"member", "remove", "1234"}),
      Ctl({"member", "remove", "default"}),
      Ctl({"member", "update"}),
      Ctl({"member", "update", "1234", "ftp://x:1"}),
      Ctl({"member", "update", "1234", "http://127.0.0.1:1"}),
      Ctl({"member", "update", "{MEMBER}", "{PEER}"}),
      Ctl({"member", "remove", "{MEMBER}0"}),
      Ctl({"cluster-health"}),
      Ctl({"--debug", "cluster-health"}),
      Ctl({"cluster-health", "extra"}),
  });
}

// Starts `step` in the background on one side, waits until the server holds
// the watch, applies `writes` (key, value) through plain HTTP, waits for
// `lines` lines of output and ends the watch with SIGINT unless it exits.
ProcessResult RunWatch(const Step& step, const Side& side,
                       const std::vector<std::pair<std::string, std::string>>& writes, size_t lines,
                       bool interrupt) {
  // A watch killed by the previous case may linger on the server for a moment.
  EXPECT_TRUE(side.server->WaitForWatchers(0)) << side.name << ": stale watchers";
  BackgroundProcess p(StepArgv(side.client, step, side.values), StepEnv(step, side.values));
  EXPECT_TRUE(side.server->WaitForWatchers(1)) << side.name << ": watch never registered";
  for (const auto& [key, value] : writes) EXPECT_TRUE(side.server->Put(key, value));
  auto has_lines = [&](const std::string& out) {
    return static_cast<size_t>(std::count(out.begin(), out.end(), '\n')) >= lines;
  };
  EXPECT_TRUE(p.WaitForOutput(has_lines, 10s)) << side.name << " output so far: " << p.out();
  ProcessResult r = interrupt ? p.Stop(SIGINT) : p.Wait(10s);
  r.out = Mask(r.out, side.values);
  r.err = Mask(r.err, side.values);
  return r;
}

TEST_P(EtcdctlDiffTest, watchPrintsTheNextChange) {
  struct Case {
    Step step;
    std::vector<std::pair<std::string, std::string>> writes;
    size_t lines;
    bool interrupt;
  };
  std::vector<Case> cases = {
      {Ctl({"watch", "/w/a"}), {{"/w/a", "one"}}, 1, false},
      {Ctl({"-o", "json", "watch", "/w/a"}), {{"/w/a", "two"}}, 1, false},
      {Ctl({"-o", "extended", "watch", "--recursive", "/w"}), {{"/w/sub/x", "three"}}, 8, false},
      {Ctl({"watch", "--forever", "/w/f"}), {{"/w/f", "1"}, {"/w/f", "2"}, {"/w/f", "3"}}, 3, true},
      {Ctl({"watch", "-f", "-r", "/w"}), {{"/w/r1", "a"}, {"/w/r2/deep", "b"}}, 4, true},
      {Ctl({"exec-watch", "--recursive", "/w/e", "--", "/bin/sh", "-c",
            "echo \"$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_VALUE "
            "$ETCD_WATCH_MODIFIED_INDEX ${ETCDCTL_API:-unset}\""}),
       {{"/w/e/k", "v1"}},
       1,
       true},
  };
  for (const auto& c : cases) {
    ProcessResult want = RunWatch(c.step, *reference_, c.writes, c.lines, c.interrupt);
    ProcessResult got = RunWatch(c.step, *candidate_, c.writes, c.lines, c.interrupt);
    ExpectSameResult(want, got, Describe(c.step));
  }
}

TEST_P(EtcdctlDiffTest, watchFromHistoryAndArgumentErrors) {
  // These need no writer: history has the events, or the arguments are bad.
  RunScript({
      Ctl({"set", "/h/a", "first"}),
      Ctl({"set", "/h/a", "second"}),
      Ctl({"watch", "--after-index", "1", "/h/a"}),
      Ctl({"-o", "json", "watch", "--after-index=1", "--recursive", "/h"}),
      Ctl({"watch"}),
      Ctl({"exec-watch", "/h/a"}),
      Ctl({"exec-watch"}),
  });
}

TEST_P(EtcdctlDiffTest, binaryNamedEtcdctlIsEtcdctl) {
  // Read-only steps through the `etcdctl` symlink, so the stores stay in step.
  for (const Step& step : {Ctl({"get", "/h/a"}), Ctl({"ls", "--sort", "-r", "/h"}),
                           Raw({"--version"}), Raw({"help", "get"})}) {
    ProcessResult want = RunEtcdctl(reference_->client, step, reference_->values);
    ProcessResult got = RunEtcdctl(FlotillaEtcdctlSymlink(), step, candidate_->values);
    ExpectSameResult(want, got, "symlink: " + Describe(step));
  }
}

// Go's etcdctl on real etcd against: flotilla's etcdctl on real etcd (the
// client), Go's etcdctl on flotilla (the server), and flotilla's etcdctl on
// flotilla (the whole product).
INSTANTIATE_TEST_SUITE_P(Servers, EtcdctlDiffTest,
                         ::testing::Values(ServerKind{"OurClientOnEtcd", StartRealEtcd,
                                                      FlotillaEtcdctl, StartRealEtcd},
                                           ServerKind{"GoClientOnFlotilla", StartRealEtcd,
                                                      RealEtcdctl, StartFlotillaServer},
                                           ServerKind{"OurClientOnFlotilla", StartRealEtcd,
                                                      FlotillaEtcdctl, StartFlotillaServer}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace flotilla::testing

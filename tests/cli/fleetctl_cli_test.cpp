// fleetctl as a program: how it is reached (`flotilla fleetctl`, the
// `fleetctl` link), --version and help, cobra's flag and command errors,
// where the endpoint comes from (--endpoint, FLEETCTL_ENDPOINT) and what a
// user sees when the endpoint is wrong or unreachable.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "fleetctl_fixture.h"

namespace flotilla::testing {
namespace {

class FleetctlCliTest : public FleetctlTest {};

std::string BinaryDir() {
  std::string path = FLOTILLA_BINARY;
  return path.substr(0, path.rfind('/'));
}

TEST_F(FleetctlCliTest, VersionThroughFlagCommandAndLink) {
  auto a = Fleetctl({"--version"});
  EXPECT_EQ(a.code, 0);
  EXPECT_EQ(a.out.rfind("fleetctl version ", 0), 0u) << a.out;
  EXPECT_EQ(Fleetctl({"version"}).out, a.out);
  auto b = RunProcess({BinaryDir() + "/fleetctl", "--version"}, {});
  EXPECT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(b.out, a.out);
}

TEST_F(FleetctlCliTest, FlotillaUsageMentionsFleetctl) {
  auto r = RunProcess({FLOTILLA_BINARY, "help"}, {});
  EXPECT_NE(r.err.find("fleetctl"), std::string::npos) << r.err;
}

TEST_F(FleetctlCliTest, NoArgumentsPrintsUsage) {
  for (auto args : std::vector<std::vector<std::string>>{{}, {"help"}, {"--help"}, {"-h"}}) {
    auto r = Fleetctl(args);
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out.rfind("NAME:\n\tfleetctl - fleetctl is a command-line interface to fleet, "
                          "the cluster-wide CoreOS init system.\n\nUSAGE:\n\tfleetctl\n",
                          0),
              0u)
        << r.out;
    EXPECT_NE(r.out.find("\nCOMMANDS:\n\tcat\t\tOutput the contents of a submitted unit\n"),
              std::string::npos);
    EXPECT_NE(r.out.find("\tlist-unit-files\tList the units that exist in the cluster.\n"),
              std::string::npos);
    EXPECT_NE(r.out.find("      --endpoint string "), std::string::npos);
  }
  EXPECT_TRUE(api_.requests().empty());
}

TEST_F(FleetctlCliTest, CommandHelp) {
  auto help = Fleetctl({"help", "list-units"});
  EXPECT_EQ(help.code, 0);
  EXPECT_EQ(help.out.rfind("NAME:\n\tlist-units - List the current state of units in the "
                           "cluster\n\nUSAGE:\n\tfleetctl list-units [--no-legend] [-l|--full] "
                           "[--fields]\n\nDESCRIPTION:\n\tLists the state of all units",
                           0),
            0u)
      << help.out;
  EXPECT_NE(help.out.find("\nOPTIONS:\n      --fields string  Columns to print for each Unit. "
                          "Valid fields are \"active,hash,load,machine,sub,unit\" (default "
                          "\"unit,machine,active,sub\")\n  -l, --full" +
                          std::string(11, ' ') + "Do not ellipsize fields on output\n"),
            std::string::npos)
      << help.out;
  EXPECT_NE(help.out.find("\nGLOBAL OPTIONS:\n"), std::string::npos);
  EXPECT_EQ(Fleetctl({"list-units", "--help"}).out, help.out);
  EXPECT_EQ(Fleetctl({"list-units", "-h"}).out, help.out);
  // cobra's prefix matching: a unique prefix names the command.
  EXPECT_EQ(Fleetctl({"help", "list-m"}).out, Fleetctl({"help", "list-machines"}).out);
}

TEST_F(FleetctlCliTest, UnknownCommandSuggests) {
  auto r = Fleetctl({"strat", "hello.service"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("Error: unknown command \"strat\" for \"fleetctl\"\n\nDid you mean "
                        "this?\n\tstart\n\nRun 'fleetctl --help' for usage.\n",
                        0),
            0u)
      << r.err;
}

TEST_F(FleetctlCliTest, FlagErrorsInPflagsWords) {
  auto r = Fleetctl({"list-units", "--bogus"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("Error: unknown flag: --bogus\n", 0), 0u) << r.err;
  r = Fleetctl({"start", "--block-attempts=x", "a.service"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("Error: invalid argument \"x\" for \"--block-attempts\" flag: "
                        "strconv.ParseInt: parsing \"x\": invalid syntax\n",
                        0),
            0u)
      << r.err;
  r = Fleetctl({"journal", "hello.service", "-n"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("Error: flag needs an argument: 'n' in -n\n", 0), 0u) << r.err;
  EXPECT_TRUE(api_.requests().empty());
}

TEST_F(FleetctlCliTest, GlobalFlagsGoBeforeOrAfterTheCommand) {
  auto before = Fleetctl({"--endpoint", api_.url(), "list-machines", "--no-legend"},
                         {"FLEETCTL_ENDPOINT=http://127.0.0.1:1"});
  EXPECT_EQ(before.code, 0) << before.err;
  auto after = Fleetctl({"list-machines", "--no-legend", "--endpoint=" + api_.url()},
                        {"FLEETCTL_ENDPOINT=http://127.0.0.1:1"});
  EXPECT_EQ(after.code, 0) << after.err;
  EXPECT_EQ(before.out, after.out);
  EXPECT_EQ(before.out.rfind("ee5398cf...\t", 0), 0u) << before.out;
}

TEST_F(FleetctlCliTest, EndpointFromEnvironment) {
  // The fixture passes the fake's URL only as FLEETCTL_ENDPOINT.
  auto r = Fleetctl({"list-machines", "--no-legend", "--fields=machine"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "ee5398cf...\nf7e41c2a...\nfa01b2c3...\n");
  EXPECT_EQ(api_.Count("GET", "/fleet/v1/machines"), 2);
}

TEST_F(FleetctlCliTest, UnreachableEndpoint) {
  std::string url = "http://127.0.0.1:" + std::to_string(FreePort());
  auto r = RunProcess({FLOTILLA_BINARY, "fleetctl", "list-units"}, {"FLEETCTL_ENDPOINT=" + url});
  EXPECT_EQ(r.code, 1);
  std::string prefix = "Error retrieving list of units from repository: Get " + url +
                       "/fleet/v1/state?alt=json: dial tcp ";
  EXPECT_EQ(r.err.rfind(prefix, 0), 0u) << r.err;
  EXPECT_NE(r.err.find("connection refused\n"), std::string::npos) << r.err;

  r = RunProcess({FLOTILLA_BINARY, "fleetctl", "--endpoint", url, "list-machines"}, {});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("Error retrieving list of active machines from fleet API (Get " + url +
                            "/fleet/v1/machines?alt=json: dial tcp ",
                        0),
            0u)
      << r.err;
  EXPECT_NE(r.err.find(")\nPossible issues:\n  etcd is unhealthy and/or lost quorum\n  "
                       "connection cannot be established to any etcd servers\n"),
            std::string::npos)
      << r.err;
}

TEST_F(FleetctlCliTest, BadEndpoints) {
  auto r = Fleetctl({"--endpoint", "unix://var/run/fleet.sock", "list-units"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Unable to initialize client: unable to connect to host \"var\" with scheme "
            "\"unix\"\n");
  r = Fleetctl({"--endpoint", "/var/run/fleet.sock", "list-units"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Unable to initialize client: URL scheme undefined\n");
}

TEST_F(FleetctlCliTest, ApiErrorEnvelope) {
  api_.SetError("/fleet/v1/state", 503, "fleet server unable to communicate with etcd");
  auto r = Fleetctl({"list-units"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Error retrieving list of units from repository: googleapi: Error 503: fleet server "
            "unable to communicate with etcd\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(FleetctlCliTest, DebugLogsRequests) {
  auto r = Fleetctl({"--debug", "list-machines"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("HTTP GET " + api_.url() + "/fleet/v1/machines?alt=json\n"),
            std::string::npos)
      << r.err;
  // Every global flag can come from FLEETCTL_<FLAG>.
  auto env = Fleetctl({"list-machines"}, {"FLEETCTL_DEBUG=true"});
  EXPECT_EQ(env.err, r.err);
}

TEST_F(FleetctlCliTest, WithoutAnEndpointUsesTheSocketOrFlotillaServesClientUrl) {
  struct stat st;
  if (::stat("/var/run/fleet.sock", &st) == 0) GTEST_SKIP() << "/var/run/fleet.sock exists";
  auto r =
      RunProcess({FLOTILLA_BINARY, "fleetctl", "--debug", "--request-timeout=1", "list-machines"},
                 {"FLEETCTL_ENDPOINT="});
  EXPECT_EQ(r.err.rfind("DEBUG: HTTP GET http://127.0.0.1:2379/fleet/v1/machines?alt=json\n", 0),
            0u)
      << r.err;
}

TEST_F(FleetctlCliTest, UnixSocketEndpoint) {
  auto r = Fleetctl({"--endpoint", "unix://" + dir_ + "/no-fleet.sock", "list-units"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("Error retrieving list of units from repository: Get "
                        "http://domain-sock/fleet/v1/state?alt=json: ",
                        0),
            0u)
      << r.err;
}

TEST_F(FleetctlCliTest, RequestTimeoutBoundsEachRequest) {
  // Accepts connections (into the backlog) and never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(
      {FLOTILLA_BINARY, "fleetctl", "--endpoint", url, "--request-timeout", "0.3", "list-units"},
      {});
  auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("Error retrieving list of units from repository: Get " + url +
                            "/fleet/v1/state?alt=json: ",
                        0),
            0u)
      << r.err;
  EXPECT_LT(took, std::chrono::seconds(5));
}

}  // namespace
}  // namespace flotilla::testing

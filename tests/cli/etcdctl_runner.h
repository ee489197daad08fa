// Running one etcdctl command line through a given etcdctl (Debian's Go one
// or flotilla's) for the differential tests, and comparing two results.
//
// A step's arguments and environment may hold placeholders ("{URL}") that
// each side expands to its own values; after the run, each side's own values
// are put back to neutral names ("<client-url>"), and TTL seconds and
// expiration times are masked, so that two runs against two servers compare
// equal exactly when the clients behave the same.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "subprocess.h"

namespace flotilla::testing {

struct EtcdctlStep {
  std::vector<std::string> args;
  std::string input;  // stdin
  Env env;            // added to ETCDCTL_API=2, PATH, HOME
};

// A step that names its server with --endpoints {URL} first.
EtcdctlStep Ctl(std::vector<std::string> args, std::string input = "");
// A step given exactly as written.
EtcdctlStep Raw(std::vector<std::string> args, Env env = {});

// Placeholder -> value before the run; value -> neutral name after it.
struct SideValues {
  std::vector<std::pair<std::string, std::string>> expand;
  std::vector<std::pair<std::string, std::string>> mask;
};

// The command prefix of each client.
inline const char kRealEtcdctl[] = "/usr/bin/etcdctl";
std::vector<std::string> RealEtcdctl();
std::vector<std::string> FlotillaEtcdctl();         // flotilla etcdctl
std::vector<std::string> FlotillaEtcdctlSymlink();  // .../etcdctl -> flotilla
bool HaveRealEtcdctl();

std::string Expand(std::string s, const SideValues& values);
std::string Mask(std::string s, const SideValues& values);
std::vector<std::string> StepArgv(const std::vector<std::string>& client, const EtcdctlStep& step,
                                  const SideValues& values);
Env StepEnv(const EtcdctlStep& step, const SideValues& values);

ProcessResult RunEtcdctl(const std::vector<std::string>& client, const EtcdctlStep& step,
                         const SideValues& values);

std::string Describe(const EtcdctlStep& step);
// gtest expectations: same stdout, stderr and exit code, neither timed out.
void ExpectSameResult(const ProcessResult& want, const ProcessResult& got, const std::string& what);

}  // namespace flotilla::testing

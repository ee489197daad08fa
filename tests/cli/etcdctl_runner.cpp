#include "etcdctl_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <regex>

namespace flotilla::testing {
namespace {

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

EtcdctlStep Ctl(std::vector<std::string> args, std::string input) {
  args.insert(args.begin(), {"--endpoints", "{URL}"});
  return {std::move(args), std::move(input), {}};
}

EtcdctlStep Raw(std::vector<std::string> args, Env env) {
  return {std::move(args), "", std::move(env)};
}

std::vector<std::string> RealEtcdctl() {
  return {kRealEtcdctl};
}
std::vector<std::string> FlotillaEtcdctl() {
  return {FLOTILLA_BINARY, "etcdctl"};
}
std::vector<std::string> FlotillaEtcdctlSymlink() {
  std::string binary = FLOTILLA_BINARY;
  return {binary.substr(0, binary.rfind('/') + 1) + "etcdctl"};
}
bool HaveRealEtcdctl() {
  return ::access(kRealEtcdctl, X_OK) == 0;
}

std::string Expand(std::string s, const SideValues& values) {
  for (const auto& [from, to] : values.expand) ReplaceAll(s, from, to);
  return s;
}

std::string Mask(std::string s, const SideValues& values) {
  for (const auto& [from, to] : values.mask) ReplaceAll(s, from, to);
  s = std::regex_replace(s, std::regex("\"expiration\":\"[^\"]*\""), "\"expiration\":\"<time>\"");
  s = std::regex_replace(s, std::regex("\"ttl\":[0-9]+"), "\"ttl\":<ttl>");
  s = std::regex_replace(s, std::regex("TTL: [1-9][0-9]*"), "TTL: <ttl>");
  return s;
}

std::vector<std::string> StepArgv(const std::vector<std::string>& client, const EtcdctlStep& step,
                                  const SideValues& values) {
  std::vector<std::string> argv = client;
  for (const auto& a : step.args) argv.push_back(Expand(a, values));
  return argv;
}

Env StepEnv(const EtcdctlStep& step, const SideValues& values) {
  Env env = {"ETCDCTL_API=2", "PATH=/usr/bin:/bin", "HOME=/nonexistent"};
  for (const auto& e : step.env) env.push_back(Expand(e, values));
  return env;
}

ProcessResult RunEtcdctl(const std::vector<std::string>& client, const EtcdctlStep& step,
                         const SideValues& values) {
  ProcessResult r = RunProcess(StepArgv(client, step, values), StepEnv(step, values), step.input,
                               std::chrono::seconds(30));
  r.out = Mask(r.out, values);
  r.err = Mask(r.err, values);
  return r;
}

std::string Describe(const EtcdctlStep& step) {
  std::string d = "etcdctl";
  for (const auto& a : step.args) d += " '" + a + "'";
  for (const auto& e : step.env) d = e + " " + d;
  if (!step.input.empty()) d += " <<< '" + step.input + "'";
  return d;
}

void ExpectSameResult(const ProcessResult& want, const ProcessResult& got,
                      const std::string& what) {
  EXPECT_FALSE(want.timed_out) << what;
  EXPECT_FALSE(got.timed_out) << what;
  EXPECT_EQ(want.out, got.out) << "stdout of " << what;
  EXPECT_EQ(want.err, got.err) << "stderr of " << what;
  EXPECT_EQ(want.code, got.code) << "exit code of " << what;
}

}  // namespace flotilla::testing

// Restart= with real processes: every policy against every way the main
// process can end, checked against systemd's table, and RestartSec=.
//
// Reference: systemd.service(5), Restart=, "Table 2. Exit causes and the
// effect of the Restart= settings". Watchdog endings are not covered:
// flotilla has no WatchdogSec=. Nor are SuccessExitStatus= and
// RestartPreventExitStatus=, which service_config.h does not read.
#include <gtest/gtest.h>
#include <signal.h>

#include "service_fixture.h"

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

enum class Ending {
  kExit0,         // clean exit code
  kExit1,         // unclean exit code
  kSigterm,       // clean signal, sent from outside
  kSigkill,       // unclean signal, sent from outside
  kAbort,         // unclean signal (a core dump where core files are on)
  kStartTimeout,  // TimeoutStartSec= passed
};

const char* Name(Ending e) {
  switch (e) {
    case Ending::kExit0:
      return "exit0";
    case Ending::kExit1:
      return "exit1";
    case Ending::kSigterm:
      return "sigterm";
    case Ending::kSigkill:
      return "sigkill";
    case Ending::kAbort:
      return "abort";
    case Ending::kStartTimeout:
      return "startTimeout";
  }
  return "?";
}

// systemd's table, row by row.
bool SystemdRestarts(RestartPolicy p, Ending e) {
  bool clean = e == Ending::kExit0 || e == Ending::kSigterm;
  bool unclean_signal = e == Ending::kSigkill || e == Ending::kAbort;
  bool timeout = e == Ending::kStartTimeout;
  switch (p) {
    case RestartPolicy::kNo:
      return false;
    case RestartPolicy::kAlways:
      return true;
    case RestartPolicy::kOnSuccess:
      return clean;
    case RestartPolicy::kOnFailure:
      return !clean;
    case RestartPolicy::kOnAbnormal:
      return unclean_signal || timeout;
    case RestartPolicy::kOnAbort:
      return unclean_signal;
  }
  return false;
}

std::string UnitText(RestartPolicy p, Ending e) {
  std::string service;
  switch (e) {
    case Ending::kExit0:
      service = "ExecStart=/bin/true\n";
      break;
    case Ending::kExit1:
      service = "ExecStart=/bin/sh -c 'exit 1'\n";
      break;
    case Ending::kSigterm:
    case Ending::kSigkill:
      service = "ExecStart=/bin/sleep 60\n";
      break;
    case Ending::kAbort:
      // No core file left behind (the working directory is /); "$$$$" is
      // the shell's "$$" in a unit file.
      service = "ExecStart=/bin/sh -c 'ulimit -c 0; kill -ABRT $$$$'\n";
      break;
    case Ending::kStartTimeout:
      service = "ExecStartPre=/bin/sleep 60\nExecStart=/bin/sleep 60\nTimeoutStartSec=100ms\n";
      break;
  }
  return "[Service]\n" + service + "Restart=" + ToString(p) + "\nRestartSec=50ms\n";
}

using Case = std::tuple<RestartPolicy, Ending>;

class ServiceRestartTableTest : public ServiceFixture,
                                public ::testing::WithParamInterface<Case> {};

TEST_P(ServiceRestartTableTest, restartsAsSystemdsTableSays) {
  auto [policy, ending] = GetParam();
  auto s = Make(UnitText(policy, ending));
  s->Start();
  if (ending == Ending::kSigterm || ending == Ending::kSigkill) {
    ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kRunning; })) << All();
    ASSERT_EQ(::kill(s->status().main_pid, ending == Ending::kSigterm ? SIGTERM : SIGKILL), 0);
  }
  ASSERT_TRUE(RunUntil([&] { return Settled(*s); })) << All();

  switch (ending) {
    case Ending::kExit0:
    case Ending::kSigterm:
      EXPECT_EQ(s->status().result, ServiceResult::kSuccess) << All();
      break;
    case Ending::kExit1:
      EXPECT_EQ(s->status().result, ServiceResult::kExitCode) << All();
      break;
    case Ending::kSigkill:
      EXPECT_EQ(s->status().result, ServiceResult::kSignal) << All();
      EXPECT_TRUE(Said("t.service: Main process exited, code=killed, status=9/KILL")) << All();
      break;
    case Ending::kAbort:
      EXPECT_TRUE(s->status().result == ServiceResult::kSignal ||
                  s->status().result == ServiceResult::kCoreDump)
          << All();
      break;
    case Ending::kStartTimeout:
      EXPECT_EQ(s->status().result, ServiceResult::kTimeout) << All();
      break;
  }

  bool restarts = SystemdRestarts(policy, ending);
  if (!restarts) {
    EXPECT_EQ(s->status().sub,
              s->status().result == ServiceResult::kSuccess ? SubState::kDead : SubState::kFailed)
        << All();
    EXPECT_EQ(s->status().restarts, 0u);
    return;
  }
  EXPECT_EQ(s->status().sub, SubState::kAutoRestart) << All();
  EXPECT_EQ(s->status().active, ActiveState::kActivating);
  ASSERT_TRUE(RunUntil([&] { return s->status().restarts == 1; })) << All();
  EXPECT_TRUE(Said("t.service: Scheduled restart job, restart counter is at 1.")) << All();
  EXPECT_EQ(Count("Starting t.service..."), 2) << All();
}

INSTANTIATE_TEST_SUITE_P(
    Systemd, ServiceRestartTableTest,
    ::testing::Combine(::testing::Values(RestartPolicy::kNo, RestartPolicy::kAlways,
                                         RestartPolicy::kOnSuccess, RestartPolicy::kOnFailure,
                                         RestartPolicy::kOnAbnormal, RestartPolicy::kOnAbort),
                       ::testing::Values(Ending::kExit0, Ending::kExit1, Ending::kSigterm,
                                         Ending::kSigkill, Ending::kAbort, Ending::kStartTimeout)),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string policy = ToString(std::get<0>(info.param));
      std::replace(policy.begin(), policy.end(), '-', '_');
      return policy + "_" + Name(std::get<1>(info.param));
    });

using ServiceRestartTest = ServiceFixture;

TEST_F(ServiceRestartTest, restartSec_waitsInAutoRestartThenStartsAgain) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point waiting, restarted;
  Clock::time_point none;
  on_change_ = [&](const ServiceStatus& st) {  // the first restart only
    if (st.sub == SubState::kAutoRestart && waiting == none) waiting = Clock::now();
    if (st.sub == SubState::kStartPre && waiting != none && restarted == none)
      restarted = Clock::now();
  };
  auto s = Make("[Service]\nExecStart=/bin/sh -c 'exit 1'\nRestart=on-failure\nRestartSec=300ms\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().restarts == 1; })) << All();
  EXPECT_TRUE(Said("t.service: Scheduled restart job, restart counter is at 1.")) << All();
  // A lower bound only: timers never fire early.
  EXPECT_GE(restarted - waiting, 300ms);
  s->Stop();
  ASSERT_TRUE(RunUntil([&] { return s->status().active != ActiveState::kActivating; })) << All();
}

TEST_F(ServiceRestartTest, stopDuringAutoRestart_cancelsTheRestart) {
  auto s = Make("[Service]\nExecStart=/bin/sh -c 'exit 1'\nRestart=always\nRestartSec=200ms\n");
  s->Start();
  ASSERT_TRUE(RunUntil([&] { return s->status().sub == SubState::kAutoRestart; })) << All();
  s->Stop();
  EXPECT_EQ(s->status().sub, SubState::kDead);
  RunUntil([] { return false; }, 400ms);  // past RestartSec: nothing may start
  EXPECT_EQ(s->status().sub, SubState::kDead) << All();
  EXPECT_EQ(s->status().restarts, 0u);
  EXPECT_EQ(Count("Starting t.service..."), 1) << All();
}

}  // namespace
}  // namespace flotilla::service

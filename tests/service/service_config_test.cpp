// Reading the settings of a service unit (systemd.service(5)): the
// workshop's units as written, defaults, and bad values named by line.
#include "service/service_config.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;

base::Result<ServiceConfig> Read(std::string_view text, std::string_view name = "x.service") {
  auto u = unit::ParseUnitFile(text, name);
  if (!u.ok()) return u.status();
  return ReadServiceConfig(*u, *unit::ParseUnitName(name), name);
}

TEST(ServiceConfig, workshopDbUnit) {
  auto c = Read(R"([Unit]
Description=DB
After=docker.service
Requires=docker.service

[Service]
EnvironmentFile=/etc/environment
Environment="GREETING=hello world" MODE=prod
ExecStartPre=-/usr/bin/docker rm db
ExecStart=/usr/bin/docker run --name db -p ${COREOS_PRIVATE_IPV4}:3306:3306 mysql
ExecStop=/usr/bin/docker stop db
Restart=always
RestartSec=5s
TimeoutStartSec=0
)",
                "db.service");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->description, "DB");
  EXPECT_EQ(c->after, std::vector<std::string>{"docker.service"});
  EXPECT_EQ(c->requires_, std::vector<std::string>{"docker.service"});
  ASSERT_EQ(c->environment_files.size(), 1u);
  EXPECT_EQ(c->environment_files[0].path, "/etc/environment");
  EXPECT_FALSE(c->environment_files[0].optional);
  EXPECT_EQ(c->environment, (std::vector<std::string>{"GREETING=hello world", "MODE=prod"}));
  ASSERT_EQ(c->exec_start_pre.size(), 1u);
  EXPECT_TRUE(c->exec_start_pre[0].ignore_failure);
  EXPECT_EQ(c->exec_start[0].argv[5], "${COREOS_PRIVATE_IPV4}:3306:3306");
  EXPECT_EQ(c->restart, RestartPolicy::kAlways);
  EXPECT_EQ(c->restart_sec, 5s);
  EXPECT_FALSE(c->timeout_start.has_value());  // 0: no timeout
  EXPECT_EQ(c->timeout_stop, std::optional<unit::Span>(90s));
  EXPECT_EQ(c->type, ServiceType::kSimple);
}

TEST(ServiceConfig, defaultsAreSystemds) {
  auto c = Read("[Service]\nExecStart=/bin/true\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->restart, RestartPolicy::kNo);
  EXPECT_EQ(c->restart_sec, 100ms);
  EXPECT_EQ(c->start_limit_burst, 5u);
  EXPECT_EQ(c->start_limit_interval, 10s);
  EXPECT_EQ(c->kill_mode, KillMode::kControlGroup);
  EXPECT_EQ(c->kill_signal, SIGTERM);
  EXPECT_FALSE(c->remain_after_exit);
}

TEST(ServiceConfig, oneshotWithSeveralCommands_andListResets) {
  auto c = Read(
      "[Unit]\nAfter=a.service b.service\nAfter=\nAfter=c.service\nStartLimitIntervalSec=1min\n"
      "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/echo 1\n"
      "ExecStart=/bin/echo 2\nKillSignal=SIGINT\nTimeoutSec=30\nStartLimitBurst=3\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->type, ServiceType::kOneshot);
  EXPECT_TRUE(c->remain_after_exit);
  EXPECT_EQ(c->exec_start.size(), 2u);
  EXPECT_EQ(c->after, std::vector<std::string>{"c.service"});
  EXPECT_EQ(c->kill_signal, SIGINT);
  EXPECT_EQ(c->timeout_start, std::optional<unit::Span>(30s));
  EXPECT_EQ(c->timeout_stop, std::optional<unit::Span>(30s));
  EXPECT_EQ(c->start_limit_interval, 60s);
  EXPECT_EQ(c->start_limit_burst, 3u);
}

TEST(ServiceConfig, badValues_nameLineKeyAndWhatIsAllowed) {
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"[Service]\nExecStart=/bin/true\nRestart=sometimes\n",
            "x.service:3: Restart=sometimes: must be one of no, always, on-success, on-failure, "
            "on-abnormal, on-abort"},
           {"[Service]\nType=weird\nExecStart=/bin/true\n", "x.service:2: Type=weird: must be one"},
           {"[Service]\nExecStart=/bin/echo \"open\n",
            "x.service:2: ExecStart=/bin/echo \"open: "
            "bad command line"},
           {"[Service]\nExecStart=/bin/true\nRestartSec=soon\n", "x.service:3: RestartSec=soon: "},
           {"[Service]\nExecStart=/bin/true\nKillSignal=SIGNOPE\n", "x.service:3: KillSignal="},
           {"[Service]\nExecStart=/bin/true\nRemainAfterExit=maybe\n", "must be a boolean"},
           {"[Service]\nExecStart=/bin/true\nEnvironment=NOEQUALS\n",
            "'NOEQUALS' is not a VAR=value assignment"},
           {"[Service]\nExecStart=/bin/true\nEnvironmentFile=relative\n", "absolute path"},
           {"[Service]\nType=simple\n", "x.service: has no ExecStart="},
           {"[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n", "more than one ExecStart="},
           {"[Service]\nType=oneshot\n", "needs RemainAfterExit=yes"},
       }) {
    auto c = Read(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(why), std::string::npos) << c.status().message();
  }
}

TEST(ServiceConfig, unknownKeys_areIgnoredHere) {
  auto c = Read("[Service]\nExecStart=/bin/true\nNotAKey=1\n[X-Fleet]\nGlobal=true\n");
  EXPECT_TRUE(c.ok()) << c.status().message();
}

}  // namespace
}  // namespace flotilla::service

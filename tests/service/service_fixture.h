// The fixture of the Service tests (service_test.cpp, service_*_test.cpp):
// makes a Service from unit text with PATH=/usr/bin:/bin, records its
// messages, output lines and status changes, runs the loop until a
// condition holds (never a bare sleep), and gives each test a directory of
// its own for the files its units write.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_loop.h"
#include "service/proc.h"
#include "service/service.h"

namespace flotilla::service {

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flotilla-service-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `@DIR@` in `text` stands for the test's directory.
  std::unique_ptr<Service> Make(std::string text, const std::string& name = "t.service") {
    for (size_t at; (at = text.find("@DIR@")) != std::string::npos;) text.replace(at, 5, dir_);
    auto u = unit::ParseUnitFile(text, name);
    EXPECT_TRUE(u.ok()) << u.status().message();
    auto c = ReadServiceConfig(*u, *unit::ParseUnitName(name), name);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return std::make_unique<Service>(
        loop_, *c, std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}},
        Service::Events{[this](std::string_view m) { messages_.emplace_back(m); },
                        [this](pid_t, std::string_view, Stream, std::string_view l) {
                          output_.emplace_back(l);
                        },
                        [this](const ServiceStatus& s) {
                          changes_.push_back(s);
                          if (on_change_) on_change_(s);
                        }});
  }

  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return testing::RunLoopUntil(loop_, done, timeout);
  }

  bool Said(const std::string& m) const { return Count(m) > 0; }
  long Count(const std::string& m) const {
    return std::count(messages_.begin(), messages_.end(), m);
  }
  // Where message `m` is among the messages; -1 when never said.
  long IndexOf(const std::string& m) const {
    auto it = std::find(messages_.begin(), messages_.end(), m);
    return it == messages_.end() ? -1 : it - messages_.begin();
  }
  std::string All() const {
    std::string out;
    for (const auto& m : messages_) out += m + "\n";
    return out;
  }
  bool Passed(SubState s) const {
    return std::any_of(changes_.begin(), changes_.end(), [s](auto& c) { return c.sub == s; });
  }
  bool Passed(ActiveState a) const {
    return std::any_of(changes_.begin(), changes_.end(), [a](auto& c) { return c.active == a; });
  }
  bool Settled(const Service& s) const {
    auto sub = s.status().sub;
    return sub == SubState::kDead || sub == SubState::kFailed || sub == SubState::kAutoRestart;
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name)) << text;
  }
  // The PIDs written to `name`, one a line, once there are `n` of them.
  std::vector<pid_t> WaitForPids(const std::string& name, size_t n) {
    std::vector<pid_t> pids;
    RunUntil([&] {
      pids.clear();
      std::istringstream in(Read(name));
      for (pid_t p; in >> p;) pids.push_back(p);
      return pids.size() >= n;
    });
    return pids;
  }

  // The state letter of /proc/<pid>/stat (R, S, T, Z, ...); 0 when gone.
  static char ProcState(pid_t pid) {
    auto st = ReadProcStat(pid);
    return st ? st->state : 0;
  }
  // Dead: no such process, or a zombie that init (not this test, not its
  // parent) has yet to reap.
  static bool Gone(pid_t pid) { return !ProcessLive(pid); }

  net::EventLoop loop_;
  std::string dir_;
  std::vector<std::string> messages_, output_;
  std::vector<ServiceStatus> changes_;
  std::function<void(const ServiceStatus&)> on_change_;
};

}  // namespace flotilla::service

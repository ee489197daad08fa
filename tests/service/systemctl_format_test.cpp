// `systemctl status` and `list-units` text (src/service/systemctl_format.h).
#include "service/systemctl_format.h"

#include <gtest/gtest.h>

namespace flotilla::service {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

system_clock::time_point At(int64_t unix_seconds) {
  return system_clock::time_point(std::chrono::seconds(unix_seconds));
}

TEST(SystemctlFormat, ageReadsAsSystemdsDoes) {
  EXPECT_EQ(FormatAge(5s), "5s");
  EXPECT_EQ(FormatAge(63s), "1min 3s");
  EXPECT_EQ(FormatAge(2h + 5min + 7s), "2h 5min");
  EXPECT_EQ(FormatAge(24h), "1 day");
  EXPECT_EQ(FormatAge(3 * 24h + 4h), "3 days 4h");
  EXPECT_EQ(FormatAge(250ms), "250ms");
}

TEST(SystemctlFormat, statusOfARunningUnit) {
  UnitStatusView u;
  u.name = "hello.service";
  u.description = "My Service";
  u.path = "/var/lib/flotilla/units/hello.service";
  u.status.active = ActiveState::kActive;
  u.status.sub = SubState::kRunning;
  u.status.main_pid = 1234;
  u.status.since = At(1796211000);  // Wed 2026-12-02 11:30:00 UTC
  u.main_command = "docker";
  u.journal_lines = {"Dec 02 11:30:00 host flotilla[77]: Started hello.service - My Service.",
                     "Dec 02 11:30:01 host docker[1234]: Hello World"};
  EXPECT_EQ(FormatStatus(u, At(1796211005), true),
            "\u25cf hello.service - My Service\n"
            "     Loaded: loaded (/var/lib/flotilla/units/hello.service; static)\n"
            "     Active: active (running) since Wed 2026-12-02 11:30:00 UTC; 5s ago\n"
            "   Main PID: 1234 (docker)\n"
            "\n"
            "Dec 02 11:30:00 host flotilla[77]: Started hello.service - My Service.\n"
            "Dec 02 11:30:01 host docker[1234]: Hello World\n");
}

TEST(SystemctlFormat, failedAndInactiveUnits) {
  UnitStatusView u;
  u.name = "db.service";
  u.status.active = ActiveState::kFailed;
  u.status.sub = SubState::kFailed;
  u.status.result = ServiceResult::kExitCode;
  u.status.since = At(1796211000);
  EXPECT_EQ(FormatStatus(u, At(1796211063), true),
            "\u00d7 db.service\n"
            "     Loaded: loaded (db.service; static)\n"
            "     Active: failed (Result: exit-code) since Wed 2026-12-02 11:30:00 UTC; 1min 3s "
            "ago\n");
  UnitStatusView never;
  never.name = "idle.service";
  EXPECT_EQ(FormatStatus(never, At(0), true),
            "\u25cb idle.service\n"
            "     Loaded: loaded (idle.service; static)\n"
            "     Active: inactive (dead)\n");
}

TEST(SystemctlFormat, listUnitsTable) {
  UnitStatusView a, b;
  a.name = "hello.service";
  a.description = "My Service";
  a.status.active = ActiveState::kActive;
  a.status.sub = SubState::kRunning;
  b.name = "db.service";
  b.status.active = ActiveState::kFailed;
  b.status.sub = SubState::kFailed;
  std::string text = FormatListUnits({a, b});
  EXPECT_EQ(text.substr(0, text.find("\n\n") + 1),
            "  UNIT          LOAD   ACTIVE SUB     DESCRIPTION\n"
            "  hello.service loaded active running My Service\n"
            "\u25cf db.service    loaded failed failed  db.service\n");
  EXPECT_NE(text.find("2 loaded units listed.\n"), std::string::npos);
  EXPECT_EQ(FormatListUnits({a}, false), "  hello.service loaded active running My Service\n");
}

}  // namespace
}  // namespace flotilla::service

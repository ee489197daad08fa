// journalctl --since times (src/service/journal_time.h).
#include "service/journal_time.h"

#include <gtest/gtest.h>

namespace flotilla::service {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr base::UnixNanos kNow = 1796211000 * kS;  // Wed 2026-12-02 11:30:00 UTC

int64_t At(std::string_view text) {
  auto t = ParseJournalTime(text, kNow, true);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().message();
  return t.ok() ? *t / kS : -1;
}

TEST(JournalTime, absoluteRelativeAndNamedTimes) {
  EXPECT_EQ(At("now"), 1796211000);
  EXPECT_EQ(At("today"), 1796169600);  // 2026-12-02 00:00:00 UTC
  EXPECT_EQ(At("yesterday"), 1796169600 - 86400);
  EXPECT_EQ(At("tomorrow"), 1796169600 + 86400);
  EXPECT_EQ(At("2026-12-02 11:29:15"), 1796210955);
  EXPECT_EQ(At("2026-12-02 11:29"), 1796210940);
  EXPECT_EQ(At("2026-12-02"), 1796169600);
  EXPECT_EQ(At("10:00"), 1796169600 + 36000);
  EXPECT_EQ(At("-5min"), 1796211000 - 300);
  EXPECT_EQ(At("1h 30min ago"), 1796211000 - 5400);
  EXPECT_EQ(At("+10s"), 1796211010);
  EXPECT_EQ(At("@1700000000"), 1700000000);
}

TEST(JournalTime, garbage_isRefusedAsJournalctlSaysIt) {
  for (auto bad : {"", "soon", "2026-13-01", "25:00", "-5 parsecs", "@12x", "2026-12-02 11:30x"}) {
    auto t = ParseJournalTime(bad, kNow, true);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().message(), std::string("Failed to parse timestamp: ") + bad);
  }
}

}  // namespace
}  // namespace flotilla::service

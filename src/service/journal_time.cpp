#include "service/journal_time.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "unit/time_span.h"

namespace flotilla::service {
namespace {

constexpr int64_t kNanos = 1'000'000'000;

base::Status Bad(std::string_view text) {
  return base::Status(base::Code::kInvalidArgument,
                      fmt::format("Failed to parse timestamp: {}", text.substr(0, 100)));
}

// Midnight of the day of `now` plus `days`, as Unix seconds.
std::time_t Midnight(base::UnixNanos now, int days, bool utc) {
  std::time_t secs = now / kNanos;
  std::tm tm{};
  utc ? gmtime_r(&secs, &tm) : localtime_r(&secs, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_mday += days;
  tm.tm_isdst = -1;
  return utc ? timegm(&tm) : mktime(&tm);
}

}  // namespace

base::Result<base::UnixNanos> ParseJournalTime(std::string_view text, base::UnixNanos now,
                                               bool utc) {
  std::string t(text);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(0, 1);
  if (t.empty()) return Bad(text);
  if (t == "now") return now;
  if (t == "today") return int64_t(Midnight(now, 0, utc)) * kNanos;
  if (t == "yesterday") return int64_t(Midnight(now, -1, utc)) * kNanos;
  if (t == "tomorrow") return int64_t(Midnight(now, 1, utc)) * kNanos;
  if (t[0] == '@') {
    if (t.size() < 2 || t.find_first_not_of("0123456789", 1) != std::string::npos || t.size() > 13)
      return Bad(text);
    return std::stoll(t.substr(1)) * kNanos;
  }
  // Relative: "-5min", "+1h", "5min ago".
  int sign = 0;
  std::string span;
  if (t[0] == '-' || t[0] == '+') {
    sign = t[0] == '-' ? -1 : 1;
    span = t.substr(1);
  } else if (t.size() > 4 && t.ends_with(" ago")) {
    sign = -1;
    span = t.substr(0, t.size() - 4);
  }
  if (sign != 0) {
    auto s = unit::ParseTimeSpan(span);
    if (!s.ok() || !s->has_value()) return Bad(text);
    return now + sign * int64_t((*s)->count()) * 1000;
  }
  // Absolute: [YYYY-MM-DD][ HH:MM[:SS]].
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  bool date = false;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) == 6 ||
      (s = 0, std::sscanf(t.c_str(), "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) == 5) ||
      (h = mi = s = 0, std::sscanf(t.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3)) {
    date = true;
  } else if (std::sscanf(t.c_str(), "%2d:%2d:%2d%c", &h, &mi, &s, &tail) == 3 ||
             (s = 0, std::sscanf(t.c_str(), "%2d:%2d%c", &h, &mi, &tail) == 2)) {
    std::time_t mid = Midnight(now, 0, utc);
    utc ? gmtime_r(&mid, &tm) : localtime_r(&mid, &tm);
    y = tm.tm_year + 1900, mo = tm.tm_mon + 1, d = tm.tm_mday;
  } else {
    return Bad(text);
  }
  (void)date;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970)
    return Bad(text);
  tm = {};
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
  tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
  tm.tm_isdst = -1;
  std::time_t secs = utc ? timegm(&tm) : mktime(&tm);
  return int64_t(secs) * kNanos;
}

}  // namespace flotilla::service

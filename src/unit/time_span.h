// Time spans as systemd.time(7) writes them: "5s", "1min 30s", "100ms",
// "2h30m", a bare number (seconds, for the settings flotilla reads), and
// "infinity". Units: us/usec, ms/msec, s/sec/second(s), m/min/minute(s),
// h/hr/hour(s), d/day(s), w/week(s), M/month(s) (30.44 days), y/year(s)
// (365.25 days).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace flotilla::unit {

using Span = std::chrono::microseconds;
// nullopt: infinity.
base::Result<std::optional<Span>> ParseTimeSpan(std::string_view text);

}  // namespace flotilla::unit

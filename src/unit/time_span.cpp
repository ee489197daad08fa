#include "unit/time_span.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <utility>

namespace flotilla::unit {
namespace {

constexpr double kSecond = 1e6;  // microseconds
constexpr std::array<std::pair<std::string_view, double>, 28> kUnits = {{
    {"us", 1},
    {"usec", 1},
    {"ms", 1e3},
    {"msec", 1e3},
    {"s", kSecond},
    {"sec", kSecond},
    {"second", kSecond},
    {"seconds", kSecond},
    {"m", 60 * kSecond},
    {"min", 60 * kSecond},
    {"minute", 60 * kSecond},
    {"minutes", 60 * kSecond},
    {"h", 3600 * kSecond},
    {"hr", 3600 * kSecond},
    {"hour", 3600 * kSecond},
    {"hours", 3600 * kSecond},
    {"d", 86400 * kSecond},
    {"day", 86400 * kSecond},
    {"days", 86400 * kSecond},
    {"w", 7 * 86400 * kSecond},
    {"week", 7 * 86400 * kSecond},
    {"weeks", 7 * 86400 * kSecond},
    {"M", 30.44 * 86400 * kSecond},
    {"month", 30.44 * 86400 * kSecond},
    {"months", 30.44 * 86400 * kSecond},
    {"y", 365.25 * 86400 * kSecond},
    {"year", 365.25 * 86400 * kSecond},
    {"years", 365.25 * 86400 * kSecond},
}};

base::Status Bad(std::string_view text, std::string_view why) {
  return base::Status(base::Code::kInvalidArgument,
                      fmt::format("bad time span '{}': {}", text.substr(0, 100), why));
}

}  // namespace

base::Result<std::optional<Span>> ParseTimeSpan(std::string_view text) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  size_t i = 0;
  while (i < text.size() && blank(text[i])) ++i;
  std::string_view rest = text.substr(i);
  while (!rest.empty() && blank(rest.back())) rest.remove_suffix(1);
  if (rest == "infinity") return std::optional<Span>();
  if (rest.empty()) return Bad(text, "empty");
  double total = 0;
  bool any = false;
  size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && blank(rest[pos])) ++pos;
    if (pos == rest.size()) break;
    size_t start = pos;
    while (pos < rest.size() && ((rest[pos] >= '0' && rest[pos] <= '9') || rest[pos] == '.')) ++pos;
    if (pos == start) return Bad(text, "expected a number");
    std::string number(rest.substr(start, pos - start));
    if (number.find('.') != number.rfind('.')) return Bad(text, "two decimal points");
    double value = std::strtod(number.c_str(), nullptr);
    while (pos < rest.size() && blank(rest[pos])) ++pos;
    size_t ustart = pos;
    while (pos < rest.size() && ((rest[pos] >= 'a' && rest[pos] <= 'z') || rest[pos] == 'M')) ++pos;
    std::string_view unit = rest.substr(ustart, pos - ustart);
    double scale = 0;
    if (unit.empty()) {
      scale = kSecond;  // a bare number is seconds
    } else {
      for (const auto& [name, s] : kUnits)
        if (name == unit) scale = s;
      if (scale == 0) return Bad(text, fmt::format("unknown unit '{}'", unit));
    }
    total += value * scale;
    any = true;
    if (total > 1e17) return Bad(text, "too long");
  }
  if (!any) return Bad(text, "empty");
  return std::optional<Span>(Span(static_cast<int64_t>(std::llround(total))));
}

}  // namespace flotilla::unit

#include "service/systemctl_format.h"

#include <fmt/format.h>

#include <ctime>

namespace flotilla::service {
namespace {

const char* Bullet(ActiveState a) {
  switch (a) {
    case ActiveState::kActive:
    case ActiveState::kReloading:
    case ActiveState::kActivating:
    case ActiveState::kDeactivating:
      return "\u25cf";  // ●
    case ActiveState::kFailed:
      return "\u00d7";  // ×
    default:
      return "\u25cb";  // ○
  }
}

std::string Timestamp(std::chrono::system_clock::time_point t, bool utc) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (utc) {
    gmtime_r(&secs, &tm);
  } else {
    localtime_r(&secs, &tm);
  }
  char buf[64];
  std::strftime(buf, sizeof buf, utc ? "%a %Y-%m-%d %H:%M:%S UTC" : "%a %Y-%m-%d %H:%M:%S %Z", &tm);
  return buf;
}

}  // namespace

std::string FormatAge(std::chrono::system_clock::duration age) {
  using namespace std::chrono;
  auto s = duration_cast<seconds>(age).count();
  if (s < 0) s = 0;
  struct Unit {
    int64_t size;
    const char* name;
  };
  constexpr Unit kUnits[] = {
      {86400 * 365, "y"}, {86400 * 30, "month"}, {86400 * 7, "w"}, {86400, " days"},
      {3600, "h"},        {60, "min"},           {1, "s"}};
  if (s == 0) {
    auto ms = duration_cast<milliseconds>(age).count();
    return fmt::format("{}ms", ms < 0 ? 0 : ms);
  }
  std::string out;
  int parts = 0;
  for (const auto& u : kUnits) {
    if (s < u.size || parts == 2) continue;
    int64_t n = s / u.size;
    s %= u.size;
    std::string name = u.name;
    if (name == " days" && n == 1) name = " day";
    out += fmt::format("{}{}{}", out.empty() ? "" : " ", n, name);
    ++parts;
  }
  return out;
}

std::string FormatStatus(const UnitStatusView& u, std::chrono::system_clock::time_point now,
                         bool utc) {
  std::string out = fmt::format("{} {}", Bullet(u.status.active), u.name);
  if (!u.description.empty() && u.description != u.name) out += " - " + u.description;
  out += '\n';
  out += fmt::format("     Loaded: loaded ({}; static)\n", u.path.empty() ? u.name : u.path);
  std::string active = fmt::format("{} ({})", ToString(u.status.active), ToString(u.status.sub));
  if (u.status.active == ActiveState::kFailed)
    active = fmt::format("failed (Result: {})", ToString(u.status.result));
  out += "     Active: " + active;
  if (u.status.since.time_since_epoch().count() != 0) {
    out += fmt::format(" since {}; {} ago", Timestamp(u.status.since, utc),
                       FormatAge(now - u.status.since));
  }
  out += '\n';
  if (u.status.main_pid > 0) {
    out += fmt::format("   Main PID: {}", u.status.main_pid);
    if (!u.main_command.empty()) out += fmt::format(" ({})", u.main_command);
    out += '\n';
  }
  if (!u.journal_lines.empty()) {
    out += '\n';
    for (const auto& l : u.journal_lines) out += l + '\n';
  }
  return out;
}

std::string FormatListUnits(const std::vector<UnitStatusView>& units, bool legend) {
  size_t w_unit = 4, w_sub = 3, w_active = 6;
  for (const auto& u : units) {
    w_unit = std::max(w_unit, u.name.size());
    w_sub = std::max(w_sub, std::string(ToString(u.status.sub)).size());
    w_active = std::max(w_active, std::string(ToString(u.status.active)).size());
  }
  std::string out;
  auto row = [&](std::string_view mark, std::string_view unit, std::string_view load,
                 std::string_view active, std::string_view sub, std::string_view desc) {
    std::string line = fmt::format("{:<2}{:<{}} {:<6} {:<{}} {:<{}} {}", mark, unit, w_unit, load,
                                   active, w_active, sub, w_sub, desc);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  };
  if (legend) row("", "UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION");
  for (const auto& u : units) {
    bool failed = u.status.active == ActiveState::kFailed;
    row(failed ? "\u25cf" : "", u.name, "loaded", ToString(u.status.active), ToString(u.status.sub),
        u.description.empty() ? u.name : u.description);
  }
  if (legend) {
    out += fmt::format(
        "\nLOAD   = Reflects whether the unit definition was properly loaded.\n"
        "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.\n"
        "SUB    = The low-level unit activation state, values depend on unit type.\n"
        "{} loaded units listed.\n",
        units.size());
  }
  return out;
}

}  // namespace flotilla::service

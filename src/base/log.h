// Minimal leveled logging to stderr: "2026-11-22T04:00:00.123Z I serve: ready".
// Thread-safe (one write(2) per line). The level is process-wide.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace flotilla::base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  if (level < GetLogLevel()) return;
  LogLine(level, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace flotilla::base

#define FLOG_DEBUG(...) ::flotilla::base::Log(::flotilla::base::LogLevel::kDebug, __VA_ARGS__)
#define FLOG_INFO(...) ::flotilla::base::Log(::flotilla::base::LogLevel::kInfo, __VA_ARGS__)
#define FLOG_WARN(...) ::flotilla::base::Log(::flotilla::base::LogLevel::kWarn, __VA_ARGS__)
#define FLOG_ERROR(...) ::flotilla::base::Log(::flotilla::base::LogLevel::kError, __VA_ARGS__)

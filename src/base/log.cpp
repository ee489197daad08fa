#include "base/log.h"

#include <unistd.h>

#include <atomic>

#include "base/clock.h"

namespace flotilla::base {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
}

void SetLogLevel(LogLevel level) {
  g_level = level;
}
LogLevel GetLogLevel() {
  return g_level;
}

void LogLine(LogLevel level, std::string_view message) {
  static constexpr char kLetters[] = "DIWE";
  std::string line = FormatRfc3339Nano(SystemClock().Now(), 3);
  line += ' ';
  line += kLetters[static_cast<int>(level)];
  line += ' ';
  line += message;
  line += '\n';
  ssize_t r = ::write(2, line.data(), line.size());
  (void)r;
}

}  // namespace flotilla::base

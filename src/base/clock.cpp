#include "base/clock.h"

#include <chrono>
#include <ctime>

namespace flotilla::base {
namespace {

class RealClock final : public Clock {
 public:
  UnixNanos Now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

std::string FormatRfc3339Nano(UnixNanos t, int max_fraction_digits) {
  int64_t secs = t / 1'000'000'000;
  int64_t nanos = t % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --secs;
  }
  time_t tt = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  char frac[16];
  snprintf(frac, sizeof frac, "%09lld", static_cast<long long>(nanos));
  int digits = max_fraction_digits;
  while (digits > 0 && frac[digits - 1] == '0') --digits;
  if (digits > 0) {
    out += '.';
    out.append(frac, static_cast<size_t>(digits));
  }
  out += 'Z';
  return out;
}

}  // namespace flotilla::base

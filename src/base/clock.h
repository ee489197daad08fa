// Clock: wall time as nanoseconds since the Unix epoch, injectable for tests.
//
// Pure cores never read a clock: the etcd node reads one when it proposes an
// entry and the time travels inside the entry, so every replica applies the
// same time. FormatRfc3339Nano renders times as Go's time.RFC3339Nano does
// (trailing zeros of the fraction dropped), which is how etcd shows expirations.
#pragma once

#include <cstdint>
#include <string>

namespace flotilla::base {

using UnixNanos = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixNanos Now() const = 0;
};

// The system's real-time clock.
const Clock& SystemClock();

// A clock that tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixNanos start = 1'700'000'000'000'000'000) : now_(start) {}
  UnixNanos Now() const override { return now_; }
  void Advance(int64_t nanos) { now_ += nanos; }
  void Set(UnixNanos t) { now_ = t; }

 private:
  UnixNanos now_;
};

// "2026-11-22T02:45:30.358224079Z". `max_fraction_digits` < 9 truncates the
// fraction (logs use 3); trailing zeros are dropped as Go does.
std::string FormatRfc3339Nano(UnixNanos t, int max_fraction_digits = 9);

}  // namespace flotilla::base

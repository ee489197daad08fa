// Test helper: runs an EventLoop in small slices until a condition holds or
// a deadline passes (no sleep-and-hope).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

#include "net/event_loop.h"

namespace flotilla::testing {

inline bool RunLoopUntil(net::EventLoop& loop, const std::function<bool()>& done,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    loop.context().restart();
    loop.context().run_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace flotilla::testing

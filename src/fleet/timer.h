// Timer: a one-shot, cancellable timer on an EventLoop (Asio stays in
// timer.cpp). Start() replaces a pending run; Cancel() and destruction
// make sure `fn` does not run. Loop thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "net/event_loop.h"

namespace flotilla::fleet {

class Timer {
 public:
  explicit Timer(net::EventLoop& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void Start(std::chrono::milliseconds delay, std::function<void()> fn);
  void Cancel();
  bool pending() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the waiting handler
};

}  // namespace flotilla::fleet

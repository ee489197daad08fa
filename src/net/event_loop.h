// EventLoop: one Asio io_context run by one thread, the home of everything
// single-threaded in a flotilla daemon (HTTP sessions, the kv store, timers).
//
// Other threads hand work to it with Post(). Timers repeat until Stop().
// Beast and Asio stay out of this header so that includers compile fast.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace flotilla::net {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs `fn` on the loop thread. Callable from any thread.
  void Post(std::function<void()> fn);
  // Runs `fn` on the loop thread every `period`, first after one period.
  void Every(std::chrono::milliseconds period, std::function<void()> fn);

  // Runs the loop on the calling thread until Stop().
  void Run();
  // Makes Run() return. Callable from any thread.
  void Stop();

  boost::asio::io_context& context();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::net

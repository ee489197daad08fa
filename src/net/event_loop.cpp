#include "net/event_loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace flotilla::net {

namespace asio = boost::asio;

struct EventLoop::Impl {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::Post(std::function<void()> fn) {
  asio::post(impl_->io, std::move(fn));
}

namespace {

// A timer that re-arms itself; its pending wait keeps it alive until the
// io_context stops or is destroyed.
struct Repeater : std::enable_shared_from_this<Repeater> {
  Repeater(asio::io_context& io, std::chrono::milliseconds p, std::function<void()> f)
      : timer(io), period(p), fn(std::move(f)) {}
  void Arm() {
    timer.expires_after(period);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->fn();
      self->Arm();
    });
  }
  asio::steady_timer timer;
  std::chrono::milliseconds period;
  std::function<void()> fn;
};

}  // namespace

void EventLoop::Every(std::chrono::milliseconds period, std::function<void()> fn) {
  std::make_shared<Repeater>(impl_->io, period, std::move(fn))->Arm();
}

void EventLoop::Run() {
  impl_->io.run();
}

void EventLoop::Stop() {
  impl_->guard.reset();
  impl_->io.stop();
}

asio::io_context& EventLoop::context() {
  return impl_->io;
}

}  // namespace flotilla::net

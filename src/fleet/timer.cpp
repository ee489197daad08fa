#include "fleet/timer.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace flotilla::fleet {

struct Timer::Impl {
  explicit Impl(net::EventLoop& loop) : timer(loop.context()) {}
  boost::asio::steady_timer timer;
  uint64_t generation = 0;
  bool pending = false;
};

Timer::Timer(net::EventLoop& loop) : impl_(std::make_shared<Impl>(loop)) {}

Timer::~Timer() {
  Cancel();
}

bool Timer::pending() const {
  return impl_->pending;
}

void Timer::Start(std::chrono::milliseconds delay, std::function<void()> fn) {
  uint64_t gen = ++impl_->generation;
  impl_->pending = true;
  impl_->timer.expires_after(delay);
  // The generation, not the error code, decides: a timer that fired just
  // before Cancel() or Start() must not run the old function. The handler
  // holds the Impl, so it may run after the Timer is gone.
  impl_->timer.async_wait(
      [impl = impl_, gen, fn = std::move(fn)](const boost::system::error_code&) {
        if (gen != impl->generation) return;
        impl->pending = false;
        fn();
      });
}

void Timer::Cancel() {
  ++impl_->generation;
  impl_->pending = false;
  impl_->timer.cancel();
}

}  // namespace flotilla::fleet

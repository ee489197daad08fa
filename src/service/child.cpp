#include "service/child.h"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>

namespace flotilla::service {

namespace asio = boost::asio;

// Reads of 16 KiB: per wake-up of a pipe (fairness to other units), and
// at exit (a pipe holds 64 KiB unless resized; other processes of the
// group may still be writing, so this is bounded too).
constexpr int kDrainPerWake = 8;
constexpr int kDrainAtExit = 256;

struct Child::Impl : std::enable_shared_from_this<Child::Impl> {
  struct Pipe {
    explicit Pipe(asio::io_context& io) : fd(io) {}
    asio::posix::stream_descriptor fd;
    std::string partial;
    char buf[16384];
  };

  Impl(asio::io_context& io) : pidfd(io), out(io), err(io) {}
  pid_t pid = -1;
  bool reaped = false;
  bool stopped = false;  // the Child is gone: no more callbacks
  asio::posix::stream_descriptor pidfd;
  Pipe out, err;
  Callbacks callbacks;

  void WatchExit() {
    pidfd.async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       if (self->stopped || ec) return;
                       int status = 0;
                       pid_t r;
                       do {
                         r = ::waitpid(self->pid, &status, WNOHANG);
                       } while (r < 0 && errno == EINTR);
                       if (r == 0) return self->WatchExit();  // spurious
                       self->reaped = true;
                       // What it wrote before exiting is in the pipes: lines first.
                       self->Drain(self->out, Stream::kStdout, kDrainAtExit);
                       self->Drain(self->err, Stream::kStderr, kDrainAtExit);
                       if (self->stopped) return;
                       if (self->callbacks.exited) self->callbacks.exited(r < 0 ? -1 : status);
                     });
  }

  // Output is read here, not by asio, so that none is ever read and not
  // yet handled: at exit, Drain takes exactly what is left, in order.
  void Read(Pipe& p, Stream stream) {
    p.fd.async_wait(asio::posix::stream_descriptor::wait_read,
                    [self = shared_from_this(), &p, stream](const boost::system::error_code& ec) {
                      if (self->stopped || !p.fd.is_open()) return;
                      if (ec) return self->EndOfOutput(p, stream);
                      if (self->Drain(p, stream, kDrainPerWake)) self->Read(p, stream);
                    });
  }

  // Reads up to `max_reads` buffers; false once the output ended.
  bool Drain(Pipe& p, Stream stream, int max_reads) {
    for (int i = 0; i < max_reads && p.fd.is_open() && !stopped; ++i) {
      ssize_t n = ::read(p.fd.native_handle(), p.buf, sizeof p.buf);
      if (n > 0) {
        Take(p, stream, std::string_view(p.buf, size_t(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      EndOfOutput(p, stream);  // EOF, or an error, which ends it too
      return false;
    }
    return p.fd.is_open() && !stopped;
  }

  void EndOfOutput(Pipe& p, Stream stream) {
    if (!p.partial.empty()) Deliver(stream, p.partial);
    p.partial.clear();
    boost::system::error_code ignored;
    p.fd.close(ignored);
  }

  void Take(Pipe& p, Stream stream, std::string_view data) {
    while (!data.empty() && !stopped) {
      size_t nl = data.find('\n');
      size_t room = kMaxLine - p.partial.size();
      if (nl == std::string_view::npos || nl > room) {
        size_t take = std::min(data.size(), room);
        p.partial.append(data.substr(0, take));
        data.remove_prefix(take);
        if (p.partial.size() == kMaxLine) {
          Deliver(stream, p.partial);
          p.partial.clear();
        }
        continue;
      }
      p.partial.append(data.substr(0, nl));
      data.remove_prefix(nl + 1);
      Deliver(stream, p.partial);
      p.partial.clear();
    }
  }

  void Deliver(Stream stream, std::string_view line) {
    if (callbacks.line) callbacks.line(stream, line);
  }
};

base::Result<std::unique_ptr<Child>> Child::Start(net::EventLoop& loop, const SpawnOptions& options,
                                                  Callbacks callbacks) {
  auto spawned = Spawn(options);
  if (!spawned.ok()) return spawned.status();
  auto impl = std::make_shared<Impl>(loop.context());
  impl->pid = spawned->pid;
  impl->callbacks = std::move(callbacks);
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, spawned->pid, 0));
  if (pidfd < 0) {
    int e = errno;
    ::kill(-spawned->pid, SIGKILL);
    ::waitpid(spawned->pid, nullptr, 0);
    if (spawned->stdout_fd >= 0) ::close(spawned->stdout_fd), ::close(spawned->stderr_fd);
    return base::Status(base::Code::kIoError, std::string("pidfd_open: ") + std::strerror(e));
  }
  impl->pidfd.assign(pidfd);
  impl->WatchExit();
  if (spawned->stdout_fd >= 0) {
    impl->out.fd.assign(spawned->stdout_fd);
    impl->err.fd.assign(spawned->stderr_fd);
    impl->Read(impl->out, Stream::kStdout);
    impl->Read(impl->err, Stream::kStderr);
  }
  return std::unique_ptr<Child>(new Child(std::move(impl)));
}

Child::~Child() {
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->pidfd.close(ignored);
  impl_->out.fd.close(ignored);
  impl_->err.fd.close(ignored);
}

pid_t Child::pid() const {
  return impl_->pid;
}

bool Child::running() const {
  return !impl_->reaped;
}

base::Status Child::Signal(int sig) {
  if (impl_->reaped && !GroupAlive(impl_->pid)) return base::Status::Ok();
  return KillGroup(impl_->pid, sig);
}

}  // namespace flotilla::service

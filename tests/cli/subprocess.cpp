#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace flotilla::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  }
};

// Forks and execs; the child's stdin comes from `in_fd` (or /dev/null).
pid_t Spawn(const std::vector<std::string>& argv, const Env& env, int in_fd, int out_fd,
            int err_fd) {
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Own process group, so that a signal to the test does not reach it.
    ::setpgid(0, 0);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(in_fd >= 0 ? in_fd : null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execve(cargv[0], cargv.data(), cenv.data());
    const char msg[] = "exec failed\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(127);
  }
  return pid;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& argv, const Env& env,
                         const std::string& input, std::chrono::milliseconds timeout) {
  Pipe in;
  // The input is small; it fits the pipe buffer, so write it all up front.
  if (!input.empty() &&
      ::write(in.fds[1], input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    throw std::runtime_error("write stdin failed");
  }
  ::close(in.fds[1]);
  Pipe out, err;
  pid_t pid = Spawn(argv, env, in.fds[0], out.fds[1], err.fds[1]);
  ::close(in.fds[0]);
  ::close(out.fds[1]);
  ::close(err.fds[1]);
  ProcessResult r;
  auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out.fds[0], POLLIN, 0}, {err.fds[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = DecodeStatus(status);
  return r;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const Env& env) {
  Pipe out, err;
  pid_ = Spawn(argv, env, -1, out.fds[1], err.fds[1]);
  ::close(out.fds[1]);
  ::close(err.fds[1]);
  out_fd_ = out.fds[0];
  err_fd_ = err.fds[0];
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool BackgroundProcess::Pump(std::chrono::milliseconds slice) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (out_fd_ < 0 && err_fd_ < 0) return false;
  if (::poll(fds, 2, static_cast<int>(slice.count())) <= 0) return true;
  int* owned[2] = {&out_fd_, &err_fd_};
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[4096];
    ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
    if (n > 0) {
      (i == 0 ? result_.out : result_.err).append(buf, static_cast<size_t>(n));
    } else {
      ::close(*owned[i]);
      *owned[i] = -1;
    }
  }
  return out_fd_ >= 0 || err_fd_ >= 0;
}

bool BackgroundProcess::WaitForOutput(const std::function<bool(const std::string&)>& done,
                                      std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!done(result_.out)) {
    if (Clock::now() >= deadline) return false;
    if (!Pump(std::chrono::milliseconds(50))) return done(result_.out);
  }
  return true;
}

ProcessResult BackgroundProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Pump(std::chrono::milliseconds(50))) {
    if (Clock::now() >= deadline) {
      result_.timed_out = true;
      ::kill(pid_, SIGKILL);
      break;
    }
  }
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  result_.code = DecodeStatus(status);
  return result_;
}

ProcessResult BackgroundProcess::Stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ > 0) ::kill(pid_, sig);
  return Wait(timeout);
}

}  // namespace flotilla::testing

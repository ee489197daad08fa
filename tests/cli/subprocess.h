// Child processes for the CLI tests: run a command to completion with its
// stdout, stderr and exit code captured, or keep one running in the
// background (a watch) and wait, with a deadline, for its output to satisfy
// a condition. Every wait has a deadline; nothing sleeps and hopes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace flotilla::testing {

struct ProcessResult {
  std::string out;
  std::string err;
  int code = -1;  // exit code, or 128 + signal
  bool timed_out = false;
};

// The environment for a child: NAME=value entries.
using Env = std::vector<std::string>;

// Runs argv (argv[0] is a path) with exactly `env`, feeding `input` on stdin.
ProcessResult RunProcess(const std::vector<std::string>& argv, const Env& env,
                         const std::string& input = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const Env& env);
  ~BackgroundProcess();  // SIGKILLs a child still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Reads output until `done(out)` holds or the deadline passes; returns done.
  bool WaitForOutput(const std::function<bool(const std::string& out)>& done,
                     std::chrono::milliseconds timeout);
  // Sends `sig` and collects the rest of the output and the exit status.
  ProcessResult Stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for the child to exit by itself.
  ProcessResult Wait(std::chrono::milliseconds timeout);

  const std::string& out() const { return result_.out; }
  pid_t pid() const { return pid_; }

 private:
  // Reads what is available for up to `slice`; false once both pipes closed.
  bool Pump(std::chrono::milliseconds slice);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  ProcessResult result_;
};

}  // namespace flotilla::testing

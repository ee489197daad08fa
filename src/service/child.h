// Child: one spawned command (spawn.h) watched on the event loop: every
// line it writes to stdout or stderr goes to `line` as it arrives (a line
// longer than kMaxLine is cut into pieces of that size; a last line
// without a newline is delivered at end of output), and its exit status
// (as waitpid reports it) goes to `exited` once, when the process itself
// has exited and been reaped and the output it wrote before exiting (what
// was in the pipes then) has gone to `line`. Output can go on after that:
// processes it left in its group may still hold the pipes.
//
// Exit is watched with a pidfd, so no SIGCHLD handler is involved and
// other children of flotilla are not disturbed.
//
// Threading: the loop thread only. Destroying a Child stops the watching
// (no more callbacks) and closes its pipes; it neither kills nor reaps the
// process: the service manager decides that (Signal, then wait for exited).
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "net/event_loop.h"
#include "service/spawn.h"

namespace flotilla::service {

enum class Stream { kStdout, kStderr };

class Child {
 public:
  static constexpr size_t kMaxLine = 64u << 10;

  struct Callbacks {
    std::function<void(Stream, std::string_view)> line;
    std::function<void(int wait_status)> exited;
  };

  static base::Result<std::unique_ptr<Child>> Start(net::EventLoop& loop,
                                                    const SpawnOptions& options,
                                                    Callbacks callbacks);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const;
  bool running() const;  // not yet reaped
  // Signals the whole process group.
  base::Status Signal(int sig);

  struct Impl;

 private:
  explicit Child(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace flotilla::service

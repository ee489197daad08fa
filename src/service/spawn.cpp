#include "service/spawn.h"

#include "base/fs.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>

namespace flotilla::service {
namespace {

bool Executable(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// Between clone and exec the child runs on a stack of its own in our
// memory, which it must not change, with our thread's TLS (errno included:
// we do not read errno until it is gone). One stack per spawning thread,
// kept: a child is done with it once Spawn's clone returns.
class ChildStack {
 public:
  static constexpr size_t kSize = 64u << 10;
  ~ChildStack() {
    if (base_ != MAP_FAILED) ::munmap(base_, kSize);
  }
  // The top of the stack (it grows down), or null with errno set.
  char* Top() {
    if (base_ == MAP_FAILED) {
      base_ = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
      if (base_ == MAP_FAILED) return nullptr;
    }
    return static_cast<char*>(base_) + kSize;
  }

 private:
  void* base_ = MAP_FAILED;
};
thread_local ChildStack child_stack;

// What the child needs, built by Spawn before the clone.
struct ChildArgs {
  const char* path;
  char* const* argv;
  char* const* envp;
  const char* cwd;
  const gid_t* groups;
  size_t group_count;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  bool capture_output;
  int report, out, err;  // write ends
};

// In the child: report errno and what failed, then exit. Only
// async-signal-safe calls. Not instrumented by AddressSanitizer, as
// ChildMain.
[[noreturn]] __attribute__((no_sanitize_address)) void ChildFail(int fd, const char* what) {
  int err = errno;
  ssize_t ignored = ::write(fd, &err, sizeof err);
  ignored = ::write(fd, what, std::strlen(what));
  (void)ignored;
  ::_exit(127);
}

// The child, from clone to exec. Sharing our memory (CLONE_VM) spares
// copying our page tables, which made fork the cost of starting a unit
// (more so the larger flotilla is). The price: only plain system calls.
// The credentials are changed with raw syscalls because glibc's setuid,
// setgid and setgroups would signal every thread on our thread list (which
// this child shares) to change theirs too. AddressSanitizer's poisoning of
// the stack frames would stay behind in our shadow memory (the child never
// returns), so the function is not instrumented.
__attribute__((no_sanitize_address)) int ChildMain(void* arg) {
  const ChildArgs& a = *static_cast<const ChildArgs*>(arg);
  int rep = a.report;
  // Default signal handling, as a fresh process expects; then the default
  // (empty) mask: Spawn blocked everything.
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
  uint64_t none = 0;
  ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);
  if (::setsid() < 0) ChildFail(rep, "setsid");
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull < 0) ChildFail(rep, "/dev/null");
  if (::dup2(devnull, 0) < 0) ChildFail(rep, "dup2");
  if (a.capture_output) {
    // dup2 clears close-on-exec on the copies.
    if (::dup2(a.out, 1) < 0 || ::dup2(a.err, 2) < 0) ChildFail(rep, "dup2");
  }
  if (a.uid || a.gid) {
    if (::syscall(SYS_setgroups, a.group_count, a.groups) != 0 && a.uid)
      ChildFail(rep, "setgroups");
    if (a.gid && ::syscall(SYS_setgid, *a.gid) != 0) ChildFail(rep, "setgid");
    if (a.uid && ::syscall(SYS_setuid, *a.uid) != 0) ChildFail(rep, "setuid");
  }
  if (::chdir(a.cwd) != 0) ChildFail(rep, a.cwd);
  // Close every other descriptor (the report pipe closes on exec).
  ::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
  ::execve(a.path, a.argv, a.envp);
  ChildFail(rep, a.path);
}

void CloseAll(int fds[2]) {
  for (int i = 0; i < 2; ++i)
    if (fds[i] >= 0) ::close(fds[i]);
}

}  // namespace

base::Result<std::string> ResolveExecutable(const std::string& path,
                                            const std::string& search_path) {
  if (path.empty()) return base::Status(base::Code::kInvalidArgument, "empty executable path");
  if (path[0] == '/' && Executable(path)) return path;
  std::string name(base::BaseName(path));
  if (path[0] != '/' && path.find('/') != std::string::npos) {
    return base::Status(base::Code::kInvalidArgument,
                        path + ": a relative path with a directory is not allowed");
  }
  size_t start = 0;
  while (start <= search_path.size()) {
    size_t end = search_path.find(':', start);
    if (end == std::string::npos) end = search_path.size();
    std::string dir = search_path.substr(start, end - start);
    if (!dir.empty() && dir[0] == '/') {
      std::string candidate = dir + "/" + name;
      if (Executable(candidate)) return candidate;
    }
    start = end + 1;
  }
  return base::Status(base::Code::kNotFound, path[0] == '/'
                                                 ? path + ": No such file or directory (nor " +
                                                       name + " in PATH=" + search_path + ")"
                                                 : name + ": not found in PATH=" + search_path);
}

base::Result<Spawned> Spawn(const SpawnOptions& o) {
  if (o.argv.empty()) return base::Status(base::Code::kInvalidArgument, "no argv");
  // Everything the child needs is built before it exists: it shares our
  // memory and may only make system calls (ChildMain).
  std::vector<char*> argv, envp;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string cwd = o.working_directory.empty() ? "/" : o.working_directory;
  std::vector<gid_t> groups;
  if (o.uid) {
    // The user's supplementary groups, as systemd sets them.
    struct passwd pw, *found = nullptr;
    char buf[4096];
    if (::getpwuid_r(*o.uid, &pw, buf, sizeof buf, &found) == 0 && found) {
      int n = 64;
      groups.resize(n);
      gid_t primary = o.gid.value_or(pw.pw_gid);
      if (::getgrouplist(pw.pw_name, primary, groups.data(), &n) < 0) n = 0;
      groups.resize(n);
    }
  }

  int report[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto fail = [&](const char* what, int e) {
    CloseAll(report), CloseAll(out), CloseAll(err);
    return base::Status(base::Code::kIoError, std::string(what) + ": " + std::strerror(e));
  };
  // Non-blocking: the child has written its failure, if any, by the time
  // clone returns (below), so an empty pipe means it exec'd.
  if (::pipe2(report, O_CLOEXEC | O_NONBLOCK) != 0) return fail("pipe", errno);
  // Only our read ends are non-blocking: a child writing to a full pipe
  // must wait, not fail with EAGAIN.
  if (o.capture_output &&
      (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
       ::fcntl(out[0], F_SETFL, O_NONBLOCK) != 0 || ::fcntl(err[0], F_SETFL, O_NONBLOCK) != 0)) {
    return fail("pipe", errno);
  }
  char* stack = child_stack.Top();
  if (!stack) return fail("mmap", errno);
  ChildArgs args{.path = o.path.c_str(),
                 .argv = argv.data(),
                 .envp = envp.data(),
                 .cwd = cwd.c_str(),
                 .groups = groups.data(),
                 .group_count = groups.size(),
                 .uid = o.uid,
                 .gid = o.gid,
                 .capture_output = o.capture_output,
                 .report = report[1],
                 .out = out[1],
                 .err = err[1]};

  // Every signal, glibc's own included (sigfillset leaves those out), stays
  // blocked from here until the child has reset the dispositions, so no
  // handler of ours ever runs in the child, on its stack, in our memory.
  uint64_t all = ~uint64_t{0}, old = 0;
  ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
  // CLONE_VFORK: we go on once the child has exec'd or exited.
  pid_t pid = ::clone(ChildMain, stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int clone_errno = errno;
  ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, nullptr, sizeof old);
  if (pid < 0) return fail("clone", clone_errno);

  ::close(report[1]);
  if (o.capture_output) ::close(out[1]), ::close(err[1]);
  // The child writes to the report pipe only when it fails, and before it
  // exits; otherwise the pipe is empty (its write end closes on exec).
  int child_errno = 0;
  char what[512];
  ssize_t n = ::read(report[0], &child_errno, sizeof child_errno);
  ssize_t m = n > 0 ? ::read(report[0], what, sizeof what - 1) : 0;
  ::close(report[0]);
  if (n > 0) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (o.capture_output) ::close(out[0]), ::close(err[0]);
    what[m > 0 ? m : 0] = '\0';
    return base::Status(child_errno == ENOENT ? base::Code::kNotFound : base::Code::kIoError,
                        std::string(what) + ": " + std::strerror(child_errno));
  }
  return Spawned{pid, out[0], err[0]};
}

base::Status KillGroup(pid_t pgid, int sig) {
  if (pgid <= 1) return base::Status(base::Code::kInvalidArgument, "no process group");
  if (::kill(-pgid, sig) == 0 || errno == ESRCH) return base::Status::Ok();
  return base::Status(base::Code::kIoError,
                      "kill process group " + std::to_string(pgid) + ": " + std::strerror(errno));
}

bool GroupAlive(pid_t pgid) {
  return pgid > 1 && (::kill(-pgid, 0) == 0 || errno == EPERM);
}

}  // namespace flotilla::service

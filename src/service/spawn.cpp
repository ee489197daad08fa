#include "service/spawn.h"

#include "base/fs.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flotilla::service {
namespace {

bool Executable(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// In the child: report errno and what failed, then exit. Only
// async-signal-safe calls.
[[noreturn]] void ChildFail(int fd, const char* what) {
  int err = errno;
  ssize_t ignored = ::write(fd, &err, sizeof err);
  ignored = ::write(fd, what, std::strlen(what));
  (void)ignored;
  ::_exit(127);
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
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
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
  auto fail = [&](const char* what) {
    int e = errno;
    CloseAll(report), CloseAll(out), CloseAll(err);
    return base::Status(base::Code::kIoError, std::string(what) + ": " + std::strerror(e));
  };
  if (::pipe2(report, O_CLOEXEC) != 0) return fail("pipe");
  // Only our read ends are non-blocking: a child writing to a full pipe
  // must wait, not fail with EAGAIN.
  if (o.capture_output &&
      (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
       ::fcntl(out[0], F_SETFL, O_NONBLOCK) != 0 || ::fcntl(err[0], F_SETFL, O_NONBLOCK) != 0)) {
    return fail("pipe");
  }
  pid_t pid = ::fork();
  if (pid < 0) return fail("fork");
  if (pid == 0) {
    int rep = report[1];
    // Default signal handling, as a fresh process expects.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    if (::setsid() < 0) ChildFail(rep, "setsid");
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull < 0) ChildFail(rep, "/dev/null");
    if (::dup2(devnull, 0) < 0) ChildFail(rep, "dup2");
    if (o.capture_output) {
      // dup2 clears close-on-exec on the copies.
      if (::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) ChildFail(rep, "dup2");
    }
    if (o.uid || o.gid) {
      if (::setgroups(groups.size(), groups.data()) != 0 && o.uid) ChildFail(rep, "setgroups");
      if (o.gid && ::setgid(*o.gid) != 0) ChildFail(rep, "setgid");
      if (o.uid && ::setuid(*o.uid) != 0) ChildFail(rep, "setuid");
    }
    if (::chdir(cwd.c_str()) != 0) ChildFail(rep, cwd.c_str());
    // Close every other descriptor (the report pipe closes on exec).
    ::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
    ::execve(o.path.c_str(), argv.data(), envp.data());
    ChildFail(rep, o.path.c_str());
  }
  ::close(report[1]);
  if (o.capture_output) ::close(out[1]), ::close(err[1]);
  // The report pipe closes on a successful exec; otherwise it says why.
  int child_errno = 0;
  char what[512];
  ssize_t n;
  do {
    n = ::read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
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

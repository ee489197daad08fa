#include "netns.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <optional>
#include <sstream>

namespace flotilla::testing {
namespace {

std::atomic<bool> lab_exists{false};

const std::string& IpPath() {
  static const std::string path = [] {
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
      if (::access(p, X_OK) == 0) return std::string(p);
    }
    return std::string();
  }();
  return path;
}

// Runs `ip args...` and waits for it; on failure the status carries the
// command and ip's own message. *out receives its stdout and stderr.
base::Status Ip(const std::vector<std::string>& args, std::string* out = nullptr) {
  std::string cmd = "ip";
  for (const auto& a : args) cmd += " " + a;
  if (IpPath().empty()) return {base::Code::kNotFound, cmd + ": iproute2's ip not found"};
  std::vector<std::string> argv = {IpPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return base::Status::FromErrno(cmd + ": pipe", errno);
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return base::Status::FromErrno(cmd + ": fork", err);
  }
  if (pid == 0) {  // only async-signal-safe calls until exec
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (out) *out = text;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return base::Status::Ok();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return {base::Code::kIoError, cmd + ": " + (text.empty() ? "failed" : text)};
}

bool Alive(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

// The pid in a name this file gives out (flb<pid>, flv<pid>m<i>,
// fln<pid>m<i>, and the probe's flp<pid>, flp<pid>v, flp<pid>w), or nullopt
// for any other name.
std::optional<pid_t> OwnerPid(const std::string& name) {
  if (name.size() < 4 || name.compare(0, 2, "fl") != 0) return std::nullopt;
  if (std::string("bvnp").find(name[2]) == std::string::npos) return std::nullopt;
  size_t i = 3;
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
  if (i == 3 || i - 3 > 9) return std::nullopt;
  std::string rest = name.substr(i);
  bool member = rest.size() >= 2 && rest[0] == 'm' &&
                rest.find_first_not_of("0123456789", 1) == std::string::npos;
  if (!(rest.empty() || member || rest == "v" || rest == "w")) return std::nullopt;
  return static_cast<pid_t>(std::stol(name.substr(3, i - 3)));
}

bool Stale(const std::string& name) {
  auto pid = OwnerPid(name);
  return pid && (*pid == ::getpid() || !Alive(*pid));
}

// Removes links and namespaces left by test processes that are gone (and by
// an earlier lab of this one), killing what still runs in those namespaces.
void RemoveLeftovers() {
  std::string text;
  if (Ip({"-o", "link", "show"}, &text).ok()) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      // "12: flv123m0@if2: <BROADCAST,..."
      auto colon = line.find(": ");
      if (colon == std::string::npos) continue;
      std::string name = line.substr(colon + 2);
      name = name.substr(0, name.find_first_of(":@"));
      if (Stale(name)) (void)Ip({"link", "del", name});
    }
  }
  if (Ip({"netns", "list"}, &text).ok()) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      std::string name = line.substr(0, line.find(' '));  // "fln123m0 (id: 3)"
      if (!Stale(name)) continue;
      // Members orphaned by their dead test process would run on forever.
      std::string pids;
      if (Ip({"netns", "pids", name}, &pids).ok()) {
        std::istringstream in(pids);
        for (pid_t pid; in >> pid;) ::kill(pid, SIGKILL);
      }
      (void)Ip({"netns", "del", name});
    }
  }
}

// Third octets of the 10.213.X.0/24 subnets already on some interface.
std::set<int> SubnetsInUse() {
  std::set<int> used;
  std::string text;
  if (!Ip({"-4", "-o", "addr", "show"}, &text).ok()) return used;
  const std::string prefix = "inet 10.213.";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    used.insert(std::atoi(text.c_str() + at + prefix.size()));
  }
  return used;
}

// Serializes lab construction across test processes, so that two of them
// never pick the same subnet.
class SetupLock {
 public:
  SetupLock() : fd_(::open("/tmp/flotilla-netlab.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~SetupLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  int fd_;
};

}  // namespace

bool NetLab::Available(std::string* why) {
  static std::once_flag once;
  static std::string reason;  // empty = available
  std::call_once(once, [] {
    if (::geteuid() != 0) {
      reason = "not running as root (euid " + std::to_string(::geteuid()) + ")";
      return;
    }
    if (IpPath().empty()) {
      reason = "iproute2's ip is not installed";
      return;
    }
    std::string probe = "flp" + std::to_string(::getpid());
    base::Status st = Ip({"netns", "add", probe});
    if (st.ok()) st = Ip({"netns", "exec", probe, IpPath(), "link", "set", "lo", "up"});
    if (st.ok()) st = Ip({"link", "add", probe + "v", "type", "veth", "peer", "name", probe + "w"});
    if (st.ok()) st = Ip({"link", "add", probe, "type", "bridge"});
    (void)Ip({"link", "del", probe});
    (void)Ip({"link", "del", probe + "v"});
    (void)Ip({"netns", "del", probe});
    if (!st.ok()) reason = st.message();
  });
  if (why) *why = reason;
  return reason.empty();
}

NetLab::NetLab(int members, int subnet, std::string tag)
    : members_(members), subnet_(subnet), tag_(std::move(tag)), bridge_("flb" + tag_) {
  for (int i = 0; i < members_; ++i) {
    namespaces_.push_back("fln" + tag_ + "m" + std::to_string(i));
    veths_.push_back("flv" + tag_ + "m" + std::to_string(i));
  }
}

base::Result<std::unique_ptr<NetLab>> NetLab::Create(int members) {
  if (members < 1 || members > 200) {
    return base::Status(base::Code::kInvalidArgument, "a lab has 1 to 200 members");
  }
  if (lab_exists.exchange(true)) {
    return base::Status(base::Code::kAlreadyExists, "this process already has a lab");
  }
  SetupLock lock;
  RemoveLeftovers();
  auto used = SubnetsInUse();
  int start = static_cast<int>(::getpid() % 254);
  int subnet = -1;
  for (int k = 0; k < 254 && subnet < 0; ++k) {
    int candidate = (start + k) % 254 + 1;
    if (!used.count(candidate)) subnet = candidate;
  }
  if (subnet < 0) {
    lab_exists = false;
    return base::Status(base::Code::kUnavailable, "every subnet of 10.213.0.0/16 is in use");
  }
  std::unique_ptr<NetLab> lab(new NetLab(members, subnet, std::to_string(::getpid())));
  base::Status st = lab->Build();
  if (!st.ok()) return st.WithContext("build network lab");  // ~NetLab removes the rest
  return lab;
}

base::Status NetLab::Build() {
  std::string base = "10.213." + std::to_string(subnet_) + ".";
  FLOTILLA_RETURN_IF_ERROR(Ip({"link", "add", bridge_, "type", "bridge"}));
  FLOTILLA_RETURN_IF_ERROR(Ip({"addr", "add", base + "1/24", "dev", bridge_}));
  FLOTILLA_RETURN_IF_ERROR(Ip({"link", "set", bridge_, "up"}));
  for (int i = 0; i < members_; ++i) {
    const std::string& ns = namespaces_[i];
    FLOTILLA_RETURN_IF_ERROR(Ip({"netns", "add", ns}));
    FLOTILLA_RETURN_IF_ERROR(
        Ip({"link", "add", veths_[i], "type", "veth", "peer", "name", "eth0", "netns", ns}));
    FLOTILLA_RETURN_IF_ERROR(Ip({"link", "set", veths_[i], "master", bridge_, "up"}));
    FLOTILLA_RETURN_IF_ERROR(Ip({"-n", ns, "link", "set", "lo", "up"}));
    FLOTILLA_RETURN_IF_ERROR(Ip({"-n", ns, "addr", "add", Address(i) + "/24", "dev", "eth0"}));
    FLOTILLA_RETURN_IF_ERROR(Ip({"-n", ns, "link", "set", "eth0", "up"}));
  }
  return base::Status::Ok();
}

NetLab::~NetLab() {
  // Errors are expected after a partial Build(): whatever exists goes.
  for (const auto& veth : veths_) (void)Ip({"link", "del", veth});
  for (const auto& ns : namespaces_) (void)Ip({"netns", "del", ns});
  (void)Ip({"link", "del", bridge_});
  lab_exists = false;
}

std::string NetLab::Address(int i) const {
  return "10.213." + std::to_string(subnet_) + "." + std::to_string(i + 2);
}

std::vector<std::string> NetLab::Launcher(int i) const {
  return {IpPath(), "netns", "exec", namespaces_[i]};
}

base::Status NetLab::Cut(int from, int to) {
  if (cut_.count({from, to})) return base::Status::Ok();
  FLOTILLA_RETURN_IF_ERROR(
      Ip({"-n", namespaces_[from], "route", "add", "blackhole", Address(to) + "/32"}));
  cut_.insert({from, to});
  return base::Status::Ok();
}

base::Status NetLab::Partition(int a, int b) {
  if (a == b || a < 0 || b < 0 || a >= members_ || b >= members_) {
    return {base::Code::kInvalidArgument,
            "partition " + std::to_string(a) + " from " + std::to_string(b)};
  }
  FLOTILLA_RETURN_IF_ERROR(Cut(a, b));
  return Cut(b, a);
}

base::Status NetLab::Isolate(int i) {
  for (int j = 0; j < members_; ++j) {
    if (j != i) FLOTILLA_RETURN_IF_ERROR(Partition(i, j));
  }
  return base::Status::Ok();
}

base::Status NetLab::Heal() {
  base::Status first;
  for (auto [from, to] : cut_) {
    auto st = Ip({"-n", namespaces_[from], "route", "del", "blackhole", Address(to) + "/32"});
    if (first.ok() && !st.ok()) first = st;
  }
  cut_.clear();
  return first;
}

}  // namespace flotilla::testing

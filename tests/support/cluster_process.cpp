#include "cluster_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fstream>
#include <mutex>
#include <random>
#include <set>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "net/http_client.h"

namespace flotilla::testing {

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  char* d = ::mkdtemp(tmpl.data());
  return d ? std::string(d) : std::string();
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  if (!path.empty()) std::filesystem::remove_all(path, ec);
}

// A port that is free now, below the kernel's ephemeral range (32768 and
// up by default), so that outgoing connections of concurrent tests, which
// take ephemeral ports, cannot grab it before the server binds it. Never
// the same port twice in one test process.
uint16_t FreePort() {
  static std::mutex mu;
  static std::set<uint16_t> handed_out;
  static std::mt19937 rng(static_cast<uint32_t>(::getpid()) * 2654435761u);
  std::lock_guard lock(mu);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    uint16_t port = static_cast<uint16_t>(20000 + rng() % 12000);
    if (handed_out.count(port)) continue;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) {
      handed_out.insert(port);
      return port;
    }
  }
  return 0;
}

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    Kill();
    pid_ = o.pid_;
    o.pid_ = -1;
  }
  return *this;
}

Process::~Process() {
  Kill();
}

std::optional<Process> Process::Spawn(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& env,
                                      const std::string& log_path) {
  pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::setpgid(0, 0);
    if (!log_path.empty()) {
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
    }
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::perror("execv");
    ::_exit(127);
  }
  Process p;
  p.pid_ = pid;
  return p;
}

void Process::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Process::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

ServerProcess::~ServerProcess() {
  // A server that died on its own is a finding: show how it ended.
  if (process.running()) {
    if (auto status = process.Wait(std::chrono::milliseconds(0))) {
      std::fprintf(stderr, "server %s exited by itself (wait status %d); its log ends:\n",
                   url.c_str(), *status);
      std::ifstream log(log_path);
      std::vector<std::string> lines;
      for (std::string line; std::getline(log, line);) {
        lines.push_back(line);
        if (lines.size() > 40) lines.erase(lines.begin());
      }
      for (const auto& line : lines) std::fprintf(stderr, "  %s\n", line.c_str());
    }
  }
  process.Kill();
  RemoveTree(dir);
}

bool HaveEtcd() {
  return ::access("/usr/bin/etcd", X_OK) == 0;
}

int ConnectLoopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int64_t StoreWatchers(const std::string& url) {
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return -1;
  net::HttpClient client(*parsed);
  auto r = client.Do("GET", "/v2/stats/store", {}, {}, std::chrono::seconds(5));
  if (!r.ok()) return -1;
  boost::system::error_code ec;
  auto v = boost::json::parse(r->body, ec);
  if (ec || !v.is_object()) return -1;
  const auto* w = v.as_object().if_contains("watchers");
  return w && w->is_number() ? w->to_number<int64_t>() : -1;
}

bool WaitForWatchers(const std::string& url, int64_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (StoreWatchers(url) != n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

RawAnswer RawExchange(const std::string& url, const std::string& bytes,
                      std::chrono::milliseconds timeout) {
  RawAnswer a;
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return a;
  int fd = ConnectLoopback(parsed->port);
  if (fd < 0) return a;
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    a.text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (a.text.starts_with("HTTP/1.1 ") && a.text.size() >= 12)
    a.status = std::stoi(a.text.substr(9, 3));
  return a;
}

bool WaitHealthy(const std::string& url, std::chrono::milliseconds timeout) {
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    net::HttpClient client(*parsed);
    auto r = client.Do("GET", "/health", {}, {}, std::chrono::milliseconds(500));
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int WaitForLeader(const std::vector<ServerProcess>& members, std::chrono::milliseconds timeout,
                  const std::vector<int>& among) {
  std::vector<int> candidates = among;
  for (int i = 0; among.empty() && i < static_cast<int>(members.size()); ++i) {
    candidates.push_back(i);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (int i : candidates) {
      if (!members[i].process.running()) continue;
      auto parsed = net::ParseUrl(members[i].url);
      if (!parsed.ok()) continue;
      net::HttpClient client(*parsed);
      auto r = client.Do("GET", "/v2/stats/self", {}, {}, std::chrono::seconds(2));
      if (r.ok() && r->body.find("\"StateLeader\"") != std::string::npos) return i;
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<ServerProcess> StartEtcd() {
  ServerProcess s;
  s.dir = MakeTempDir("etcd-test");
  s.data_dir = s.dir + "/data";
  s.client_port = FreePort();
  s.peer_port = FreePort();
  s.url = "http://127.0.0.1:" + std::to_string(s.client_port);
  std::string peer = "http://127.0.0.1:" + std::to_string(s.peer_port);
  s.log_path = s.dir + "/log";
  auto p = Process::Spawn(
      {"/usr/bin/etcd", "--enable-v2", "--data-dir", s.data_dir, "--listen-client-urls", s.url,
       "--advertise-client-urls", s.url, "--listen-peer-urls", peer,
       "--initial-advertise-peer-urls", peer, "--initial-cluster", "default=" + peer},
      {}, s.log_path);
  if (!p) return std::nullopt;
  s.process = std::move(*p);
  if (!WaitHealthy(s.url, std::chrono::seconds(20))) {
    std::fprintf(stderr, "etcd did not come up; log in %s\n", s.log_path.c_str());
    return std::nullopt;
  }
  return s;
}

static bool LaunchFlotilla(ServerProcess& s, const std::vector<std::string>& extra_flags) {
  std::string peer = "http://127.0.0.1:" + std::to_string(s.peer_port);
  std::vector<std::string> argv = {FLOTILLA_BINARY,
                                   "serve",
                                   "--data-dir",
                                   s.data_dir,
                                   "--listen-client-urls",
                                   s.url,
                                   "--advertise-client-urls",
                                   s.url,
                                   "--listen-peer-urls",
                                   peer,
                                   "--initial-advertise-peer-urls",
                                   peer,
                                   "--initial-cluster",
                                   "default=" + peer};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  auto p = Process::Spawn(argv, {}, s.log_path);
  if (!p) return false;
  s.process = std::move(*p);
  if (!WaitHealthy(s.url, std::chrono::seconds(20))) {
    std::fprintf(stderr, "flotilla did not come up; log in %s\n", s.log_path.c_str());
    return false;
  }
  return true;
}

std::optional<ServerProcess> StartFlotilla(const std::string& data_dir,
                                           const std::vector<std::string>& extra_flags) {
  ServerProcess s;
  s.dir = MakeTempDir("flotilla-test");
  s.data_dir = data_dir.empty() ? s.dir + "/data" : data_dir;
  s.client_port = FreePort();
  s.peer_port = FreePort();
  s.url = "http://127.0.0.1:" + std::to_string(s.client_port);
  s.log_path = s.dir + "/log";
  if (!LaunchFlotilla(s, extra_flags)) return std::nullopt;
  return s;
}

static std::optional<std::vector<ServerProcess>> TryStartCluster(
    const std::vector<MemberPlacement>& placements, bool etcd,
    const std::vector<std::string>& extra) {
  size_t n = placements.size();
  std::vector<ServerProcess> members(n);
  std::vector<std::string> peers(n);
  std::string initial;
  for (size_t i = 0; i < n; ++i) {
    auto& s = members[i];
    const std::string& host = placements[i].host;
    s.name = "m" + std::to_string(i + 1);
    s.dir = MakeTempDir(etcd ? "etcd-cluster" : "flotilla-cluster");
    s.data_dir = s.dir + "/data";
    s.client_port = host.empty() ? FreePort() : 2379;
    s.peer_port = host.empty() ? FreePort() : 2380;
    std::string origin = "http://" + (host.empty() ? std::string("127.0.0.1") : host) + ":";
    s.url = origin + std::to_string(s.client_port);
    peers[i] = origin + std::to_string(s.peer_port);
    s.log_path = s.dir + "/log";
    if (!initial.empty()) initial += ",";
    initial += s.name + "=" + peers[i];
  }
  for (size_t i = 0; i < n; ++i) {
    auto& s = members[i];
    const std::string& peer = peers[i];
    s.argv = placements[i].launcher;
    s.argv.push_back(etcd ? std::string("/usr/bin/etcd") : std::string(FLOTILLA_BINARY));
    if (etcd) {
      s.argv.push_back("--enable-v2");
    } else {
      s.argv.push_back("serve");
    }
    for (const char* flag :
         {"--name", "--data-dir", "--listen-client-urls", "--advertise-client-urls",
          "--listen-peer-urls", "--initial-advertise-peer-urls", "--initial-cluster"}) {
      s.argv.push_back(flag);
      std::string f = flag;
      s.argv.push_back(f == "--name"                ? s.name
                       : f == "--data-dir"          ? s.data_dir
                       : f == "--initial-cluster"   ? initial
                       : f.find("client") != f.npos ? s.url
                                                    : peer);
    }
    s.argv.insert(s.argv.end(), extra.begin(), extra.end());
    s.argv.insert(s.argv.end(), placements[i].flags.begin(), placements[i].flags.end());
    auto p = Process::Spawn(s.argv, {}, s.log_path);
    if (!p) return std::nullopt;
    s.process = std::move(*p);
  }
  for (auto& s : members) {
    if (!WaitHealthy(s.url, std::chrono::seconds(30))) {
      std::fprintf(stderr, "cluster member %s did not come up; log in %s\n", s.name.c_str(),
                   s.log_path.c_str());
      return std::nullopt;
    }
  }
  return members;
}

std::optional<std::vector<ServerProcess>> StartPlacedCluster(
    const std::vector<MemberPlacement>& placements, bool etcd,
    const std::vector<std::string>& extra) {
  // A port can still be taken between choosing and binding it (by another
  // test process); start over on fresh ports then.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (auto members = TryStartCluster(placements, etcd, extra)) return members;
    std::fprintf(stderr, "cluster start failed; retrying (on fresh ports where they are chosen)\n");
  }
  return std::nullopt;
}

std::optional<std::vector<ServerProcess>> StartCluster(int n, bool etcd,
                                                       const std::vector<std::string>& extra) {
  return StartPlacedCluster(std::vector<MemberPlacement>(n), etcd, extra);
}

bool RestartMember(ServerProcess& s, bool wait) {
  s.process.Kill();
  auto p = Process::Spawn(s.argv, {}, s.log_path);
  if (!p) return false;
  s.process = std::move(*p);
  return !wait || WaitHealthy(s.url, std::chrono::seconds(30));
}

bool RestartFlotilla(ServerProcess& s, const std::vector<std::string>& extra_flags) {
  s.process.Kill();
  return LaunchFlotilla(s, extra_flags);
}

}  // namespace flotilla::testing

// bench/fleet: fleet at 100 times its published limit (100 machines, 1,000
// units), the goals of issue 5:
//   - 10,000 units submitted through the fleet v1 API all launched within
//     10 s of the first submission;
//   - units of dead machines running elsewhere within 5 s of the death;
//   - a store at rest that a 3-member cluster serves with room to spare.
//
// The cluster: 3 `flotilla serve` store members (each also a fleet machine
// with its agent, engine and API, metadata role=member) and W worker
// processes of this binary, each running M light machines: a real Agent
// with a MemoryHost (no processes) per machine, one etcd client per worker,
// all through the store's HTTP API. Every unit asks for role=light, so the
// light machines run them all and report how many are active.
//
// Steps: start everything and wait until every machine is registered; PUT
// the units (T client threads) with desiredState launched; wait until all
// are active; measure the store's writes per second and the members' CPU
// over a quiet window; SIGKILL one worker (its machines stop heartbeating,
// as dead machines do) and time until every unit is active again on the
// living ones. Prints a markdown table.
//
// Usage: flotilla_bench_fleet [--workers W] [--machines-per-worker M]
//          [--units U] [--threads T] [--rest-seconds S] [--ttl SECONDS]
// Every wait is bounded (120 s); all traffic stays on 127.0.0.1.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster_process.h"
#include "etcd/client.h"
#include "fleet/agent.h"
#include "fleet/memory_host.h"
#include "fleet/registry.h"
#include "net/event_loop.h"
#include "net/http_client.h"

namespace {

using namespace flotilla;
using Clock = std::chrono::steady_clock;
constexpr auto kBound = std::chrono::seconds(120);

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string Flag(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return def;
}

// --- a worker: M light machines ---

int RunWorker(const std::string& store, int first, int count, int ttl) {
  net::EventLoop loop;
  etcd::ClientOptions options;
  options.max_connections_per_endpoint = 16;
  auto client = etcd::Client::Make(loop, {store}, options);
  if (!client.ok()) return 1;
  fleet::Registry registry(loop, **client);
  std::vector<std::unique_ptr<fleet::MemoryHost>> hosts;
  std::vector<std::unique_ptr<fleet::Agent>> agents;
  for (int i = 0; i < count; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "%032x", first + i + 1);
    hosts.push_back(std::make_unique<fleet::MemoryHost>(loop));
    fleet::AgentOptions ao;
    ao.ttl = std::chrono::seconds(ttl);
    ao.heartbeat = std::chrono::milliseconds(ttl * 1000 / 3);
    fleet::MachineRecord self{id, "127.0.0.1", {{"role", "light"}}, "bench", ""};
    agents.push_back(std::make_unique<fleet::Agent>(registry, self, *hosts.back(), ao));
    agents.back()->Start();
  }
  // Report "registered active" every 50 ms on stdout.
  loop.Every(std::chrono::milliseconds(50), [&] {
    int registered = 0, active = 0;
    for (auto& a : agents) registered += a->registered();
    for (auto& h : hosts)
      for (const auto& [name, hash] : h->Owned())
        if (auto st = h->StateOf(name); st && st->active == "active") ++active;
    std::printf("%d %d\n", registered, active);
    std::fflush(stdout);
  });
  loop.Run();
  return 0;
}

// --- the coordinator ---

struct Worker {
  pid_t pid = -1;
  int fd = -1;  // its stdout
  std::string buffer;
  int registered = 0;
  int active = 0;
  bool dead = false;
};

void Poll(std::vector<Worker>& workers) {
  char buf[4096];
  for (auto& w : workers) {
    if (w.dead) continue;
    ssize_t n;
    while ((n = ::read(w.fd, buf, sizeof buf)) > 0) w.buffer.append(buf, size_t(n));
    size_t nl;
    while ((nl = w.buffer.find('\n')) != std::string::npos) {
      std::sscanf(w.buffer.substr(0, nl).c_str(), "%d %d", &w.registered, &w.active);
      w.buffer.erase(0, nl + 1);
    }
  }
}

int Sum(const std::vector<Worker>& workers, int Worker::*field) {
  int n = 0;
  for (const auto& w : workers)
    if (!w.dead) n += w.*field;
  return n;
}

bool WaitUntil(std::vector<Worker>& workers, const std::function<bool()>& done) {
  auto deadline = Clock::now() + kBound;
  while (Clock::now() < deadline) {
    Poll(workers);
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::map<std::string, double> StoreStats(const std::string& url) {
  std::map<std::string, double> out;
  net::HttpClient c(*net::ParseUrl(url));
  auto r = c.Do("GET", "/v2/stats/store", "", "", std::chrono::milliseconds(2000));
  if (!r.ok()) return out;
  const std::string& b = r->body;
  for (const char* k : {"setsSuccess", "updateSuccess", "createSuccess", "compareAndSwapSuccess",
                        "deleteSuccess", "compareAndDeleteSuccess", "expireCount"}) {
    auto p = b.find(std::string("\"") + k + "\":");
    if (p != std::string::npos) out[k] = std::atof(b.c_str() + p + std::strlen(k) + 3);
  }
  return out;
}

double Writes(const std::map<std::string, double>& s) {
  double n = 0;
  for (const auto& [k, v] : s)
    if (k != "expireCount") n += v;
  return n;
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), {});
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields;
  size_t p = close + 2;
  while (p < text.size()) {
    size_t sp = text.find(' ', p);
    if (sp == std::string::npos) sp = text.size();
    fields.push_back(text.substr(p, sp - p));
    p = sp + 1;
  }
  if (fields.size() < 13) return 0;
  return (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) / sysconf(_SC_CLK_TCK);
}

int RunCoordinator(char* self, int workers_n, int per_worker, int units, int threads,
                   int rest_seconds, int ttl) {
  std::string ttl_flag = std::to_string(ttl) + "s";
  auto cluster = testing::StartCluster(
      3, false, {"--metadata", "role=member", "--agent-ttl", ttl_flag, "--fleet-socket", "-"});
  if (!cluster) {
    std::fprintf(stderr, "could not start the store\n");
    return 1;
  }
  std::vector<std::string> urls;
  for (auto& m : *cluster) urls.push_back(m.url);
  int machines = workers_n * per_worker;
  std::fprintf(stderr, "store: 3 members; starting %d light machines in %d workers\n", machines,
               workers_n);

  std::vector<Worker> workers(workers_n);
  for (int w = 0; w < workers_n; ++w) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return 1;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], 1);
      std::string store = urls[w % urls.size()];
      std::string first = std::to_string(w * per_worker), count = std::to_string(per_worker);
      std::string ttl_s = std::to_string(ttl);
      ::execl(self, self, "--worker", store.c_str(), first.c_str(), count.c_str(), ttl_s.c_str(),
              nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    workers[w].pid = pid;
    workers[w].fd = fds[0];
  }
  auto kill_all = [&] {
    for (auto& w : workers)
      if (!w.dead) ::kill(w.pid, SIGKILL), ::waitpid(w.pid, nullptr, 0), w.dead = true;
  };
  if (!WaitUntil(workers, [&] { return Sum(workers, &Worker::registered) == machines; })) {
    std::fprintf(stderr, "machines did not register\n");
    kill_all();
    return 1;
  }
  std::fprintf(stderr, "%d machines registered; submitting %d units\n", machines, units);

  // Submit through the API of the members, T threads.
  std::vector<double> member_cpu0, worker_cpu0;
  for (auto& m : *cluster) member_cpu0.push_back(ProcessCpuSeconds(m.process.pid()));
  for (auto& w : workers) worker_cpu0.push_back(ProcessCpuSeconds(w.pid));
  auto t0 = Clock::now();
  std::atomic<int> failed{0};
  std::atomic<double> submit_done{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      net::HttpClient c(*net::ParseUrl(urls[t % urls.size()]));
      for (int u = t; u < units; u += threads) {
        char name[64];
        std::snprintf(name, sizeof name, "/fleet/v1/units/u%05d.service", u);
        std::string body =
            R"({"desiredState":"launched","options":[{"section":"Service","name":"ExecStart","value":"/bin/sleep 100000"},)"
            R"({"section":"X-Fleet","name":"MachineMetadata","value":"role=light"}]})";
        auto r = c.Do("PUT", name, body, "application/json", std::chrono::milliseconds(10000));
        if (!r.ok() || r->status != 201) ++failed;
      }
    });
  }
  for (auto& s : submitters) s.join();
  double submitted = SecondsSince(t0);
  std::fprintf(stderr, "submitted in %.2f s (%d failed); waiting for all to launch\n", submitted,
               failed.load());
  bool launched_ok = WaitUntil(workers, [&] { return Sum(workers, &Worker::active) == units; });
  double launched = SecondsSince(t0);
  std::string member_cpu, worker_cpu;
  double workers_total = 0;
  for (size_t i = 0; i < cluster->size(); ++i)
    member_cpu +=
        (i ? ", " : "") +
        std::to_string(int((ProcessCpuSeconds((*cluster)[i].process.pid()) - member_cpu0[i]) /
                           launched * 100)) +
        "%";
  for (size_t i = 0; i < workers.size(); ++i)
    workers_total += ProcessCpuSeconds(workers[i].pid) - worker_cpu0[i];
  std::fprintf(stderr, "launched: %s after %.2f s (%d active)\n", launched_ok ? "all" : "NOT all",
               launched, Sum(workers, &Worker::active));

  // At rest.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto s0 = StoreStats(urls[0]);
  std::vector<double> cpu0;
  for (auto& m : *cluster) cpu0.push_back(ProcessCpuSeconds(m.process.pid()));
  auto r0 = Clock::now();
  for (int i = 0; i < rest_seconds * 20; ++i) {
    Poll(workers);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double rest = SecondsSince(r0);
  auto s1 = StoreStats(urls[0]);
  double writes_per_s = (Writes(s1) - Writes(s0)) / rest;
  double max_cpu = 0;
  for (size_t i = 0; i < cluster->size(); ++i)
    max_cpu =
        std::max(max_cpu, (ProcessCpuSeconds((*cluster)[i].process.pid()) - cpu0[i]) / rest * 100);
  int stable = Sum(workers, &Worker::active);

  // 10% of the machines die.
  Worker& victim = workers.back();
  int lost = victim.active;
  double expires_before = StoreStats(urls[0])["expireCount"];
  ::kill(victim.pid, SIGKILL);
  ::waitpid(victim.pid, nullptr, 0);
  victim.dead = true;
  auto k0 = Clock::now();
  // How much of the move is the store expiring the dead machines' keys
  // (their TTL), and how much the engine and agents after it.
  std::atomic<bool> moving{true};
  std::atomic<double> expired_at{-1};
  std::thread expiry([&] {
    while (moving && expired_at < 0) {
      if (StoreStats(urls[0])["expireCount"] - expires_before >= per_worker)
        expired_at = SecondsSince(k0);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  bool moved_ok = WaitUntil(workers, [&] { return Sum(workers, &Worker::active) == units; });
  double moved = SecondsSince(k0);
  moving = false;
  expiry.join();
  kill_all();

  std::printf(
      "\n| fleet, %d machines (%d workers) + 3 store members, %d units | measured | goal | met |\n",
      machines, workers_n, units);
  std::printf("|---|---|---|---|\n");
  std::printf("| submit through the API (%d threads) | %.2f s (%.0f units/s), %d failed | | |\n",
              threads, submitted, units / submitted, failed.load());
  std::printf("| submit to all launched | %.2f s%s | under 10 s | %s |\n", launched,
              launched_ok ? "" : " (not all)", launched_ok && launched < 10 ? "yes" : "no");
  std::printf(
      "| CPU while launching: each store member / all light machines | %s / %.0f%% of one core | | "
      "|\n",
      member_cpu.c_str(), workers_total / launched * 100);
  std::printf(
      "| store writes at rest | %.0f /s (machine heartbeats every %.1f s; %d units active) | | |\n",
      writes_per_s, ttl / 3.0, stable);
  std::printf("| busiest store member's CPU at rest | %.0f%% of one core | room to spare | %s |\n",
              max_cpu, max_cpu < 50 ? "yes" : "no");
  std::printf(
      "| units of %d dead machines (%d units) active elsewhere | %.2f s after the kill%s | under 5 "
      "s | %s |\n",
      per_worker, lost, moved, moved_ok ? "" : " (not all)", moved_ok && moved < 5 ? "yes" : "no");
  std::printf("| of which: their keys expired (agent TTL %d s) | %.2f s after the kill | | |\n",
              ttl, expired_at.load());
  return launched_ok && moved_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 6 && std::string(argv[1]) == "--worker")
    return RunWorker(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
  ::signal(SIGPIPE, SIG_IGN);
  int workers = std::atoi(Flag(argc, argv, "workers", "10").c_str());
  int per = std::atoi(Flag(argc, argv, "machines-per-worker", "100").c_str());
  int units = std::atoi(Flag(argc, argv, "units", "10000").c_str());
  int threads = std::atoi(Flag(argc, argv, "threads", "16").c_str());
  int rest = std::atoi(Flag(argc, argv, "rest-seconds", "10").c_str());
  int ttl = std::atoi(Flag(argc, argv, "ttl", "3").c_str());
  return RunCoordinator(argv[0], workers, per, units, threads, rest, ttl);
}

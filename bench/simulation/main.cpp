// flotilla_simulate: runs the deterministic cluster simulation
// (tests/simulation/sim) over many seeds and prints the ones that fail.
//
//   flotilla_simulate [--seeds N] [--start S] [--jobs J] [--chaos MS] [--quiet]
//       runs seeds S .. S+N-1 (default 1 .. 1000) in J worker processes
//       (default 2); a seed that aborts the process (a raft invariant) kills
//       only its worker, which is replaced.
//   flotilla_simulate --seed S [--trace] [--chaos MS]
//       runs one seed in this process; --trace prints every event.
//   --no-workarounds  drops the driver's workarounds for known raft bugs
//       (tests/simulation/raft_repro_test.cpp), to reproduce them.
//
// Exit status 0 when every seed passed. See docs/testing.md.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "simulation.h"

namespace {

using flotilla::sim::Options;
using flotilla::sim::Report;
using flotilla::sim::Simulate;

struct Args {
  uint64_t start = 1, seeds = 1000;
  int jobs = 2;
  bool one = false, trace = false, quiet = false, workarounds = false;
  uint64_t seed = 0;
  int64_t chaos = Options{}.chaos;
};

[[noreturn]] void Usage() {
  std::fprintf(
      stderr,
      "usage: flotilla_simulate [--seeds N] [--start S] [--jobs J] [--chaos MS] "
      "[--quiet] [--no-workarounds]\n       flotilla_simulate --seed S [--trace] [--chaos MS] "
      "[--no-workarounds]\n");
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto next = [&]() -> uint64_t {
      if (i + 1 >= argc) Usage();
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (f == "--seeds") {
      a.seeds = next();
    } else if (f == "--start") {
      a.start = next();
    } else if (f == "--jobs") {
      a.jobs = static_cast<int>(next());
    } else if (f == "--chaos") {
      a.chaos = static_cast<int64_t>(next());
    } else if (f == "--seed") {
      a.one = true;
      a.seed = next();
    } else if (f == "--trace") {
      a.trace = true;
    } else if (f == "--quiet") {
      a.quiet = true;
    } else if (f == "--no-workarounds") {
      a.workarounds = false;
    } else {
      Usage();
    }
  }
  if (a.jobs < 1) a.jobs = 1;
  return a;
}

int RunOne(const Args& a) {
  Options o;
  o.seed = a.seed;
  o.chaos = a.chaos;
  o.trace = a.trace;
  o.workarounds = a.workarounds;
  Report r = Simulate(o);
  std::printf("%s (%.0f ms)\n", r.Summary().c_str(), r.wall_ms);
  if (!r.ok) std::fprintf(stderr, "%s", r.FailureMessage().c_str());
  return r.ok ? 0 : 1;
}

// A worker process: runs `seeds` in order, telling the parent on `out`
// "S seed" before and "R seed ok" after each one.
[[noreturn]] void Work(const Args& a, const std::vector<uint64_t>& seeds, int out) {
  for (uint64_t s : seeds) {
    dprintf(out, "S %llu\n", static_cast<unsigned long long>(s));
    Options o;
    o.seed = s;
    o.chaos = a.chaos;
    o.workarounds = a.workarounds;
    Report r = Simulate(o);
    if (!r.ok) std::fprintf(stderr, "%s\n", r.FailureMessage().c_str());
    if (!a.quiet) std::printf("%s (%.0f ms)\n", r.Summary().c_str(), r.wall_ms);
    std::fflush(stdout);
    dprintf(out, "R %llu %d\n", static_cast<unsigned long long>(s), r.ok ? 1 : 0);
  }
  std::_Exit(0);
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::vector<uint64_t> todo;  // seeds not yet reported
  std::string buf;
};

void Spawn(const Args& a, Worker& w) {
  int p[2];
  if (pipe(p) != 0) std::abort();
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    Work(a, w.todo, p[1]);
  }
  close(p[1]);
  w.pid = pid;
  w.fd = p[0];
}

int RunMany(const Args& a) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Worker> workers(static_cast<size_t>(a.jobs));
  for (uint64_t i = 0; i < a.seeds; ++i) workers[i % workers.size()].todo.push_back(a.start + i);
  for (auto& w : workers) {
    if (!w.todo.empty()) Spawn(a, w);
  }
  std::set<uint64_t> failed;
  uint64_t done = 0;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Worker*> who;
    for (auto& w : workers) {
      if (w.fd >= 0) {
        fds.push_back({w.fd, POLLIN, 0});
        who.push_back(&w);
      }
    }
    if (fds.empty()) break;
    poll(fds.data(), fds.size(), -1);
    for (size_t k = 0; k < fds.size(); ++k) {
      if (!fds[k].revents) continue;
      Worker& w = *who[k];
      char chunk[4096];
      ssize_t n = read(w.fd, chunk, sizeof chunk);
      if (n > 0) {
        w.buf.append(chunk, static_cast<size_t>(n));
        for (size_t nl; (nl = w.buf.find('\n')) != std::string::npos;) {
          std::string line = w.buf.substr(0, nl);
          w.buf.erase(0, nl + 1);
          unsigned long long seed = 0;
          int ok = 0;
          if (std::sscanf(line.c_str(), "R %llu %d", &seed, &ok) == 2) {
            ++done;
            if (!ok) failed.insert(seed);
            if (!w.todo.empty() && w.todo.front() == seed) w.todo.erase(w.todo.begin());
          }
        }
        continue;
      }
      // The worker is gone: finished, or killed by the seed it was running.
      close(w.fd);
      w.fd = -1;
      int status = 0;
      waitpid(w.pid, &status, 0);
      if (!w.todo.empty()) {
        uint64_t crashed = w.todo.front();
        std::fprintf(stderr, "seed %llu killed its worker (%s %d)\n",
                     static_cast<unsigned long long>(crashed),
                     WIFSIGNALED(status) ? "signal" : "exit",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        failed.insert(crashed);
        ++done;
        w.todo.erase(w.todo.begin());
        if (!w.todo.empty()) Spawn(a, w);
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%llu seeds from %llu in %.1f s with %d jobs: %zu failed",
              static_cast<unsigned long long>(done), static_cast<unsigned long long>(a.start), secs,
              a.jobs, failed.size());
  for (uint64_t s : failed) std::printf(" %llu", static_cast<unsigned long long>(s));
  std::printf("\n");
  if (!failed.empty()) {
    Options o;
    o.seed = *failed.begin();
    o.chaos = a.chaos;
    o.workarounds = a.workarounds;
    std::printf("replay one with: %s\n", flotilla::sim::ReplayCommand(o).c_str());
  }
  return failed.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  return a.one ? RunOne(a) : RunMany(a);
}

// bench/service: the local service manager (src/service/manager.h) in this
// process, against the goals of issue 4: 1,000 units started in under 2 s,
// and under 1% of one core at rest.
//
// N trivial units (Type=simple, ExecStart=/bin/sleep 100000) are parsed from
// unit-file text and loaded into a Manager whose Journal lives in a temporary
// directory (synced every second, as `flotilla serve` does). Then:
//   1. every unit is started, and the time until all are active (running)
//      is measured;
//   2. with all of them running the loop idles for S seconds, and this
//      process's CPU time over that window (getrusage, user + system) and
//      its VmRSS are read;
//   3. every unit is stopped, the time until all are inactive is measured,
//      and no unit's main process or process group may be left.
// Prints a markdown table with the goals and whether each is met.
//
// Usage: flotilla_bench_service [--units N] [--idle-seconds S]
// Every wait is bounded (60 s). Ctrl-C (or SIGTERM) ends the run early, and
// the units' processes are killed on the way out (the Manager's destructor).
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/fs.h"
#include "net/event_loop.h"
#include "run_loop.h"
#include "service/journal.h"
#include "service/manager.h"
#include "service/spawn.h"
#include "unit/unit_file.h"

namespace {

using namespace flotilla;
using Clock = std::chrono::steady_clock;
using service::ActiveState;
using service::SubState;

constexpr auto kBound = std::chrono::seconds(60);

volatile std::sig_atomic_t g_interrupted = 0;
void OnSignal(int) {
  g_interrupted = 1;
}

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double RssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

double CpuSeconds() {
  struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Microseconds during which some task of the machine waited for a CPU
// (pressure stall information), or -1. Other load on the machine shows
// here, and so do the units' own processes starting.
long long CpuPressureMicros() {
  std::ifstream psi("/proc/pressure/cpu");
  std::string line;
  std::getline(psi, line);  // "some avg10=0.00 avg60=0.00 avg300=0.00 total=N"
  auto at = line.find("total=");
  return at == std::string::npos ? -1 : std::stoll(line.substr(at + 6));
}

// Each unit holds a pidfd and the read ends of two pipes; the journal, the
// loop and stdio need a few more. Raises the soft limit to the hard one.
bool EnoughDescriptors(int units) {
  rlim_t need = rlim_t(units) * 3 + 64;
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return true;  // nothing to learn
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur >= need) return true;
  std::fprintf(stderr,
               "bench/service: RLIMIT_NOFILE is %llu (hard limit %llu), but %d units need about "
               "%llu descriptors (a pidfd and two pipes each). Raise the hard limit (ulimit -Hn, "
               "LimitNOFILE=) or run fewer units (--units %llu).\n",
               (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max, units,
               (unsigned long long)need,
               (unsigned long long)(rl.rlim_cur > 64 ? (rl.rlim_cur - 64) / 3 : 0));
  return false;
}

std::string UnitName(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "bench-%05d.service", i);
  return buf;
}

struct Census {
  int running = 0, inactive = 0, failed = 0, other = 0;
};

Census Count(const service::Manager& m, const std::vector<std::string>& names) {
  Census c;
  for (const auto& n : names) {
    const auto& st = m.Find(n)->status();
    if (st.active == ActiveState::kActive && st.sub == SubState::kRunning)
      c.running++;
    else if (st.active == ActiveState::kInactive)
      c.inactive++;
    else if (st.active == ActiveState::kFailed)
      c.failed++;
    else
      c.other++;
  }
  return c;
}

// What went wrong, for a failed wait: the states, and the journal of the
// first unit that is not where it should be.
void Explain(const char* phase, const service::Manager& m, const service::Journal& journal,
             const std::vector<std::string>& names, bool want_running) {
  Census c = Count(m, names);
  std::fprintf(stderr,
               "bench/service: %s: %d running, %d inactive, %d failed, %d in between "
               "(of %zu)%s\n",
               phase, c.running, c.inactive, c.failed, c.other, names.size(),
               g_interrupted ? " (interrupted)" : "");
  for (const auto& n : names) {
    const auto& st = m.Find(n)->status();
    bool ok = want_running ? st.sub == SubState::kRunning : st.active == ActiveState::kInactive;
    if (ok) continue;
    std::fprintf(stderr, "  %s is %s (%s); its journal:\n", n.c_str(), ToString(st.active),
                 ToString(st.sub));
    auto tail = journal.Tail(n, 10);
    if (!tail.ok())
      std::fprintf(stderr, "    (unreadable: %s)\n", tail.status().ToString().c_str());
    else
      for (const auto& e : *tail) std::fprintf(stderr, "    %s\n", e.message.c_str());
    break;
  }
}

bool RunUntil(net::EventLoop& loop, const std::function<bool()>& done) {
  return testing::RunLoopUntil(
             loop, [&] { return g_interrupted || done(); }, kBound) &&
         !g_interrupted;
}

std::string Rate(int units, double seconds) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.3f s (%.0f units/s)", seconds,
                seconds > 0 ? units / seconds : 0.0);
  return buf;
}

// Phases 1-3 on loaded units; prints the table. 0 when all went through.
int Measure(net::EventLoop& loop, service::Manager& manager, const service::Journal& journal,
            const std::vector<std::string>& names, double idle_seconds, double load_s,
            double rss_empty) {
  const int units = int(names.size());

  // 1. Start all, until every one is running.
  std::fprintf(stderr, "starting %d units ...\n", units);
  long long psi0 = CpuPressureMicros();
  double cpu_start0 = CpuSeconds();
  auto t_start = Clock::now();
  for (const auto& n : names) {
    if (g_interrupted) break;
    if (auto st = manager.Start(n); !st.ok()) {
      std::fprintf(stderr, "bench/service: start %s: %s\n", n.c_str(), st.ToString().c_str());
      break;
    }
  }
  double start_calls_s = SecondsSince(t_start);
  // A unit that failed will not run: no need to wait for the bound then.
  bool started = RunUntil(loop,
                          [&] {
                            Census c = Count(manager, names);
                            return c.running == units || c.failed > 0;
                          }) &&
                 Count(manager, names).running == units;
  double start_s = SecondsSince(t_start);
  long long psi1 = CpuPressureMicros();
  double cpu_start = CpuSeconds() - cpu_start0;
  if (!started) {
    Explain("units did not all become active (failed, or not within 60 s)", manager, journal, names,
            true);
    return 1;
  }
  std::vector<pid_t> pids;
  for (const auto& n : names) pids.push_back(manager.Find(n)->status().main_pid);

  // 2. At rest with every unit running.
  std::fprintf(stderr, "%d units running; idling %.0f s ...\n", units, idle_seconds);
  double cpu0 = CpuSeconds();
  auto t_idle = Clock::now();
  auto idle_end = t_idle + std::chrono::duration<double>(idle_seconds);
  while (!g_interrupted && Clock::now() < idle_end) {
    loop.context().restart();
    loop.context().run_for(std::chrono::milliseconds(100));
  }
  double idle_wall = SecondsSince(t_idle);
  double cpu_pct = 100.0 * (CpuSeconds() - cpu0) / idle_wall;
  double rss = RssMiB();
  if (g_interrupted || Count(manager, names).running != units) {
    Explain(g_interrupted ? "interrupted while idle" : "units stopped running while idle", manager,
            journal, names, true);
    return 1;
  }

  // 3. Stop all, until every one is inactive; nothing may be left.
  std::fprintf(stderr, "stopping %d units ...\n", units);
  auto t_stop = Clock::now();
  for (const auto& n : names) (void)manager.Stop(n);
  bool stopped = RunUntil(loop, [&] { return Count(manager, names).inactive == units; });
  double stop_s = SecondsSince(t_stop);
  if (!stopped) {
    Explain("units did not all become inactive within 60 s", manager, journal, names, false);
    return 1;
  }
  int left = 0;
  for (pid_t p : pids)
    if (::kill(p, 0) == 0 || service::GroupAlive(p)) left++;

  bool start_met = units / start_s >= 500.0;  // 1,000 in 2 s
  bool cpu_met = cpu_pct < 1.0;
  std::printf("| service manager, %d units | measured | goal | met |\n|---|---|---|---|\n", units);
  std::printf("| load (parse + Manager::Load) | %s | | |\n", Rate(units, load_s).c_str());
  std::printf(
      "| start, until all active (running) | %s; Start() calls %.3f s | 1,000 units "
      "started in under 2 s%s | %s |\n",
      Rate(units, start_s).c_str(), start_calls_s, units == 1000 ? "" : " (as a rate: 500 units/s)",
      start_met ? "yes" : "**no**");
  std::printf("| manager CPU during start (user + system) | %.3f s (%.0f us per unit) | | |\n",
              cpu_start, cpu_start * 1e6 / units);
  if (psi0 >= 0 && psi1 >= 0) {
    std::printf(
        "| CPU pressure during start (PSI some: a task waited for a CPU) | %.0f%% of the "
        "time | | |\n",
        double(psi1 - psi0) / 1e4 / start_s);
  }
  std::printf(
      "| CPU at rest, %d running, over %.1f s | %.2f%% of one core | under 1%% CPU at "
      "rest | %s |\n",
      units, idle_wall, cpu_pct, cpu_met ? "yes" : "**no**");
  std::printf("| resident memory (VmRSS), %d running | %.1f MiB (%.1f MiB before loading) | | |\n",
              units, rss, rss_empty);
  std::printf("| stop, until all inactive | %s | | |\n", Rate(units, stop_s).c_str());
  std::printf("| unit processes left after stop | %d | none | %s |\n", left,
              left == 0 ? "yes" : "**no**");
  return left == 0 ? 0 : 1;
}

// The units, a Manager and its Journal in `dir`; then Measure.
int Run(const std::string& dir, int units, double idle_seconds) {
  // The loop outlives the manager, whose destructor kills what is left.
  net::EventLoop loop;
  auto journal = service::Journal::Open(base::RealFs(), dir + "/journal", base::SystemClock());
  if (!journal.ok()) {
    std::fprintf(stderr, "bench/service: journal: %s\n", journal.status().ToString().c_str());
    return 1;
  }
  loop.Every(std::chrono::seconds(1), [&journal] { (void)(*journal)->Sync(); });
  service::Manager manager(loop, journal->get(), {{"PATH", "/usr/bin:/bin"}});
  double rss_empty = RssMiB();

  std::vector<std::string> names;
  auto t_load = Clock::now();
  for (int i = 0; i < units; ++i) {
    names.push_back(UnitName(i));
    std::string text = "[Unit]\nDescription=Bench unit " + std::to_string(i) +
                       "\n\n[Service]\nType=simple\nExecStart=/bin/sleep 100000\n";
    auto file = unit::ParseUnitFile(text, names.back());
    auto st = file.ok() ? manager.Load(*file, names.back()) : file.status();
    if (!st.ok()) {
      std::fprintf(stderr, "bench/service: load %s: %s\n", names.back().c_str(),
                   st.ToString().c_str());
      return 1;
    }
  }
  return Measure(loop, manager, **journal, names, idle_seconds, SecondsSince(t_load), rss_empty);
}

}  // namespace

int main(int argc, char** argv) {
  int units = 1000;
  double idle_seconds = 10;
  for (int i = 1; i < argc; ++i) {
    bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--units") && has_value) {
      units = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--idle-seconds") && has_value) {
      idle_seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: flotilla_bench_service [--units N] [--idle-seconds S]\n");
      return 2;
    }
  }
  if (units < 1 || idle_seconds <= 0) {
    std::fprintf(stderr, "bench/service: --units and --idle-seconds must be positive\n");
    return 2;
  }
  if (!EnoughDescriptors(units)) return 2;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  char dir[] = "/tmp/flotilla-bench-service-XXXXXX";
  if (!::mkdtemp(dir)) {
    std::fprintf(stderr, "bench/service: mkdtemp: %s\n", std::strerror(errno));
    return 1;
  }
  int code = Run(dir, units, idle_seconds);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return code;
}

#include "simulation.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "faults.h"
#include "linearizability.h"

namespace flotilla::sim {

namespace {

namespace lin = testing::lin;

std::string Str(uint64_t v) {
  return std::to_string(v);
}

// raft::Raft::CheckInvariants() and the core's assertions abort the process;
// the handler names the seed being run on the aborting thread first.
thread_local char g_abort_note[256];
thread_local const Cluster* g_cluster = nullptr;

void OnAbort(int) {
  if (g_abort_note[0] != '\0') {
    ssize_t n = write(STDERR_FILENO, g_abort_note, std::strlen(g_abort_note));
    (void)n;
  }
  // Best effort from a dying process: the last events and the members.
  if (g_cluster) {
    std::fprintf(stderr, "  last events:\n%s  members:\n%s", g_cluster->TraceTail().c_str(),
                 g_cluster->Dump().c_str());
  }
}

void InstallAbortHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = OnAbort;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGABRT, &sa, nullptr);
  });
}

class AbortNote {
 public:
  AbortNote(const Options& o, const Cluster* c) {
    std::snprintf(g_abort_note, sizeof g_abort_note,
                  "\n*** simulation seed %llu aborted (a raft invariant or assertion failed)\n"
                  "*** replay: %s\n",
                  static_cast<unsigned long long>(o.seed), ReplayCommand(o).c_str());
    g_cluster = c;
  }
  ~AbortNote() {
    g_abort_note[0] = '\0';
    g_cluster = nullptr;
  }
};

void Settle(Cluster& c, const Options& o, Report& r) {
  SimTime healed = c.now();
  uint64_t probe = 0;
  SimTime probed_at = -1000;
  while (!c.checker().failed()) {
    if (c.probe_index() != 0) {
      r.liveness = c.now() - healed;
      c.Trace("liveness: probe write applied at index " + Str(c.probe_index()));
      return;
    }
    if (c.now() >= healed + o.settle) {
      c.checker().Fail("liveness: " + Str(o.settle) +
                       " ms after the faults stopped, no write had committed through a "
                       "leader (leader now: " +
                       Str(c.Leader()) + ")");
      return;
    }
    // Propose through the leader; again if raft refused it (after 20 ms) or
    // it was lost (after 300 ms).
    if (c.now() - probed_at >= (probe == 0 ? 20 : 300)) {
      if (raft::NodeId l = c.Leader(); l != raft::kNone) {
        probe = c.ProposeProbe(l);
        probed_at = c.now();
        c.Trace("probe write via " + Str(l) + (probe ? "" : ": refused"));
      }
    }
    c.Step();
  }
}

void Converge(Cluster& c, const Options& o) {
  SimTime start = c.now();
  while (!c.checker().failed()) {
    std::string behind;
    const raft::ConfState& conf = c.conf();
    for (const auto* group : {&conf.voters, &conf.learners}) {
      for (raft::NodeId id : *group) {
        Member* m = c.Find(id);
        if (m && m->running() && m->applied() < c.probe_index()) {
          behind += " " + Str(id) + " (applied " + Str(m->applied()) + ")";
        }
      }
    }
    if (behind.empty()) return;
    if (c.now() >= start + o.converge) {
      c.checker().Fail("convergence: " + Str(o.converge) + " ms after the probe write applied at " +
                       Str(c.probe_index()) + ", members still behind:" + behind);
      return;
    }
    c.Step();
  }
}

void CheckHistory(Cluster& c, Report& r) {
  lin::CheckOptions opts;
  opts.max_steps_per_key = 5'000'000;
  opts.time_budget = std::chrono::seconds(20);
  lin::CheckResult res = lin::CheckLinearizability(c.clients().LinearizabilityHistory(), opts);
  r.linearizability = lin::Describe(res.verdict);
  if (res.verdict == lin::Verdict::kUnknown) r.linearizability += ": " + res.explanation;
  if (res.verdict == lin::Verdict::kIllegal) {
    c.checker().Fail("the clients' history is not linearizable: " + res.explanation);
  }
}

}  // namespace

std::string ReplayCommand(const Options& o) {
  std::string cmd = "scripts/simulate --seed " + Str(o.seed) + " --trace";
  if (o.chaos != Options{}.chaos) cmd += " --chaos " + Str(static_cast<uint64_t>(o.chaos));
  if (!o.workarounds) cmd += " --no-workarounds";
  return cmd;
}

Report Simulate(const Options& o) {
  auto started = std::chrono::steady_clock::now();
  InstallAbortHandler();
  Rng seeder(o.seed);
  Profile profile = Profile::Random(seeder);
  profile.member.hold_snapshots_while_parked = o.workarounds;
  Cluster c(seeder.Next(), profile, o.trace);
  AbortNote note(o, &c);
  FaultInjector faults(c);
  c.Trace("profile: " + profile.Describe());
  Report r;
  r.seed = o.seed;
  r.replay = ReplayCommand(o);

  while (!c.checker().failed() && c.now() < o.chaos) {
    faults.Step();
    c.Step();
  }
  if (!c.checker().failed()) {
    faults.Calm();
    Settle(c, o, r);
  }
  if (!c.checker().failed()) Converge(c, o);
  c.clients().set_paused(true);
  for (SimTime stop = c.now() + 1000;
       !c.checker().failed() && c.clients().in_flight() > 0 && c.now() < stop;) {
    c.Step();
  }
  c.clients().CloseAll();
  if (!c.checker().failed() && o.check_linearizability) CheckHistory(c, r);

  r.ok = !c.checker().failed();
  r.failure = c.checker().failure();
  if (!r.ok) {
    r.details = "  profile: " + profile.Describe() + "\n  last events:\n" + c.TraceTail() +
                "  members:\n" + c.Dump();
  }
  r.cluster = c.stats();
  r.clients = c.clients().stats();
  r.network = c.network().stats();
  r.terms = c.checker().terms_with_leader();
  r.committed = c.checker().max_committed();
  for (const auto& [id, m] : c.members()) {
    r.snapshots += m->snapshots_taken();
    r.snapshots_installed += m->snapshots_installed();
  }
  r.end = c.now();
  r.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return r;
}

std::string Report::Summary() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "seed %llu %s: %lld ms, %zu leader terms, %llu committed, ops %llu ok (%llu "
                "reads) %llu unknown %llu refused, %llu crashes (%llu torn), %llu restarts, "
                "%llu partitions, conf changes %llu/%llu applied, %llu transfers, %llu "
                "snapshots (%llu installed), msgs %llu delivered %llu lost, liveness %lld ms, "
                "linearizability %s",
                static_cast<unsigned long long>(seed), ok ? "ok" : "FAILED",
                static_cast<long long>(end), terms, static_cast<unsigned long long>(committed),
                static_cast<unsigned long long>(clients.ok),
                static_cast<unsigned long long>(clients.reads_ok),
                static_cast<unsigned long long>(clients.unknown),
                static_cast<unsigned long long>(clients.failed),
                static_cast<unsigned long long>(cluster.crashes),
                static_cast<unsigned long long>(cluster.torn_writes),
                static_cast<unsigned long long>(cluster.restarts),
                static_cast<unsigned long long>(cluster.partitions),
                static_cast<unsigned long long>(cluster.conf_changes_applied),
                static_cast<unsigned long long>(cluster.conf_changes_proposed),
                static_cast<unsigned long long>(cluster.transfers),
                static_cast<unsigned long long>(snapshots),
                static_cast<unsigned long long>(snapshots_installed),
                static_cast<unsigned long long>(network.delivered),
                static_cast<unsigned long long>(network.lost + network.cut),
                static_cast<long long>(liveness), linearizability.c_str());
  return buf;
}

std::string Report::FailureMessage() const {
  return "simulation seed " + Str(seed) + " failed: " + failure + "\n  replay: " + replay + "\n" +
         details;
}

}  // namespace flotilla::sim

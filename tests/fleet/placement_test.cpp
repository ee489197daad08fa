// Place, the scheduling function: fleet's engine/scheduler_test.go
// (TestSchedulerDecisions) and engine/reconciler_test.go
// (TestCalculateClusterTasks), then properties over random clusters:
// determinism, a second call changing nothing, and every placement
// respecting every requirement. Scenarios live in testdata/*.txt.
#include "fleet/placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fleet/agent_state.h"

#include "make_job.h"

namespace flotilla::fleet {
namespace {

Machine M(const std::string& id, std::map<std::string, std::string> md = {}) {
  return Machine{MachineId{id}, std::move(md)};
}

std::vector<std::string> Lines(const Placement& p) {
  std::vector<std::string> out;
  for (const auto& d : p.decisions) {
    out.push_back(d.kind == Decision::Kind::kSchedule
                      ? "schedule " + d.job + " " + d.machine.value
                      : "unschedule " + d.job + " " + d.machine.value + ": " + d.reason);
  }
  for (const auto& u : p.unplaced) out.push_back("unplaced " + u.job + ": " + u.reason);
  return out;
}

using L = std::vector<std::string>;

TEST(Place, fleetTestSchedulerDecisions) {
  // no machines to receive the job
  EXPECT_EQ(Lines(Place({}, {MakeJob("foo.service")})),
            L{"unplaced foo.service: no machines in the cluster"});
  // several machines: the first (least loaded, then lowest id)
  EXPECT_EQ(Lines(Place({M("YYY"), M("XXX")}, {MakeJob("foo.service")})),
            L{"schedule foo.service XXX"});
}

TEST(Place, fleetTestCalculateClusterTasks) {
  // no work to do
  EXPECT_EQ(Lines(Place({}, {})), L{});
  // scheduled, and its machine exists
  EXPECT_EQ(Lines(Place({M("XXX")}, {MakeJob("foo.service", "", JobState::kLaunched, "XXX")})),
            L{});
  // its machine is gone: moved
  EXPECT_EQ(
      Lines(Place({M("XXX")}, {MakeJob("foo.service", "", JobState::kLaunched, "ZZZ")})),
      (L{"unschedule foo.service ZZZ: target machine went away", "schedule foo.service XXX"}));
  // desired state inactive and scheduled: unscheduled
  EXPECT_EQ(Lines(Place({M("XXX")}, {MakeJob("foo.service", "", JobState::kInactive, "XXX")})),
            L{"unschedule foo.service XXX: desired state inactive"});
  // inactive, and on a machine that is gone
  EXPECT_EQ(Lines(Place({M("XXX")}, {MakeJob("foo.service", "", JobState::kInactive, "ZZZ")})),
            L{"unschedule foo.service ZZZ: desired state inactive"});
  // not scheduled and a machine exists: scheduled
  EXPECT_EQ(Lines(Place({M("XXX")}, {MakeJob("foo.service")})), L{"schedule foo.service XXX"});
  // loaded counts like launched; inactive and global jobs are not the engine's
  EXPECT_EQ(Lines(Place({M("XXX")}, {MakeJob("a.service", "", JobState::kLoaded),
                                     MakeJob("b.service", "", JobState::kInactive),
                                     MakeJob("g.service", "Global=true")})),
            L{"schedule a.service XXX"});
}

TEST(Place, globalTargetsAreIgnored_duplicateNamesFirstWins) {
  EXPECT_EQ(
      Lines(Place({M("XXX")}, {MakeJob("g.service", "Global=true", JobState::kLaunched, "ZZZ")})),
      L{});
  EXPECT_EQ(Lines(Place({M("XXX"), M("XXX", {{"a", "b"}})},
                        {MakeJob("a.service", "MachineMetadata=a=b"), MakeJob("a.service")})),
            L{"unplaced a.service: no machine has metadata a=b"});
}

// A random cluster: machines with metadata, units with every requirement.
struct World {
  std::vector<Machine> machines;
  std::vector<Job> jobs;
};

World RandomWorld(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  World w;
  std::vector<int> ids = {0, 1, 2, 3, 4, 5, 6, 7};
  std::shuffle(ids.begin(), ids.end(), rng);
  int nm = 1 + pick(5);
  for (int m = 0; m < nm; ++m) {
    std::map<std::string, std::string> md;
    if (pick(2)) md["role"] = pick(2) ? "web" : "db";
    if (pick(2)) md["region"] = pick(2) ? "eu" : "us";
    w.machines.push_back(M("m" + std::to_string(ids[m]), md));
  }
  int nj = pick(14);
  for (int j = 0; j < nj; ++j) {
    std::string name = "u" + std::to_string(j) + ".service";
    std::string x;
    switch (pick(9)) {
      case 0:
        x = "Conflicts=u*.service";
        break;
      case 1:
        x = "MachineOf=u" + std::to_string(pick(nj)) + ".service";
        break;
      case 2:
        x = "MachineMetadata=role=web\nMachineMetadata=\"region=eu\" \"region=us\"";
        break;
      case 3:
        x = "Replaces=u" + std::to_string(pick(nj)) + ".service";
        break;
      case 4:
        x = "MachineID=m" + std::to_string(pick(8));
        break;
      case 5:
        x = "Global=true\nConflicts=u" + std::to_string(pick(nj)) + ".service";
        break;
      default:
        break;
    }
    auto state = static_cast<JobState>(pick(3));
    std::optional<std::string> target;
    if (pick(2)) target = "m" + std::to_string(pick(8));
    w.jobs.push_back(MakeJob(name, x, state, target));
  }
  return w;
}

void Apply(World& w, const Placement& p) {
  for (const auto& d : p.decisions) {
    for (auto& j : w.jobs) {
      if (j.name != d.job) continue;
      if (d.kind == Decision::Kind::kUnschedule) {
        ASSERT_EQ(j.target, d.machine) << d.job;
        j.target.reset();
      } else {
        ASSERT_FALSE(j.target) << d.job;
        j.target = d.machine;
      }
    }
  }
}

TEST(Place, randomClusters_deterministicStableAndSound) {
  for (uint32_t seed = 1; seed <= 500; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    World w = RandomWorld(seed);
    Placement first = Place(w.machines, w.jobs);

    // The order of the input does not matter.
    World shuffled = w;
    std::mt19937 rng(seed);
    std::shuffle(shuffled.machines.begin(), shuffled.machines.end(), rng);
    std::shuffle(shuffled.jobs.begin(), shuffled.jobs.end(), rng);
    EXPECT_EQ(Lines(Place(shuffled.machines, shuffled.jobs)), Lines(first));

    Apply(w, first);
    if (HasFailure()) return;
    // Every unplaced job is one Place left without a machine.
    for (const auto& u : first.unplaced) {
      for (const auto& j : w.jobs) {
        if (j.name == u.job) {
          EXPECT_FALSE(j.target) << u.job;
        }
      }
      EXPECT_FALSE(u.reason.empty());
    }
    // Everything scheduled is on a live machine that can run it.
    for (const auto& m : w.machines) {
      std::vector<const Job*> here;
      for (const auto& j : w.jobs)
        if (j.global() || j.target == m.id) here.push_back(&j);
      AgentState s = BuildAgentState(m, here);
      for (const auto& j : w.jobs) {
        if (j.global() || j.target != m.id) continue;
        EXPECT_NE(j.desired, JobState::kInactive) << j.name;
        EXPECT_TRUE(s.Find(j.name)) << j.name << " dropped on " << m.id.value;
        EXPECT_NE(AbleToRun(s, j).action, Action::kUnschedule)
            << j.name << " on " << m.id.value << ": " << AbleToRun(s, j).reason;
      }
    }
    // A second pass over the result has nothing to do, except placing the
    // units Replaces moved away in this one, as their reason promises.
    Placement second = Place(w.machines, w.jobs);
    Placement rest{{}, {}};
    for (const auto& u : first.unplaced) {
      if (!u.reason.starts_with("moved away")) {
        rest.unplaced.push_back(u);
        continue;
      }
      bool again = false;
      for (const auto& d : second.decisions) {
        again |= d.kind == Decision::Kind::kSchedule && d.job == u.job;
      }
      EXPECT_TRUE(again) << u.job << ": " << u.reason;
    }
    if (rest.unplaced.size() == first.unplaced.size()) {
      EXPECT_EQ(Lines(second), Lines(rest));
    }
  }
}

}  // namespace
}  // namespace flotilla::fleet

// One machine's units and the test of a job against them: fleet's
// agent/state_test.go (TestHasConflicts, TestHasReplaces), agent/agent_test.go
// (TestAbleToRun), agent/reconcile_test.go (TestDesiredAgentState) and
// engine/scheduler_test.go (TestAgentStateSorting).
#include "fleet/agent_state.h"

#include <gtest/gtest.h>

#include <deque>

#include "fleet/placement.h"

#include "make_job.h"

namespace flotilla::fleet {
namespace {

// Keeps jobs alive at stable addresses for the AgentStates pointing at them.
struct Fixture {
  std::deque<Job> jobs;
  std::deque<Machine> machines;
  AgentState State(const std::string& id, std::vector<Job> units,
                   std::map<std::string, std::string> metadata = {}) {
    machines.push_back(Machine{MachineId{id}, std::move(metadata)});
    std::vector<const Job*> ptrs;
    for (auto& j : units) ptrs.push_back(&jobs.emplace_back(std::move(j)));
    return BuildAgentState(machines.back(), ptrs);
  }
};

TEST(AgentState, fleetTestHasConflicts) {
  Fixture f;
  // empty current state causes no conflicts
  EXPECT_EQ(HasConflict(f.State("XXX", {}), "foo.service", {"bar.service"}), std::nullopt);
  // existing job has a conflict with the new one
  EXPECT_EQ(HasConflict(f.State("XXX", {MakeJob("bar.service", "X-Conflicts=foo.service")}),
                        "foo.service", {}),
            "bar.service");
  // new job has a conflict with an existing one
  EXPECT_EQ(HasConflict(f.State("XXX", {MakeJob("bar.service")}), "foo.service", {"bar.service"}),
            "bar.service");
  // a unit never conflicts with itself
  EXPECT_EQ(HasConflict(f.State("XXX", {MakeJob("foo.1.service", "Conflicts=foo.*.service")}),
                        "foo.1.service", {"foo.*.service"}),
            std::nullopt);
}

TEST(AgentState, fleetTestHasReplaces) {
  Fixture f;
  EXPECT_EQ(HasReplace(f.State("XXX", {}), "foo.service", {"bar.service"}), std::nullopt);
  // existing unit replaces the new one
  EXPECT_EQ(HasReplace(f.State("XXX", {MakeJob("bar.service", "Replaces=foo.service")}),
                       "foo.service", {}),
            "bar.service");
  // new unit replaces an existing one
  EXPECT_EQ(HasReplace(f.State("XXX", {MakeJob("bar.service")}), "foo.service", {"bar.service"}),
            "bar.service");
  // circular: ignored
  EXPECT_EQ(HasReplace(f.State("XXX", {MakeJob("bar.service", "Replaces=foo.service")}),
                       "foo.service", {"bar.service"}),
            std::nullopt);
  EXPECT_EQ(HasReplace(f.State("XXX", {MakeJob("foo.service", "Replaces=foo.service")}),
                       "foo.service", {"foo.service"}),
            std::nullopt);
}

TEST(AgentState, fleetTestAbleToRun) {
  Fixture f;
  struct Case {
    AgentState state;
    Job job;
    Action want;
    std::string reason;
  };
  std::vector<Case> cases;
  auto add = [&](AgentState s, Job j, Action want, std::string reason = "") {
    cases.push_back({std::move(s), std::move(j), want, std::move(reason)});
  };
  // nothing to worry about
  add(f.State("123", {}), MakeJob("easy-street.service"), Action::kSchedule);
  // MachineID: full id and the 8-character short one
  add(f.State("XYZ", {}), MakeJob("a.service", "MachineID=XYZ"), Action::kSchedule);
  add(f.State("0123456789abcdef", {}), MakeJob("a.service", "MachineID=01234567"),
      Action::kSchedule);
  add(f.State("0123456789abcdef", {}), MakeJob("a.service", "MachineID=0123456"),
      Action::kUnschedule, "pinned to MachineID 0123456");
  add(f.State("123", {}), MakeJob("a.service", "MachineID=XYZ"), Action::kUnschedule,
      "pinned to MachineID XYZ");
  // MachineMetadata
  add(f.State("123", {}, {{"region", "us-west"}}),
      MakeJob("a.service", "MachineMetadata=region=us-west"), Action::kSchedule);
  add(f.State("123", {}, {{"region", "us-west"}}), MakeJob("easy-street.service"),
      Action::kSchedule);
  add(f.State("123", {}, {{"region", "us-west"}}),
      MakeJob("a.service", "MachineMetadata=region=us-east"), Action::kUnschedule,
      "lacks metadata region=us-east");
  add(f.State("123", {}, {{"region", "us-west"}, {"disk", "ssd"}}),
      MakeJob("a.service",
              "MachineMetadata=\"region=us-east\" \"region=us-west\"\n"
              "MachineMetadata=disk=ssd"),
      Action::kSchedule);
  add(f.State("123", {}, {{"region", "us-west"}}),
      MakeJob("a.service", "MachineMetadata=region=us-west\nMachineMetadata=disk=ssd"),
      Action::kUnschedule, "lacks metadata disk=ssd");
  // MachineOf peers: all of them must be here
  add(f.State("123", {MakeJob("pong.service")}), MakeJob("a.service", "MachineOf=pong.service"),
      Action::kSchedule);
  add(f.State("123", {MakeJob("ping.service"), MakeJob("pong.service")}),
      MakeJob("a.service", "MachineOf=pong.service\nMachineOf=ping.service"), Action::kSchedule);
  add(f.State("123", {}), MakeJob("a.service", "MachineOf=ping.service"), Action::kUnschedule,
      "MachineOf peer ping.service is not here");
  add(f.State("123", {MakeJob("ping.service")}),
      MakeJob("a.service", "MachineOf=pong.service\nMachineOf=ping.service"), Action::kUnschedule,
      "MachineOf peer pong.service is not here");
  // an inactive peer is not here
  add(f.State("123", {MakeJob("pong.service", "", JobState::kInactive)}),
      MakeJob("a.service", "MachineOf=pong.service"), Action::kUnschedule,
      "MachineOf peer pong.service is not here");
  // Conflicts
  add(f.State("123", {MakeJob("ping.service")}), MakeJob("a.service", "Conflicts=pong.service"),
      Action::kSchedule);
  add(f.State("123", {MakeJob("ping.service")}), MakeJob("a.service", "Conflicts=ping.service"),
      Action::kUnschedule, "conflicts with ping.service");
  // Replaces: this job replaces one there (it may go there), or one there
  // replaces it (it may not)
  add(f.State("123", {MakeJob("old.service")}), MakeJob("new.service", "Replaces=old.service"),
      Action::kReschedule);
  add(f.State("123", {MakeJob("new.service", "Replaces=old.service")}), MakeJob("old.service"),
      Action::kUnschedule, "replaced by new.service");
  add(f.State("123", {MakeJob("b.service", "Replaces=a.service")}),
      MakeJob("a.service", "Replaces=b.service"), Action::kSchedule);
  add(f.State("123", {MakeJob("g.service", "Global=true")}),
      MakeJob("a.service", "Replaces=g.service"), Action::kSchedule);

  for (size_t i = 0; i < cases.size(); ++i) {
    Verdict v = AbleToRun(cases[i].state, cases[i].job);
    EXPECT_EQ(v.action, cases[i].want) << "case " << i;
    EXPECT_EQ(v.reason, cases[i].reason) << "case " << i;
  }
  Verdict v = AbleToRun(f.State("123", {MakeJob("old.1.service"), MakeJob("old.2.service")}),
                        MakeJob("new.service", "Replaces=old.*"));
  EXPECT_EQ(v.replaced, (std::vector<std::string>{"old.1.service", "old.2.service"}));
}

TEST(AgentState, fleetTestAgentStateSorting) {
  Fixture f;
  auto ids = [](std::vector<const AgentState*> in) {
    SortLeastLoaded(in);
    std::vector<std::string> out;
    for (const auto* a : in) out.push_back(a->machine->id.value);
    return out;
  };
  EXPECT_EQ(ids({}), std::vector<std::string>{});
  // by number of units
  AgentState a5 = f.State("A", {MakeJob("1.service"), MakeJob("2.service"), MakeJob("3.service"),
                                MakeJob("4.service"), MakeJob("5.service")});
  AgentState b2 = f.State("B", {MakeJob("6.service"), MakeJob("7.service")});
  EXPECT_EQ(ids({&a5, &b2}), (std::vector<std::string>{"B", "A"}));
  // then by machine id
  AgentState b = f.State("B", {MakeJob("1.service"), MakeJob("2.service")});
  AgentState a = f.State("A", {MakeJob("3.service"), MakeJob("4.service")});
  EXPECT_EQ(ids({&b, &a}), (std::vector<std::string>{"A", "B"}));
}

TEST(AgentState, build_dropsInactiveGlobalsElsewhereAndLaterConflicts) {
  Fixture f;
  AgentState s = f.State("m1",
                         {MakeJob("z.service", "Conflicts=a.service"), MakeJob("a.service"),
                          MakeJob("idle.service", "", JobState::kInactive),
                          MakeJob("db-only.service", "Global=true\nMachineMetadata=role=db"),
                          MakeJob("web-only.service", "Global=true\nMachineMetadata=role=web")},
                         {{"role", "web"}});
  std::vector<std::string> names;
  for (const Job* j : s.units) names.push_back(j->name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.service", "web-only.service"}));
}

TEST(AgentDesiredUnits, fleetTestDesiredAgentState) {
  const Machine here{MachineId{"this_machine"}, {}};
  const Machine dog{MachineId{"this_machine"}, {{"dog", "woof"}}};
  auto names = [](const Machine& m, const std::vector<Job>& jobs) {
    std::vector<std::string> out;
    for (const auto& u : AgentDesiredUnits(m, jobs)) out.push_back(u.name);
    return out;
  };
  using Names = std::vector<std::string>;
  // no units in the registry: nothing to do
  EXPECT_EQ(names(here, {}), Names{});
  // a unit scheduled here
  EXPECT_EQ(names(here, {MakeJob("foo.service", "", JobState::kLaunched, "this_machine")}),
            Names{"foo.service"});
  // scheduled nowhere, or somewhere else: ignored
  EXPECT_EQ(names(here, {MakeJob("foo.service")}), Names{});
  EXPECT_EQ(names(here, {MakeJob("foo.service", "", JobState::kLaunched, "elsewhere")}), Names{});
  // a global unit without metadata runs everywhere
  EXPECT_EQ(names(here, {MakeJob("global.service", "Global=true")}), Names{"global.service"});
  // with metadata: where the machine has it
  const std::string gm = "Global=true\nMachineMetadata=dog=woof";
  EXPECT_EQ(names(dog, {MakeJob("global.mount", gm)}), Names{"global.mount"});
  EXPECT_EQ(names(here, {MakeJob("global.mount", gm)}), Names{});
  EXPECT_EQ(
      names(Machine{MachineId{"this_machine"}, {{"cat", "miaow"}}}, {MakeJob("global.mount", gm)}),
      Names{});
  // mixed
  std::vector<Job> mix = {MakeJob("foo.service", "", JobState::kLaunched, "this_machine"),
                          MakeJob("bar.service"), MakeJob("global.service", "Global=true"),
                          MakeJob("global.mount", gm)};
  EXPECT_EQ(names(here, mix), (Names{"foo.service", "global.service"}));
  EXPECT_EQ(names(dog, mix), (Names{"foo.service", "global.mount", "global.service"}));
  // conflicts: the first by name wins (functional TestScheduleGlobalConflicts)
  EXPECT_EQ(names(here, {MakeJob("conflict-global.1.service",
                                 "Global=true\nConflicts=conflict-global.*.service"),
                         MakeJob("conflict-global.0.service",
                                 "Global=true\nConflicts=conflict-global.*.service")}),
            Names{"conflict-global.0.service"});
  // the desired state is passed on; inactive units are not wanted
  auto units =
      AgentDesiredUnits(here, {MakeJob("a.service", "", JobState::kLoaded, "this_machine"),
                               MakeJob("b.service", "", JobState::kInactive, "this_machine"),
                               MakeJob("g.service", "Global=true", JobState::kInactive)});
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].name, "a.service");
  EXPECT_EQ(units[0].desired, JobState::kLoaded);
}

}  // namespace
}  // namespace flotilla::fleet

// The commands that change units: submit, load, start (submit.go, load.go,
// start.go), stop, unload (stop.go, unload.go), destroy (destroy.go) and
// restart (restart.go). Texts and exit codes are fleetctl 1.0's.
#include <optional>
#include <thread>

#include "cli/fleetctl/commands.h"
#include "cli/fleetctl/lifecycle.h"
#include "cli/fleetctl/unit_files.h"

namespace flotilla::cli::fleetctl {
namespace {

// The units of `args` that the registry has, in *out; an exit code when
// the command ends here (none given, an error, none found), as fleetctl's
// stop, unload and destroy end.
std::optional<int> ExistingUnits(Session& s, const std::vector<std::string>& args,
                                 std::vector<Unit>* out) {
  if (args.empty()) {
    Stderr("No units given");
    return 0;
  }
  auto units = FindUnits(s, args);
  if (!units.ok()) {
    Stderr(units.status().message());
    return 1;
  }
  if (units->empty()) {
    Stderr("Units not found in registry");
    return 0;
  }
  *out = std::move(*units);
  return std::nullopt;
}

FlagSpec SignFlag() {
  return {"sign", 0, FlagKind::kBool, "false", "DEPRECATED - this option cannot be used"};
}
FlagSpec BlockAttemptsFlag(std::string usage) {
  return {"block-attempts", 0, FlagKind::kInt, "0", std::move(usage)};
}
FlagSpec NoBlockFlag(std::string usage) {
  return {"no-block", 0, FlagKind::kBool, "false", std::move(usage)};
}
FlagSpec ReplaceFlag(std::string usage) {
  return {"replace", 0, FlagKind::kBool, "false", std::move(usage)};
}

// fmt's %v of a []string: "[a.service b.service]".
std::string GoList(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? " " : "") + items[i];
  return s + "]";
}

int RunSubmit(Session& s, const std::vector<std::string>& args) {
  if (args.empty()) {
    Stderr("No units given");
    return 0;
  }
  base::Status st = LazyCreateUnits(s, args);
  if (!st.ok()) {
    Stderr("Error creating units: " + st.message());
    return 1;
  }
  return 0;
}

// load and start: create, set the desired state, wait for it.
int RunActivate(Session& s, const std::vector<std::string>& args, const std::string& verb,
                const std::string& state, const std::string& gerund) {
  if (args.empty()) {
    Stderr("No units given");
    return 0;
  }
  base::Status st = LazyCreateUnits(s, args);
  if (!st.ok()) {
    Stderr("Error creating units: " + st.message());
    return 1;
  }
  auto triggered = SetTargetStateOfUnits(s, args, state);
  if (!triggered.ok()) {
    Stderr("Error " + gerund + " units: " + triggered.status().message());
    return 1;
  }
  std::vector<std::string> waiting;
  for (const auto& u : *triggered) {
    if (IsGlobal(u)) {
      Stdout("Triggered global unit " + u.name + " " + verb);
    } else {
      waiting.push_back(u.name);
    }
  }
  int attempts = BlockAttempts(s);
  st = TryWaitForUnitStates(s, waiting, verb, state, attempts);
  if (!st.ok()) {
    Stderr("Error waiting for unit states, exit status: " + st.message());
    return 1;
  }
  if (verb == "start") {
    st = TryWaitForSystemdActiveState(s, waiting, attempts);
    if (!st.ok()) {
      Stderr("Error waiting for systemd unit states, err: " + st.message());
      return 1;
    }
  }
  return 0;
}

// stop and unload: lower the desired state of the units that exist.
int RunDeactivate(Session& s, const std::vector<std::string>& args, const std::string& verb,
                  const std::string& state) {
  std::vector<Unit> found;
  if (auto exit = ExistingUnits(s, args, &found)) return *exit;
  const std::vector<Unit>* units = &found;
  std::vector<std::string> waiting;
  for (const auto& u : *units) {
    bool global = IsGlobal(u);
    if (!global) {
      if (verb == "stop" && u.current_state == "inactive") {
        Stderr("Unable to stop unit " + u.name + " in state inactive");
        return 1;
      }
      if (u.current_state == state) continue;  // already there
    }
    // fleetctl ignores an error here; the wait below notices.
    (void)s.api().SetUnitTargetState(u.name, state);
    if (global) {
      Stdout("Triggered global unit " + u.name + " " + verb);
    } else {
      waiting.push_back(u.name);
    }
  }
  base::Status st = TryWaitForUnitStates(s, waiting, verb, state, BlockAttempts(s));
  std::string done = verb == "stop" ? "stopped" : "unloaded";
  if (!st.ok()) {
    Stderr("Failed to " + verb + " units " + GoList(waiting) + ". err: " + st.message());
    return 1;
  }
  Stderr("Successfully " + done + " units " + GoList(waiting) + ".");
  return 0;
}

int RunDestroy(Session& s, const std::vector<std::string>& args) {
  std::vector<Unit> found;
  if (auto exit = ExistingUnits(s, args, &found)) return *exit;
  const std::vector<Unit>* units = &found;
  int exit = 0;
  for (const auto& u : *units) {
    base::Status st = s.api().DestroyUnit(u.name);
    if (!st.ok()) {
      if (st.code() == base::Code::kNotFound) continue;  // gone already
      Stderr("Error destroying units: " + st.message());
      exit = 1;
      continue;
    }
    // fleetctl 1.0 waits for the unit to disappear only with --no-block
    // (its condition is inverted); kept, as it decides what users see.
    if (s.flags().Bool("no-block")) {
      int64_t limit = s.flags().Int("block-attempts");
      int64_t left = limit;
      auto retry = [&] { return limit < 1 || --left != 0; };
      while (retry()) {
        auto still = s.api().GetUnit(u.name);
        if (!still.ok()) {
          Stderr("Error destroying units: " + still.status().message());
          exit = 1;
          break;
        }
        if (!*still) break;
        std::this_thread::sleep_for(kPollInterval);
      }
    }
    Stdout("Destroyed " + u.name);
  }
  return exit;
}

// setUnitStateAndWait (restart.go), waiting for the state it sets (fleet
// 1.0 waited for "launched" after the stop too, so nothing restarted).
int SetUnitStateAndWait(Session& s, const Unit& u, const std::string& state, int attempts) {
  base::Status st = s.api().SetUnitTargetState(u.name, state);
  if (!st.ok()) {
    Stderr("Error setting target state for unit " + u.name + ": " + st.message());
    return 1;
  }
  st = TryWaitForUnitStates(s, {u.name}, "restart", state, attempts);
  if (!st.ok()) {
    Stderr("Error waiting for unit states, exit status: " + st.message());
    return 1;
  }
  return 0;
}

int RunRestart(Session& s, const std::vector<std::string>& args) {
  if (args.empty()) {
    Stderr("No units given");
    return 0;
  }
  auto units = FindUnits(s, args);
  if (!units.ok()) {
    Stderr(units.status().message());
    return 1;
  }
  base::Status st = LazyCreateUnits(s, args);
  if (!st.ok()) {
    Stderr("Error creating units: " + st.message());
    return 1;
  }
  int attempts = BlockAttempts(s);
  for (const auto& u : *units) {
    // fleet restarts global units over SSH, keyed on a machine they do not
    // have: nothing happens, and nothing happens here either.
    if (IsGlobal(u)) continue;
    if (u.current_state == "inactive") {
      Stderr("Unable to restart unit " + u.name + " in state inactive");
      continue;
    }
    if (u.current_state != "loaded" && SetUnitStateAndWait(s, u, "loaded", attempts) != 0) {
      return 1;
    }
    if (SetUnitStateAndWait(s, u, "launched", attempts) != 0) return 1;
  }
  return 0;
}

}  // namespace

Command SubmitCommand() {
  return {"submit",
          "submit UNIT...",
          "Upload one or more units to the cluster without starting them",
          R"(Upload one or more units to the cluster without starting them. Useful
for validating units before they are started.

This operation is idempotent; if a named unit already exists in the cluster, it will not be resubmitted.

Submit a single unit:
	fleetctl submit foo.service

Submit a directory of units with glob matching:
	fleetctl submit myservice/*)",
          {SignFlag(), ReplaceFlag("Replace the old unit with the new one.")},
          true,
          RunSubmit};
}

Command LoadCommand() {
  return {"load",
          "load [--no-block|--block-attempts=N] UNIT...",
          "Schedule one or more units in the cluster, first submitting them if necessary.",
          R"(Load one or many units in the cluster into systemd, but do not start.

Select units to load by glob matching for units in the current working directory
or matching the names of previously submitted units.

For units which are not global, load operations are performed synchronously,
which means fleetctl will block until it detects that the unit(s) have
transitioned to a loaded state. This behaviour can be configured with the
respective --block-attempts and --no-block options. Load operations on global
units are always non-blocking.)",
          {SignFlag(),
           BlockAttemptsFlag("Wait until the jobs are loaded, performing up to N attempts before "
                             "giving up. A value of 0 indicates no limit. Does not apply to "
                             "global units."),
           NoBlockFlag("Do not wait until the jobs have been loaded before exiting. Always the "
                       "case for global units."),
           ReplaceFlag("Replace the old scheduled units in the cluster with new versions.")},
          true,
          [](Session& s, const std::vector<std::string>& args) {
            return RunActivate(s, args, "load", "loaded", "loading");
          }};
}

Command StartCommand() {
  return {"start",
          "start [--no-block|--block-attempts=N] UNIT...",
          "Instruct systemd to start one or more units in the cluster, first submitting and "
          "loading if necessary.",
          R"(Start one or many units on the cluster. Select units to start by glob matching
for units in the current working directory or matching names of previously
submitted units.

For units which are not global, start operations are performed synchronously,
which means fleetctl will block until it detects that the unit(s) have
transitioned to a started state. This behaviour can be configured with the
respective --block-attempts and --no-block options. Start operations on global
units are always non-blocking.

Start a single unit:
fleetctl start foo.service

Start an entire directory of units with glob matching:
fleetctl start myservice/*

You may filter suitable hosts based on metadata provided by the machine.
Machine metadata is located in the fleet configuration file.)",
          {SignFlag(),
           BlockAttemptsFlag("Wait until the units are launched, performing up to N attempts "
                             "before giving up. A value of 0 indicates no limit. Does not apply "
                             "to global units."),
           NoBlockFlag("Do not wait until the units have launched before exiting. Always the "
                       "case for global units."),
           ReplaceFlag("Replace the already started units in the cluster with new versions.")},
          true,
          [](Session& s, const std::vector<std::string>& args) {
            return RunActivate(s, args, "start", "launched", "starting");
          }};
}

Command StopCommand() {
  return {"stop",
          "stop [--no-block|--block-attempts=N] UNIT...",
          "Instruct systemd to stop one or more units in the cluster.",
          R"(Stop one or more units from running in the cluster, but allow them to be
started again in the future.

Instructs systemd on the host machine to stop the unit, deferring to systemd
completely for any custom stop directives (i.e. ExecStop option in the unit
file).

For units which are not global, stop operations are performed synchronously,
which means fleetctl will block until it detects that the unit(s) have
transitioned to a stopped state. This behaviour can be configured with the
respective --block-attempts and --no-block options. Stop operations on global
units are always non-blocking.

Stop a single unit:
fleetctl stop foo.service

Stop an entire directory of units with glob matching, without waiting:
fleetctl --no-block stop myservice/*)",
          {BlockAttemptsFlag("Wait until the units are stopped, performing up to N attempts "
                             "before giving up. A value of 0 indicates no limit. Does not apply "
                             "to global units."),
           NoBlockFlag("Do not wait until the units have stopped before exiting. Always the case "
                       "for global units.")},
          true,
          [](Session& s, const std::vector<std::string>& args) {
            return RunDeactivate(s, args, "stop", "loaded");
          }};
}

Command UnloadCommand() {
  return {"unload",
          "unload UNIT...",
          "Unschedule one or more units in the cluster.",
          "",
          {BlockAttemptsFlag("Wait until the units are inactive, performing up to N attempts "
                             "before giving up. A value of 0 indicates no limit."),
           NoBlockFlag("Do not wait until the units have become inactive before exiting.")},
          true,
          [](Session& s, const std::vector<std::string>& args) {
            return RunDeactivate(s, args, "unload", "inactive");
          }};
}

Command DestroyCommand() {
  return {"destroy",
          "destroy UNIT...",
          "Destroy one or more units in the cluster",
          R"(Completely remove one or more running or submitted units from the cluster.

Instructs systemd on the host machine to destroy the unit, deferring to systemd
completely for any custom stop directives (i.e. ExecStop option in the unit
file).

Destroyed units are impossible to start unless re-submitted.)",
          {BlockAttemptsFlag("Wait until the units are destroyed, performing up to N attempts "
                             "before giving up. A value of 0 indicates no limit. Does not apply "
                             "to global units."),
           NoBlockFlag("Do not wait until the units are destroyed before exiting. Always the "
                       "case for global units.")},
          true,
          RunDestroy};
}

Command RestartCommand() {
  return {"restart",
          "restart [--block-attempts=N] UNIT...",
          "Instruct systemd to rolling restart one or more units in the cluster.",
          R"(Restarts one or more units in the cluster. If they are stopped it starts them.

Instructs systemd on the host machine to stop then start the unit, deferring to systemd
completely for any custom restart directives (i.e. ExecStop options in the unit
file).

For units which are not global, restart operations are performed synchronously,
which means fleetctl will block until it detects that the unit(s) have
transitioned to a stopped state and then back to a started state. This behaviour can be configured with the
respective --block-attempts options. Restart operations on global
units are always non-blocking.

Restart a single unit:
	fleetctl restart foo.service

Restart an entire directory of units with glob matching, without waiting:
	fleetctl restart myservice/*)",
          {BlockAttemptsFlag("Wait until the units are stopped/started, performing up to N "
                             "attempts before giving up. A value of 0 indicates no limit. Does "
                             "not apply to global units.")},
          true,
          RunRestart};
}

}  // namespace flotilla::cli::fleetctl

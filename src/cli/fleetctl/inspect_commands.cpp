// cat, status and journal (cat.go, status.go, journal.go). fleetctl ran
// `systemctl status -l` and `journalctl` over SSH on the unit's machine;
// flotilla's API serves both texts, so these pass them through and no SSH
// is involved (--ssh-port and --sudo are accepted and ignored).
#include "cli/fleetctl/commands.h"
#include "cli/fleetctl/session.h"
#include "cli/fleetctl/unit_files.h"

namespace flotilla::cli::fleetctl {
namespace {

int RunCat(Session& s, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    Stderr("One unit file must be provided");
    return 1;
  }
  std::string name = UnitNameMangle(args[0]);
  auto u = s.api().GetUnit(name);
  if (!u.ok()) {
    Stderr("Error retrieving Unit " + name + ": " + u.status().message());
    return 1;
  }
  if (!*u) {
    Stderr("Unit " + name + " not found");
    return 1;
  }
  // The stored unit exactly as serialised: no newline added.
  WriteStdout(unit::Serialize(ToUnitFile((*u)->options)));
  return 0;
}

// What `systemctl status` would have exited with on the remote machine:
// 0 when every "Active:" line says active (or reloading), else 3.
int SystemctlStatusCode(const std::string& text) {
  int code = 0;
  size_t at = 0;
  while ((at = text.find("Active: ", at)) != std::string::npos) {
    size_t line_start = text.rfind('\n', at);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    bool header = text.find_first_not_of(" \t", line_start) == at;
    at += 8;
    if (!header) continue;
    if (text.compare(at, 7, "active ") != 0 && text.compare(at, 9, "reloading") != 0 &&
        text.compare(at, 7, "active\n") != 0) {
      code = 3;
    }
  }
  return code;
}

int RunStatus(Session& s, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = UnitNameMangle(args[i]);
    auto u = s.api().GetUnit(name);
    if (!u.ok()) {
      Stderr("Error retrieving unit: " + u.status().message());
      return 1;
    }
    if (!*u) {
      Stderr("Unit " + name + " does not exist.");
      return 1;
    }
    // fleetctl refused global units ("Unable to determine status of global
    // unit"); the API answers for every machine running one.
    if (!IsGlobal(**u) && (*u)->current_state == "inactive") {
      Stderr("Unit " + (*u)->name + " does not appear to be loaded.");
      return 1;
    }
    // An empty line between units, as systemctl status separates them.
    if (i != 0) WriteStdout("\n");
    auto text = s.api().UnitStatus((*u)->name);
    if (!text.ok()) {
      Stderr("Error retrieving status of unit " + (*u)->name + ": " + text.status().message());
      return 1;
    }
    WriteStdout(*text);
    if (int code = SystemctlStatusCode(*text); code != 0) return code;
  }
  return 0;
}

int RunJournal(Session& s, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    Stderr("One unit file must be provided.");
    return 1;
  }
  std::string name = UnitNameMangle(args[0]);
  auto u = s.api().GetUnit(name);
  if (!u.ok()) {
    Stderr("Error retrieving unit " + name + ": " + u.status().message());
    return 1;
  }
  if (!*u) {
    Stderr("Unit " + name + " does not exist.");
    return 1;
  }
  if (!IsGlobal(**u) && (*u)->current_state == "inactive") {
    Stderr("Unit " + name + " does not appear to be running.");
    return 1;
  }
  base::Status st =
      s.api().Journal(name, s.flags().Int("lines"), s.flags().Bool("follow"),
                      s.flags().String("output"), [](std::string_view text) { WriteStdout(text); });
  if (!st.ok()) {
    Stderr("Error retrieving journal of unit " + name + ": " + st.message());
    return 1;
  }
  return 0;
}

FlagSpec SshPortFlag(std::string usage) {
  return {"ssh-port", 0, FlagKind::kInt, "22", std::move(usage)};
}

}  // namespace

Command CatCommand() {
  return {"cat",
          "cat UNIT",
          "Output the contents of a submitted unit",
          "Outputs the unit file that is currently loaded in the cluster. Useful to verify\n"
          "the correct version of a unit is running.",
          {},
          true,
          RunCat};
}

Command StatusCommand() {
  return {"status",
          "status [--ssh-port=N] UNIT...",
          "Output the status of one or more units in the cluster",
          R"(Output the status of one or more units currently running in the cluster.
Supports glob matching of units in the current working directory or matches
previously started units.

Show status of a single unit:
	fleetctl status foo.service

Show status of an entire directory with glob matching:
fleetctl status myservice/*)",
          {SshPortFlag("Connect to remote hosts over SSH using this TCP port.")},
          true,
          RunStatus};
}

Command JournalCommand() {
  return {"journal",
          "journal [--lines=N] [--ssh-port=N] [-f|--follow] [--output=STRING] <unit>",
          "Print the journal of a unit in the cluster to stdout",
          R"(Outputs the journal of a unit by connecting to the machine that the unit occupies.

Read the last 10 lines:
fleetctl journal foo.service

Read the last 100 lines:
fleetctl journal --lines 100 foo.service)",
          {{"lines", 'n', FlagKind::kInt, "10", "Number of recent log lines to return"},
           {"follow", 'f', FlagKind::kBool, "false",
            "Continuously print new entries as they are appended to the journal."},
           SshPortFlag("Connect to remote hosts over SSH using this TCP port"),
           {"sudo", 0, FlagKind::kBool, "false", "Execute journal command with sudo"},
           {"output", 0, FlagKind::kString, "short",
            "Output mode. This will be passed unaltered to journalctl on the remote host, and "
            "hence supports the same modes as that command."}},
          true,
          RunJournal};
}

}  // namespace flotilla::cli::fleetctl

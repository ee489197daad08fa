// fleetctl's commands as cobra describes them: name, usage line, one-line
// and long help (fleetctl 1.0's texts), own flags, and the function that
// runs it and returns the exit code. One function per file group:
//   unit_commands.cpp     submit, load, start, stop, unload, destroy, restart
//   list_commands.cpp     list-units, list-unit-files, list-machines
//   inspect_commands.cpp  cat, status, journal
//   help.cpp              help, version
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/fleetctl/flags.h"

namespace flotilla::cli::fleetctl {

class Session;

struct Command {
  std::string name;
  std::string use;  // cobra's Use: "start [--no-block|--block-attempts=N] UNIT..."
  std::string short_help;
  std::string long_help;
  std::vector<FlagSpec> flags;
  bool uses_api = true;  // help and version run without a client
  std::function<int(Session&, const std::vector<std::string>& args)> run;
};

Command SubmitCommand();
Command LoadCommand();
Command StartCommand();
Command StopCommand();
Command UnloadCommand();
Command DestroyCommand();
Command RestartCommand();
Command ListUnitsCommand();
Command ListUnitFilesCommand();
Command ListMachinesCommand();
Command CatCommand();
Command StatusCommand();
Command JournalCommand();
Command VersionCommand();
Command HelpCommand();  // cobra's own "help [command]"

// Every command, sorted by name as cobra lists them.
const std::vector<Command>& AllCommands();
// fleetctl's persistent (global) flags.
const std::vector<FlagSpec>& GlobalFlags();

}  // namespace flotilla::cli::fleetctl

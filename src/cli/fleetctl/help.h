// fleetctl's help (help.go): one template for the root command and every
// subcommand (NAME, USAGE, VERSION for the root, COMMANDS, DESCRIPTION,
// OPTIONS, GLOBAL OPTIONS) rendered through fleetctl's tabwriter, and
// cobra's "help [command]". Pure apart from writing to stdout.
#pragma once

#include <string>

#include "cli/fleetctl/commands.h"

namespace flotilla::cli::fleetctl {

// The usage text of `command`, or of fleetctl itself for nullptr.
std::string UsageText(const Command* command);

// Finds a command as cobra does: the exact name, else the only command
// whose name starts with `name` (cobra.EnablePrefixMatching). nullptr if
// none or several.
const Command* FindCommand(const std::string& name);

// cobra's "unknown command" error, with "Did you mean this?" suggestions.
std::string UnknownCommandError(const std::string& name);

}  // namespace flotilla::cli::fleetctl

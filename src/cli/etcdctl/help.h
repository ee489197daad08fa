// Help texts rendered as urfave/cli 1.22's three templates render them
// (AppHelpTemplate, CommandHelpTemplate, SubcommandHelpTemplate), columns
// aligned as Go's text/tabwriter (minwidth 1, padding 2) aligns them. Pure.
#pragma once

#include <string>

#include "cli/etcdctl/app.h"

namespace flotilla::cli::etcdctl {

// `etcdctl --help`, `etcdctl help`, and `etcdctl member help`.
std::string AppHelp(const App& app);
// `etcdctl help set`, `etcdctl set --help`, and after a usage error.
std::string CommandHelp(const Command& command);
// `etcdctl member` with no subcommand.
std::string SubcommandHelp(const App& app);

// One flag's help line before alignment: "--ttl value\tkey time-to-live ...".
std::string FlagHelpLine(const FlagSpec& spec);

}  // namespace flotilla::cli::etcdctl

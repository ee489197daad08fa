// The etcdctl command tree and how a command line runs through it, modelled
// on urfave/cli 1.22 (which the Go etcdctl v2 is built on) closely enough that
// help texts, usage errors and exit codes come out the same:
//
//   App "etcdctl"  --global flags-->  Command "set"  --flags, args-->  action
//                                     Command "member" = a sub-App of Commands
//
// A Context is one level of that walk: the flags parsed at that level, the
// remaining arguments and the parent level (for the global flags). Actions
// return the process exit code; deep inside an action, Exit() unwinds to
// Etcdctl() the way Go's os.Exit would end the process.
//
// Single-threaded: one App per process run.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/etcdctl/flags.h"

namespace flotilla::cli::etcdctl {

// The process exit codes of etcdctl (ctlv2/command/error.go).
enum ExitCode {
  kExitSuccess = 0,
  kExitBadArgs = 1,
  kExitBadConnection = 2,
  kExitBadAuth = 3,
  kExitServerError = 4,
  kExitClusterNotHealthy = 5,
};

// Thrown by Exit(); caught only by Etcdctl().
struct ExitRequest {
  int code;
};
[[noreturn]] void Exit(int code);

class Context;
using Action = std::function<int(Context& c)>;

struct Command {
  std::string name;
  std::vector<std::string> aliases;
  std::string usage;
  std::string args_usage;
  std::string description;
  std::vector<FlagSpec> flags;
  std::vector<Command> subcommands;  // non-empty: a group run as a sub-App
  Action action;
  std::string help_name;  // "etcdctl set"; filled in by the App
};

struct App {
  std::string name;  // "etcdctl", "etcdctl member"
  std::string help_name;
  std::string usage;
  std::string version;  // empty: no VERSION section
  std::vector<Command> commands;
  std::vector<Command> listed;  // the commands the help lists
  std::vector<FlagSpec> flags;  // the help and version flags included
};

class Context {
 public:
  Context(const App* app, const Context* parent) : app_(app), parent_(parent) {}

  const App& app() const { return *app_; }
  ParsedFlags& flags() { return flags_; }
  const ParsedFlags& flags() const { return flags_; }
  std::vector<std::string>& args() { return flags_.args; }

  bool Bool(std::string_view name) const { return flags_.Bool(name); }
  int64_t Int(std::string_view name) const { return flags_.Int(name); }
  std::string String(std::string_view name) const { return flags_.String(name); }

  // The value from the nearest enclosing level that defines the flag.
  std::string GlobalString(std::string_view name) const;
  bool GlobalBool(std::string_view name) const;
  int64_t GlobalDurationNs(std::string_view name) const;

 private:
  const ParsedFlags* Lookup(std::string_view name) const;

  const App* app_;
  const Context* parent_;
  ParsedFlags flags_;
};

// The etcdctl v2 app with all its commands.
App NewEtcdctlApp();

// Runs `args` (without the program name) through `app`; returns the exit code.
int RunApp(App& app, const std::vector<std::string>& args);

}  // namespace flotilla::cli::etcdctl

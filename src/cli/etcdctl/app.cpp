#include "cli/etcdctl/app.h"

#include <cstdio>

#include "cli/etcdctl/help.h"

namespace flotilla::cli::etcdctl {
namespace {

const FlagSpec kHelpFlag{"help, h", FlagKind::kBool, "show help"};
const FlagSpec kVersionFlag{"version, v", FlagKind::kBool, "print the version"};

void Print(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
}
void PrintErr(const std::string& s) {
  std::fflush(stdout);
  std::fwrite(s.data(), 1, s.size(), stderr);
}

const Command* FindCommand(const App& app, std::string_view name) {
  for (const auto& c : app.commands) {
    if (c.name == name) return &c;
    for (const auto& a : c.aliases) {
      if (a == name) return &c;
    }
  }
  return nullptr;
}

// urfave's ShowCommandHelp: an unknown topic is exit code 3.
int ShowCommandHelp(const App& app, const std::string& name) {
  if (name.empty()) {
    Print(SubcommandHelp(app));
    return 0;
  }
  if (const Command* c = FindCommand(app, name)) {
    Print(CommandHelp(*c));
    return 0;
  }
  PrintErr("No help topic for '" + name + "'\n");
  return 3;
}

// The `help, h` command every App gets.
Command HelpCommand() {
  Command c;
  c.name = "help";
  c.aliases = {"h"};
  c.usage = "Shows a list of commands or help for one command";
  c.args_usage = "[command]";
  c.action = [](Context& ctx) {
    if (!ctx.args().empty()) return ShowCommandHelp(ctx.app(), ctx.args()[0]);
    Print(AppHelp(ctx.app()));
    return 0;
  };
  return c;
}

void NameCommands(App& app) {
  for (auto& c : app.commands) c.help_name = app.help_name + " " + c.name;
}

int Fail(const std::string& stdout_text, const std::string& help, const std::string& err) {
  Print(stdout_text);
  Print(help);
  PrintErr(err + "\n");
  return kExitBadArgs;
}

int RunSubApp(const App& parent, const Context& parent_ctx, const Command& group,
              const std::vector<std::string>& args);

int RunCommand(const App& app, const Context& parent_ctx, const Command& cmd,
               const std::vector<std::string>& args) {
  if (!cmd.subcommands.empty()) return RunSubApp(app, parent_ctx, cmd, args);
  std::vector<FlagSpec> flags = cmd.flags;
  flags.push_back(kHelpFlag);
  Context ctx(&app, &parent_ctx);
  FlagErrors e = FlagParser::Parse(&flags, args, /*reorder=*/true, &ctx.flags());
  std::string err = e.parse.empty() ? e.alias : e.parse;
  if (!err.empty()) return Fail("Incorrect Usage: " + err + "\n\n", CommandHelp(cmd), err);
  if (ctx.Bool("h") || ctx.Bool("help")) {
    Print(CommandHelp(cmd));
    return 0;
  }
  return cmd.action(ctx);
}

// urfave's Command.startApp + App.RunAsSubcommand, for `member`.
int RunSubApp(const App& parent, const Context& parent_ctx, const Command& group,
              const std::vector<std::string>& args) {
  App sub;
  sub.name = parent.name + " " + group.name;
  sub.help_name = sub.name;
  sub.usage = group.usage;
  sub.version = parent.version;
  sub.commands = group.subcommands;
  sub.listed = sub.commands;
  sub.commands.push_back(HelpCommand());
  sub.flags = group.flags;
  sub.flags.push_back(kHelpFlag);
  NameCommands(sub);
  Context ctx(&sub, &parent_ctx);
  FlagErrors e = FlagParser::Parse(&sub.flags, args, /*reorder=*/false, &ctx.flags());
  if (!e.alias.empty()) return Fail(e.alias + "\n\n", SubcommandHelp(sub), e.alias);
  if (!e.parse.empty()) {
    return Fail("Incorrect Usage. " + e.parse + "\n\n", SubcommandHelp(sub), e.parse);
  }
  if (ctx.Bool("h") || ctx.Bool("help")) {
    Print(SubcommandHelp(sub));
    return 0;
  }
  const auto& rest = ctx.args();
  if (!rest.empty()) {
    if (const Command* c = FindCommand(sub, rest[0])) {
      return RunCommand(sub, ctx, *c, {rest.begin() + 1, rest.end()});
    }
    return ShowCommandHelp(sub, rest[0]);
  }
  if (group.action) return group.action(ctx);
  Print(SubcommandHelp(sub));
  return 0;
}

}  // namespace

void Exit(int code) {
  throw ExitRequest{code};
}

const ParsedFlags* Context::Lookup(std::string_view name) const {
  for (const Context* c = this; c != nullptr; c = c->parent_) {
    if (c->flags_.Has(name)) return &c->flags_;
  }
  return nullptr;
}

std::string Context::GlobalString(std::string_view name) const {
  const ParsedFlags* f = Lookup(name);
  return f ? f->String(name) : "";
}

bool Context::GlobalBool(std::string_view name) const {
  const ParsedFlags* f = Lookup(name);
  return f ? f->Bool(name) : false;
}

int64_t Context::GlobalDurationNs(std::string_view name) const {
  const ParsedFlags* f = Lookup(name);
  return f ? f->DurationNs(name) : 0;
}

int RunApp(App& app, const std::vector<std::string>& args) {
  app.commands.push_back(HelpCommand());
  app.listed = app.commands;
  app.flags.push_back(kHelpFlag);
  if (!app.version.empty()) app.flags.push_back(kVersionFlag);
  NameCommands(app);

  Context ctx(&app, nullptr);
  FlagErrors e = FlagParser::Parse(&app.flags, args, /*reorder=*/false, &ctx.flags());
  if (!e.alias.empty()) return Fail(e.alias + "\n", AppHelp(app), e.alias);
  if (!e.parse.empty()) return Fail("Incorrect Usage. " + e.parse + "\n\n", AppHelp(app), e.parse);
  if (ctx.Bool("help") || ctx.Bool("h")) {
    Print(AppHelp(app));
    return 0;
  }
  if (!app.version.empty() && (ctx.Bool("version") || ctx.Bool("v"))) {
    Print(app.name + " version: " + app.version + "\nAPI version: 2\n");
    return 0;
  }
  const auto& rest = ctx.args();
  if (!rest.empty()) {
    if (const Command* c = FindCommand(app, rest[0])) {
      return RunCommand(app, ctx, *c, {rest.begin() + 1, rest.end()});
    }
    return ShowCommandHelp(app, rest[0]);
  }
  Print(AppHelp(app));
  return 0;
}

}  // namespace flotilla::cli::etcdctl

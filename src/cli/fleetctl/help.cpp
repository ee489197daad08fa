#include "cli/fleetctl/help.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "base/go_strconv.h"
#include "cli/fleetctl/session.h"
#include "cli/fleetctl/tabwriter.h"

namespace flotilla::cli::fleetctl {
namespace {

constexpr char kName[] = "fleetctl";
constexpr char kDescription[] =
    "fleetctl is a command-line interface to fleet, the cluster-wide CoreOS init system.";

// descToLines: trimmed of "\n\t " at both ends, then split into lines.
std::vector<std::string> DescToLines(const std::string& s) {
  size_t b = s.find_first_not_of("\n\t ");
  if (b == std::string::npos) return {""};
  size_t e = s.find_last_not_of("\n\t ");
  std::string t = s.substr(b, e - b + 1);
  std::vector<std::string> lines;
  size_t start = 0;
  for (;;) {
    size_t nl = t.find('\n', start);
    lines.push_back(t.substr(start, nl - start));
    if (nl == std::string::npos) return lines;
    start = nl + 1;
  }
}

size_t Levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int RunHelp(Session&, const std::vector<std::string>& args) {
  const Command* topic = nullptr;
  if (!args.empty()) {
    topic = FindCommand(args[0]);
    if (!topic) {
      // cobra: c.Printf("Unknown help topic %#q.", args), then the root usage.
      std::string list;
      for (const auto& a : args) list += (list.empty() ? "`" : " `") + a + "`";
      std::fflush(stdout);
      std::fputs(("Unknown help topic [" + list + "].").c_str(), stderr);
      std::fflush(stderr);
    }
  }
  WriteStdout(UsageText(topic));
  return 0;
}

int RunVersion(Session&, const std::vector<std::string>&) {
  Stdout(std::string("fleetctl version ") + FLOTILLA_VERSION);
  return 0;
}

}  // namespace

Command HelpCommand() {
  return {"help",
          "help [command]",
          "Help about any command",
          "Help provides help for any command in the application.\n"
          "    Simply type fleetctl help [path to command] for full details.",
          {},
          false,
          RunHelp};
}

Command VersionCommand() {
  return {"version", "version", "Print the version and exit", "Print the version and exit", {},
          false,     RunVersion};
}

const Command* FindCommand(const std::string& name) {
  const Command* prefixed = nullptr;
  int matches = 0;
  for (const auto& c : AllCommands()) {
    if (c.name == name) return &c;
    if (!name.empty() && c.name.rfind(name, 0) == 0) {
      prefixed = &c;
      ++matches;
    }
  }
  return matches == 1 ? prefixed : nullptr;
}

std::string UnknownCommandError(const std::string& name) {
  std::string suggestions;
  for (const auto& c : AllCommands()) {
    if (Levenshtein(name, c.name) <= 2 || Lower(c.name).rfind(Lower(name), 0) == 0) {
      suggestions += "\t" + c.name + "\n";
    }
  }
  std::string msg = "unknown command " + base::GoQuote(name) + " for " + base::GoQuote(kName);
  if (!suggestions.empty()) msg += "\n\nDid you mean this?\n" + suggestions;
  return msg;
}

std::string UsageText(const Command* c) {
  std::string t = "NAME:\n";
  if (!c) {
    t += std::string("\t") + kName + " - " + kDescription + "\n";
  } else {
    t += "\t" + c->name + " - " + c->short_help + "\n";
  }
  t += "\nUSAGE:\n";
  t += std::string("\t") + kName + (c ? " " + c->use : "") + "\n";
  if (!c) {
    t += std::string("\nVERSION:\n\t") + FLOTILLA_VERSION + "\n";
    t += "\nCOMMANDS:\n";
    for (const auto& sub : AllCommands()) t += "\t" + sub.name + "\t" + sub.short_help + "\n";
  }
  if (c && !c->long_help.empty()) {
    t += "\nDESCRIPTION:\n";
    for (const auto& line : DescToLines(c->long_help)) t += "\t" + line + "\n";
  }
  const std::vector<FlagSpec>& local = c ? c->flags : GlobalFlags();
  if (!local.empty()) t += "\nOPTIONS:\n" + FlagUsages(local);
  if (c) t += "\nGLOBAL OPTIONS:\n" + FlagUsages(GlobalFlags());
  t += "\n";
  return TabAlign(t);
}

}  // namespace flotilla::cli::fleetctl

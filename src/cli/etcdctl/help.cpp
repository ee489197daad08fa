#include "cli/etcdctl/help.h"

#include <algorithm>

#include "base/go_strconv.h"

namespace flotilla::cli::etcdctl {
namespace {

size_t RuneCount(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// text/tabwriter with one tab per line: each run of consecutive lines that
// hold a tab is one column block; its first cells are padded to the widest
// plus two spaces.
std::string TabAlign(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  for (size_t i = 0; i < lines.size();) {
    if (lines[i].find('\t') == std::string::npos) {
      ++i;
      continue;
    }
    size_t j = i, width = 0;
    for (; j < lines.size() && lines[j].find('\t') != std::string::npos; ++j) {
      width = std::max(width, RuneCount(lines[j].substr(0, lines[j].find('\t'))));
    }
    for (size_t k = i; k < j; ++k) {
      size_t tab = lines[k].find('\t');
      std::string cell = lines[k].substr(0, tab);
      cell.append(width + 2 - RuneCount(cell), ' ');
      lines[k] = cell + lines[k].substr(tab + 1);
    }
    i = j;
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

std::string JoinNames(const Command& c) {
  std::string out = c.name;
  for (const auto& a : c.aliases) out += ", " + a;
  return out;
}

void AppendCommandList(std::string& out, const std::vector<Command>& commands) {
  for (const auto& c : commands) out += "\n   " + JoinNames(c) + "\t" + c.usage;
}

}  // namespace

std::string FlagHelpLine(const FlagSpec& spec) {
  // urfave's stringifyFlag: a `placeholder` in the usage names the value.
  std::string usage(spec.usage), placeholder;
  size_t open = usage.find('`');
  if (open != std::string::npos) {
    size_t close = usage.find('`', open + 1);
    if (close != std::string::npos) {
      placeholder = usage.substr(open + 1, close - open - 1);
      usage = usage.substr(0, open) + placeholder + usage.substr(close + 1);
    }
  }
  std::string def;
  if (spec.kind != FlagKind::kBool) {
    if (placeholder.empty()) placeholder = "value";
    if (spec.kind == FlagKind::kString) {
      if (!spec.default_value.empty())
        def = " (default: " + base::GoQuote(spec.default_value) + ")";
    } else {
      def =
          " (default: " + std::string(spec.default_value.empty() ? "0" : spec.default_value) + ")";
    }
  }
  std::string names;
  auto list = FlagNames(spec);
  for (size_t i = 0; i < list.size(); ++i) {
    names += (list[i].size() == 1 ? "-" : "--") + list[i];
    if (!placeholder.empty()) names += " " + placeholder;
    if (i + 1 < list.size()) names += ", ";
  }
  std::string text = usage + def;
  while (!text.empty() && text.back() == ' ') text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  return names + "\t" + text;
}

std::string AppHelp(const App& app) {
  std::string out = "NAME:\n   " + app.name;
  if (!app.usage.empty()) out += " - " + app.usage;
  out += "\n\nUSAGE:\n   " + app.help_name + " ";
  if (!app.flags.empty()) out += "[global options]";
  if (!app.commands.empty()) out += " command [command options]";
  out += " [arguments...]";
  if (!app.version.empty()) out += "\n\nVERSION:\n   " + app.version;
  if (!app.listed.empty()) {
    out += "\n\nCOMMANDS:";
    AppendCommandList(out, app.listed);
  }
  if (!app.flags.empty()) {
    out += "\n\nGLOBAL OPTIONS:\n   ";
    for (size_t i = 0; i < app.flags.size(); ++i) {
      if (i > 0) out += "\n   ";
      out += FlagHelpLine(app.flags[i]);
    }
  }
  out += "\n";
  return TabAlign(out);
}

std::string CommandHelp(const Command& c) {
  std::string out = "NAME:\n   " + c.help_name + " - " + c.usage + "\n\nUSAGE:\n   " + c.help_name;
  if (!c.flags.empty()) out += " [command options]";
  out += " " + (c.args_usage.empty() ? std::string("[arguments...]") : c.args_usage);
  if (!c.description.empty()) out += "\n\nDESCRIPTION:\n   " + c.description;
  if (!c.flags.empty()) {
    out += "\n\nOPTIONS:\n   ";
    for (const FlagSpec& f : c.flags) out += FlagHelpLine(f) + "\n   ";
  }
  out += "\n";
  return TabAlign(out);
}

std::string SubcommandHelp(const App& app) {
  std::string out = "NAME:\n   " + app.help_name + " - " + app.usage + "\n\nUSAGE:\n   " +
                    app.help_name + " command";
  if (!app.flags.empty()) out += " [command options]";
  out += " [arguments...]\n\nCOMMANDS:";
  AppendCommandList(out, app.listed);
  if (!app.flags.empty()) {
    out += "\n\nOPTIONS:\n   ";
    for (const FlagSpec& f : app.flags) out += FlagHelpLine(f) + "\n   ";
  }
  out += "\n";
  return TabAlign(out);
}

}  // namespace flotilla::cli::etcdctl

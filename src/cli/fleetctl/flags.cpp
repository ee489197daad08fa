#include "cli/fleetctl/flags.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "base/go_strconv.h"

namespace flotilla::cli::fleetctl {
namespace {

// strconv.ParseFloat(s, 64) for the values people type: Go refuses leading
// or trailing space, which strtod would skip.
bool ParseGoFloat(const std::string& s, double* out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back()))) {
    return false;
  }
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

std::string Check(FlagKind kind, const std::string& value) {
  std::string q = base::GoQuote(value);
  switch (kind) {
    case FlagKind::kBool:
      if (!base::ParseGoBool(value)) return "strconv.ParseBool: parsing " + q + ": invalid syntax";
      return "";
    case FlagKind::kInt: {
      base::NumError err = base::NumError::kNone;
      if (!base::ParseGoInt(value, &err)) {
        return "strconv.ParseInt: parsing " + q +
               (err == base::NumError::kRange ? ": value out of range" : ": invalid syntax");
      }
      return "";
    }
    case FlagKind::kFloat: {
      double v;
      if (!ParseGoFloat(value, &v)) return "strconv.ParseFloat: parsing " + q + ": invalid syntax";
      return "";
    }
    case FlagKind::kString:
      return "";
  }
  return "";
}

// How pflag names a flag in an error: "-n, --lines" or "--lines".
std::string Spelling(const FlagSpec& spec) {
  std::string s;
  if (spec.shorthand) s = std::string("-") + spec.shorthand + ", ";
  return s + "--" + spec.name;
}

std::string InvalidArgument(const FlagSpec& spec, const std::string& value,
                            const std::string& why) {
  return "invalid argument " + base::GoQuote(value) + " for " + base::GoQuote(Spelling(spec)) +
         " flag: " + why;
}

// One "--name[=value]" argument; `i` moves past a value taken from the next
// argument.
std::string ParseLong(FlagSet& flags, const std::vector<std::string>& args, size_t& i) {
  const std::string& arg = args[i];
  std::string body = arg.substr(2);
  if (body.empty() || body[0] == '-' || body[0] == '=') return "bad flag syntax: " + arg;
  size_t eq = body.find('=');
  std::string name = body.substr(0, eq);
  const FlagSpec* spec = flags.Find(name);
  if (!spec) return "unknown flag: --" + name;
  std::string value;
  if (eq != std::string::npos) {
    value = body.substr(eq + 1);
  } else if (spec->kind == FlagKind::kBool) {
    value = "true";
  } else if (i + 1 < args.size()) {
    value = args[++i];
  } else {
    return "flag needs an argument: " + arg;
  }
  std::string err = flags.Set(name, value);
  return err.empty() ? "" : InvalidArgument(*spec, value, err);
}

// One "-abc" argument: bools in a row, the last may take a value.
std::string ParseShort(FlagSet& flags, const std::vector<std::string>& args, size_t& i,
                       bool* help) {
  const std::string arg = args[i];
  std::string shorts = arg.substr(1);
  while (!shorts.empty()) {
    char c = shorts[0];
    const FlagSpec* spec = flags.FindShorthand(c);
    if (!spec) {
      if (c == 'h') {
        *help = true;
        return "";
      }
      return std::string("unknown shorthand flag: '") + c + "' in -" + shorts;
    }
    std::string value;
    std::string rest = shorts.substr(1);
    if (rest.size() >= 1 && rest[0] == '=') {
      value = rest.substr(1);
      rest.clear();
    } else if (spec->kind == FlagKind::kBool) {
      value = "true";
    } else if (!rest.empty()) {
      value = rest;
      rest.clear();
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return std::string("flag needs an argument: '") + c + "' in -" + shorts;
    }
    std::string err = flags.Set(spec->name, value);
    if (!err.empty()) return InvalidArgument(*spec, value, err);
    shorts = rest;
  }
  return "";
}

}  // namespace

const FlagSpec* FlagSet::Find(std::string_view name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const FlagSpec* FlagSet::FindShorthand(char c) const {
  for (const auto& s : specs_) {
    if (s.shorthand == c) return &s;
  }
  return nullptr;
}

std::string FlagSet::Set(std::string_view name, std::string_view value) {
  const FlagSpec* spec = Find(name);
  if (!spec) return "no such flag -" + std::string(name);
  std::string err = Check(spec->kind, std::string(value));
  if (err.empty()) values_[std::string(name)] = std::string(value);
  return err;
}

std::string FlagSet::Raw(std::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it != values_.end()) return it->second;
  const FlagSpec* spec = Find(name);
  return spec ? spec->default_value : "";
}

bool FlagSet::Bool(std::string_view name) const {
  return base::ParseGoBool(Raw(name)).value_or(false);
}

int64_t FlagSet::Int(std::string_view name) const {
  base::NumError err;
  return base::ParseGoInt(Raw(name), &err).value_or(0);
}

double FlagSet::Float(std::string_view name) const {
  double v = 0;
  return ParseGoFloat(Raw(name), &v) ? v : 0;
}

std::string FlagSet::String(std::string_view name) const {
  return Raw(name);
}

FlagParse ParseFlags(FlagSet& flags, const std::vector<std::string>& args) {
  FlagParse out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      out.args.push_back(arg);
      continue;
    }
    if (arg == "--") {
      out.args.insert(out.args.end(), args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
      break;
    }
    out.error = arg[1] == '-' ? ParseLong(flags, args, i) : ParseShort(flags, args, i, &out.help);
    if (!out.error.empty() || out.help) break;
  }
  return out;
}

std::string FlagUsages(std::vector<FlagSpec> flags) {
  std::sort(flags.begin(), flags.end(),
            [](const FlagSpec& a, const FlagSpec& b) { return a.name < b.name; });
  struct Line {
    std::string head, usage;
  };
  std::vector<Line> lines;
  size_t width = 0;
  for (const auto& f : flags) {
    Line line;
    line.head =
        f.shorthand ? std::string("  -") + f.shorthand + ", --" + f.name : "      --" + f.name;
    switch (f.kind) {
      case FlagKind::kBool:
        break;
      case FlagKind::kInt:
        line.head += " int";
        break;
      case FlagKind::kFloat:
        line.head += " float";
        break;
      case FlagKind::kString:
        line.head += " string";
        break;
    }
    width = std::max(width, line.head.size());
    line.usage = f.usage;
    bool zero = f.default_value.empty() || f.default_value == "false" || f.default_value == "0";
    if (!zero) {
      line.usage +=
          " (default " +
          (f.kind == FlagKind::kString ? base::GoQuote(f.default_value) : f.default_value) + ")";
    }
    lines.push_back(std::move(line));
  }
  std::string out;
  for (const auto& l : lines) {
    // fmt.Fprintln(head, spacing, usage): operands joined by spaces.
    out += l.head + " " + std::string(width - l.head.size(), ' ') + " " + l.usage + "\n";
  }
  return out;
}

}  // namespace flotilla::cli::fleetctl

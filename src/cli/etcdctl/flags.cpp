#include "cli/etcdctl/flags.h"

#include <set>

#include "base/go_strconv.h"

namespace flotilla::cli::etcdctl {
namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// urfave's argIsFlag: "-x", "--x" or "-x=..." naming a defined flag.
bool ArgIsFlag(const std::vector<FlagSpec>& specs, const std::string& arg) {
  if (arg == "-" || arg == "--" || arg.empty() || arg[0] != '-') return false;
  std::string name = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
  name = name.substr(0, name.find('='));
  for (const auto& spec : specs) {
    for (const auto& n : FlagNames(spec)) {
      if (n == name) return true;
    }
  }
  return false;
}

// urfave's reorderArgs: flags (and the value after each) first, then the rest;
// "--" and everything after it stays last.
std::vector<std::string> Reorder(const std::vector<FlagSpec>& specs,
                                 const std::vector<std::string>& args) {
  std::vector<std::string> flags, rest;
  bool next_may_be_value = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (next_may_be_value && !ArgIsFlag(specs, arg)) {
      next_may_be_value = false;
      flags.push_back(arg);
    } else if (arg == "--") {
      rest.insert(rest.begin(), "--");
      rest.insert(rest.end(), args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
      break;
    } else if (ArgIsFlag(specs, arg)) {
      flags.push_back(arg);
      next_may_be_value = arg.find('=') == std::string::npos;
    } else {
      rest.push_back(arg);
    }
  }
  flags.insert(flags.end(), rest.begin(), rest.end());
  return flags;
}

// Checks `value` for `spec`'s type; returns Go's flag error or "".
std::string Validate(const FlagSpec& spec, const std::string& name, const std::string& value,
                     bool has_value) {
  switch (spec.kind) {
    case FlagKind::kBool:
      if (has_value && !base::ParseGoBool(value)) {
        return "invalid boolean value " + base::GoQuote(value) + " for -" + name + ": parse error";
      }
      return "";
    case FlagKind::kInt: {
      base::NumError err;
      if (!base::ParseGoInt(value, &err)) {
        return "invalid value " + base::GoQuote(value) + " for flag -" + name + ": " +
               (err == base::NumError::kRange ? "value out of range" : "parse error");
      }
      return "";
    }
    case FlagKind::kDuration:
      if (!base::ParseGoDuration(value)) {
        return "invalid value " + base::GoQuote(value) + " for flag -" + name + ": parse error";
      }
      return "";
    case FlagKind::kString:
      return "";
  }
  return "";
}

}  // namespace

std::vector<std::string> FlagNames(const FlagSpec& spec) {
  std::vector<std::string> out;
  std::string_view s = spec.names;
  while (true) {
    size_t comma = s.find(',');
    out.push_back(Trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

const FlagSpec* ParsedFlags::Find(std::string_view name) const {
  if (specs_ == nullptr) return nullptr;
  for (const auto& spec : *specs_) {
    for (const auto& n : FlagNames(spec)) {
      if (n == name) return &spec;
    }
  }
  return nullptr;
}

bool ParsedFlags::Has(std::string_view name) const {
  return Find(name) != nullptr;
}

std::string ParsedFlags::Raw(std::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it != values_.end()) return it->second;
  const FlagSpec* spec = Find(name);
  return spec ? std::string(spec->default_value) : "";
}

bool ParsedFlags::Bool(std::string_view name) const {
  auto v = base::ParseGoBool(Raw(name));
  return v.value_or(false);
}

int64_t ParsedFlags::Int(std::string_view name) const {
  base::NumError err;
  return base::ParseGoInt(Raw(name), &err).value_or(0);
}

std::string ParsedFlags::String(std::string_view name) const {
  return Raw(name);
}

int64_t ParsedFlags::DurationNs(std::string_view name) const {
  return base::ParseGoDuration(Raw(name)).value_or(0);
}

FlagErrors FlagParser::Parse(const std::vector<FlagSpec>* specs, std::vector<std::string> args,
                             bool reorder, ParsedFlags* out) {
  *out = ParsedFlags(specs);
  if (reorder) args = Reorder(*specs, args);
  std::set<std::string> visited;
  std::string error;
  size_t i = 0;
  // Go's FlagSet.parseOne, in a loop.
  while (i < args.size()) {
    const std::string& s = args[i];
    if (s.size() < 2 || s[0] != '-') break;
    size_t minuses = 1;
    if (s[1] == '-') {
      minuses = 2;
      if (s.size() == 2) {
        ++i;
        break;
      }
    }
    std::string name = s.substr(minuses);
    if (name.empty() || name[0] == '-' || name[0] == '=') {
      error = "bad flag syntax: " + s;
      break;
    }
    ++i;
    bool has_value = false;
    std::string value;
    size_t eq = name.find('=', 1);
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* spec = out->Find(name);
    if (spec == nullptr) {
      error = "flag provided but not defined: -" + name;
      break;
    }
    if (spec->kind == FlagKind::kBool) {
      error = Validate(*spec, name, value, has_value);
      if (!error.empty()) break;
      if (!has_value) value = "true";
    } else {
      if (!has_value && i < args.size()) {
        value = args[i++];
        has_value = true;
      }
      if (!has_value) {
        error = "flag needs an argument: -" + name;
        break;
      }
      error = Validate(*spec, name, value, true);
      if (!error.empty()) break;
    }
    if (spec->kind == FlagKind::kBool) value = base::ParseGoBool(value).value() ? "true" : "false";
    out->values_[name] = value;
    visited.insert(name);
  }
  out->args.assign(args.begin() + static_cast<ptrdiff_t>(i), args.end());
  // urfave's normalizeFlags: copy each value to the flag's other aliases.
  FlagErrors errors{error, ""};
  for (const auto& spec : *specs) {
    auto names = FlagNames(spec);
    if (names.size() < 2) continue;
    const std::string* first = nullptr;
    for (const auto& n : names) {
      if (!visited.count(n)) continue;
      if (first != nullptr) {
        errors.alias = "Cannot use two forms of the same flag: " + n + " " + *first;
        return errors;
      }
      first = &n;
    }
    if (first == nullptr) continue;
    std::string v = out->values_[*first];
    for (const auto& n : names) out->values_[n] = v;
  }
  return errors;
}

}  // namespace flotilla::cli::etcdctl

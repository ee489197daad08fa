#include "fleet/requirements.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "base/go_strconv.h"
#include "fleet/glob.h"
#include "unit/unit_name.h"

namespace flotilla::fleet {
namespace {

constexpr std::string_view kSection = "X-Fleet";

// The keys fleet knows (job.go validRequirements), deprecated ones included.
constexpr std::array<std::string_view, 11> kKnownKeys = {
    "MachineID",
    "X-ConditionMachineID",
    "X-ConditionMachineBootID",
    "X-ConditionMachineOf",
    "MachineOf",
    "X-Conflicts",
    "Conflicts",
    "X-ConditionMachineMetadata",
    "MachineMetadata",
    "Global",
    "Replaces",
};

bool Known(std::string_view key) {
  return std::find(kKnownKeys.begin(), kKnownKeys.end(), key) != kKnownKeys.end();
}

// unit.go parseMultivalueLine: only a value that starts and ends with '"'
// is split, at spaces outside quotes; the quotes themselves are dropped.
std::vector<std::string> SplitMultivalue(std::string_view line) {
  if (line.empty() || line.front() != '"' || line.back() != '"') return {std::string(line)};
  std::vector<std::string> values;
  std::string v;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (c == ' ' && !quoted) {
      values.push_back(std::move(v));
      v.clear();
      continue;
    }
    v.push_back(c);
  }
  values.push_back(std::move(v));
  return values;
}

// strings.Fields with ASCII whitespace.
std::vector<std::string> Fields(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  std::vector<std::string> out;
  size_t i = 0;
  while ((i = s.find_first_not_of(kSpace, i)) != std::string_view::npos) {
    size_t end = s.find_first_of(kSpace, i);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(s.substr(i, end - i));
    i = end;
  }
  return out;
}

// strings.Replace(s, from, to, -1).
std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// fleet's UnitNameInfo: full name, name without the type, prefix, instance.
struct NameInfo {
  std::string full, name, prefix, instance;
};

std::optional<NameInfo> NameInfoOf(std::string_view unit_name) {
  if (auto u = unit::ParseUnitName(unit_name); u.ok()) {
    return NameInfo{u->full, u->WithoutType(), u->prefix, u->instance};
  }
  // fleet's NewUnitNameInfo takes any name with a '.', including ones that
  // systemd refuses (an unknown type, a second '@'): everything before the
  // first '@' is the prefix, everything after it up to the last '.' the
  // instance.
  size_t dot = unit_name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  NameInfo n{std::string(unit_name), std::string(unit_name.substr(0, dot)), "", ""};
  size_t at = n.name.find('@');
  n.prefix = n.name.substr(0, at);
  if (at != std::string::npos) n.instance = n.name.substr(at + 1);
  return n;
}

const std::vector<std::string>& Get(const Requirements& r, const std::string& key) {
  static const std::vector<std::string> kNone;
  auto it = r.options.find(key);
  return it == r.options.end() ? kNone : it->second;
}

void Append(std::vector<std::string>& to, const std::vector<std::string>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

bool IsTruthy(std::string_view value) {
  std::string v(value);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "true" || v == "yes" || v == "1" || v == "on" || v == "t";
}

std::string UnitPrintf(std::string_view s, std::string_view unit_name) {
  auto n = NameInfoOf(unit_name);
  if (!n) return std::string(s);
  std::string out = ReplaceAll(std::string(s), "%n", n->full);
  out = ReplaceAll(std::move(out), "%N", n->name);
  out = ReplaceAll(std::move(out), "%p", n->prefix);
  return ReplaceAll(std::move(out), "%i", n->instance);
}

Requirements ParseRequirements(const unit::UnitFile& unit, std::string_view unit_name) {
  Requirements r;
  for (const auto& o : unit.options) {
    if (o.section != kSection) continue;
    std::vector<std::string> values = SplitMultivalue(o.value);
    if (o.name == "Conflicts" || o.name == "X-Conflicts") {
      std::vector<std::string> fields;
      for (const auto& v : values) Append(fields, Fields(v));
      values = std::move(fields);
    }
    auto [it, added] = r.options.try_emplace(o.name);
    for (const auto& v : values) it->second.push_back(UnitPrintf(v, unit_name));
    if (added && !Known(o.name)) {
      r.warnings.push_back("unrecognized requirement in [X-Fleet] section: " +
                           base::GoQuote(o.name));
    }
  }

  for (const char* key : {"MachineID", "X-ConditionMachineID", "X-ConditionMachineBootID"}) {
    const auto& ids = Get(r, key);
    if (!ids.empty()) {
      r.machine_id = ids.front();
      break;
    }
  }
  Append(r.machine_of, Get(r, "X-ConditionMachineOf"));
  Append(r.machine_of, Get(r, "MachineOf"));
  for (const char* key : {"X-ConditionMachineMetadata", "MachineMetadata"}) {
    for (const auto& pair : Get(r, key)) {
      size_t eq = pair.find('=');
      if (eq == std::string::npos || pair.find('=', eq + 1) != std::string::npos) continue;
      if (eq == 0 || eq + 1 == pair.size()) continue;
      r.metadata[pair.substr(0, eq)].insert(pair.substr(eq + 1));
    }
  }
  Append(r.conflicts, Get(r, "X-Conflicts"));
  Append(r.conflicts, Get(r, "Conflicts"));
  r.replaces = Get(r, "Replaces");
  if (const auto& g = Get(r, "Global"); !g.empty()) r.global = IsTruthy(g.back());

  for (const auto* globs : {&r.conflicts, &r.replaces}) {
    for (const auto& g : *globs) {
      if (auto st = GlobPatternError(g); !st.ok()) {
        r.warnings.push_back((globs == &r.conflicts ? "Conflicts pattern " : "Replaces pattern ") +
                             base::GoQuote(g) + " matches nothing: " + st.message());
      }
    }
  }
  return r;
}

}  // namespace flotilla::fleet

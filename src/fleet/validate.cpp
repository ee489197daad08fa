// ValidateRequirements and ValidateUnitName: fleet's api/units.go
// ValidateOptions and ValidateName, with their messages.
#include <array>

#include "base/go_strconv.h"
#include "fleet/glob.h"
#include "fleet/requirements.h"

namespace flotilla::fleet {
namespace {

constexpr size_t kUnitNameMax = 256;

constexpr std::array<std::string_view, 13> kUnitTypes = {
    "service",   "socket", "busname", "target", "snapshot", "device", "mount",
    "automount", "swap",   "timer",   "path",   "slice",    "scope"};
constexpr std::array<std::string_view, 5> kTemplateTypes = {"path", "service", "socket", "target",
                                                            "timer"};

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& set, std::string_view s) {
  for (auto x : set)
    if (x == s) return true;
  return false;
}

bool ValidChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '-' || c == '_' || c == '.' || c == '\\' || c == '@';
}

// Go's %q of the rune starting at s[0]: 'x', '\t', '\x01'; a non-ASCII
// byte sequence is shown as the bytes up to the next ASCII one.
std::string QuoteRune(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  if (c >= 0x80) {
    size_t n = 1;
    while (n < s.size() && n < 4 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
    return "'" + std::string(s.substr(0, n)) + "'";
  }
  std::string q = base::GoQuote(std::string(1, static_cast<char>(c)));
  q = q.substr(1, q.size() - 2);  // drop the double quotes
  if (q == "\\\"") q = "\"";
  if (q == "'") q = "\\'";
  return "'" + q + "'";
}

base::Status Invalid(std::string message) {
  return base::Status(base::Code::kInvalidArgument, std::move(message));
}

// pkg.NewUnsafeSet(values...).Values(), in first-seen order.
std::vector<std::string> Unique(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    bool seen = false;
    for (const auto& o : out) seen = seen || o == v;
    if (!seen) out.push_back(v);
  }
  return out;
}

}  // namespace

base::Status ValidateRequirements(const Requirements& r) {
  auto peers = Unique(r.machine_of);
  auto conflicts = Unique(r.conflicts);
  auto replaces = Unique(r.replaces);
  for (const auto& peer : peers) {
    for (const auto& conflict : conflicts) {
      if (GlobMatches(conflict, peer)) {
        return Invalid("unresolvable requirements: peer " + base::GoQuote(peer) +
                       " matches conflict " + base::GoQuote(conflict));
      }
    }
    for (const auto& replace : replaces) {
      if (GlobMatches(replace, peer)) {
        return Invalid("unresolvable requirements: peer " + base::GoQuote(peer) +
                       " matches replace " + base::GoQuote(replace));
      }
    }
  }
  const bool has_peers = !peers.empty();
  const bool has_conflicts = !conflicts.empty();
  const bool has_replaces = !replaces.empty();
  const bool has_target = r.machine_id.has_value();
  if (has_target && has_peers) return Invalid("MachineID cannot be used with Peers");
  if (has_target && has_conflicts) return Invalid("MachineID cannot be used with Conflicts");
  if (has_target && r.global) return Invalid("MachineID cannot be used with Global");
  if (has_target && has_replaces) return Invalid("MachineID cannot be used with Replaces");
  if (r.global && has_peers) return Invalid("Global cannot be used with Peers");
  if (r.global && has_replaces) return Invalid("Global cannot be used with Replaces");
  if (has_conflicts && has_replaces) return Invalid("Conflicts cannot be used with Replaces");
  return base::Status::Ok();
}

base::Status ValidateUnitName(std::string_view name) {
  if (name.empty()) return Invalid("unit name cannot be empty");
  if (name.size() > kUnitNameMax) {
    return Invalid("unit name exceeds maximum length (" + std::to_string(kUnitNameMax) + ")");
  }
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return Invalid("unit name must contain \".\"");
  if (dot == name.size() - 1) return Invalid("unit name cannot end in \".\"");
  std::string_view suffix = name.substr(dot + 1);
  if (!OneOf(kUnitTypes, suffix)) return Invalid("invalid unit type: " + base::GoQuote(suffix));
  for (size_t i = 0; i < dot; ++i) {
    if (!ValidChar(name[i])) {
      return Invalid("invalid character " + QuoteRune(name.substr(i)) + " in unit name");
    }
  }
  if (name.front() == '@') return Invalid("unit name cannot start in \"@\"");
  if (name.find('@') != std::string_view::npos && !OneOf(kTemplateTypes, suffix)) {
    return Invalid("invalid unit type for a template or instance: " + base::GoQuote(suffix));
  }
  return base::Status::Ok();
}

}  // namespace flotilla::fleet

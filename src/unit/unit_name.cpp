#include "unit/unit_name.h"

#include "base/go_strconv.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include <array>

namespace flotilla::unit {
namespace {

constexpr size_t kMaxName = 255;
constexpr std::array<std::string_view, 11> kTypes = {"service", "socket",    "target", "device",
                                                     "mount",   "automount", "swap",   "timer",
                                                     "path",    "slice",     "scope"};

bool ValidChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '_' || c == '.' || c == '-' || c == '\\';
}

base::Status Bad(std::string_view name, std::string_view why) {
  return base::Status(base::Code::kInvalidArgument,
                      fmt::format("invalid unit name '{}': {}", name.substr(0, 300), why));
}

}  // namespace

std::string UnitName::TemplateName() const {
  return templated ? prefix + "@." + type : "";
}

std::string UnitName::WithoutType() const {
  return full.substr(0, full.size() - type.size() - 1);
}

base::Result<UnitName> ParseUnitName(std::string_view name) {
  if (name.empty()) return Bad(name, "empty");
  if (name.size() > kMaxName) return Bad(name, fmt::format("longer than {} bytes", kMaxName));
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return Bad(name, "no type suffix (.service)");
  UnitName u;
  u.full = std::string(name);
  u.type = std::string(name.substr(dot + 1));
  bool known = false;
  for (auto t : kTypes) known = known || t == u.type;
  if (!known) return Bad(name, fmt::format("unknown unit type '{}'", u.type));
  std::string_view stem = name.substr(0, dot);
  size_t at = stem.find('@');
  std::string_view prefix = stem.substr(0, at);
  if (prefix.empty()) return Bad(name, "empty name before the type or '@'");
  if (at != std::string_view::npos) {
    u.templated = true;
    u.instance = std::string(stem.substr(at + 1));
    if (u.instance.find('@') != std::string::npos) return Bad(name, "more than one '@'");
  }
  u.prefix = std::string(prefix);
  for (char c : u.prefix + u.instance) {
    if (!ValidChar(c)) return Bad(name, fmt::format("character '{}' is not allowed", c));
  }
  return u;
}

base::Result<UnitName> Instantiate(const UnitName& tmpl, std::string_view instance) {
  if (!tmpl.IsTemplate()) {
    return base::Status(base::Code::kInvalidArgument, tmpl.full + " is not a template unit");
  }
  return ParseUnitName(tmpl.prefix + "@" + std::string(instance) + "." + tmpl.type);
}

std::string UnescapeUnitName(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-') {
      out += '/';
    } else if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' &&
               base::HexDigitValue(s[i + 2]) >= 0 && base::HexDigitValue(s[i + 3]) >= 0) {
      out += static_cast<char>(base::HexDigitValue(s[i + 2]) * 16 + base::HexDigitValue(s[i + 3]));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

SpecifierContext LocalSpecifierContext() {
  SpecifierContext c;
  char host[256] = "";
  if (::gethostname(host, sizeof host - 1) == 0) c.hostname = host;
  auto first_line = [](const char* path) {
    std::string line;
    std::ifstream in(path);
    std::getline(in, line);
    return line;
  };
  c.machine_id = first_line("/etc/machine-id");
  c.boot_id = first_line("/proc/sys/kernel/random/boot_id");
  // systemd prints the boot id without dashes, as the machine id.
  std::erase(c.boot_id, '-');
  return c;
}

base::Result<std::string> ExpandSpecifiers(std::string_view s, const UnitName& unit,
                                           const SpecifierContext& context) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 1 == s.size()) {
      return base::Status(
          base::Code::kInvalidArgument,
          fmt::format("'{}' ends with a lone '%' (write %% for a percent sign)", s.substr(0, 200)));
    }
    char c = s[++i];
    switch (c) {
      case 'n':
        out += unit.full;
        break;
      case 'N':
        out += unit.WithoutType();
        break;
      case 'p':
        out += unit.templated ? unit.prefix : unit.WithoutType();
        break;
      case 'P':
        out += UnescapeUnitName(unit.templated ? unit.prefix : unit.WithoutType());
        break;
      case 'i':
        out += unit.instance;
        break;
      case 'I':
        out += UnescapeUnitName(unit.instance);
        break;
      case 'H':
        out += context.hostname;
        break;
      case 'm':
        out += context.machine_id;
        break;
      case 'b':
        out += context.boot_id;
        break;
      case '%':
        out += '%';
        break;
      default:
        return base::Status(base::Code::kInvalidArgument,
                            fmt::format("unknown specifier '%{}' in '{}'", c, s.substr(0, 200)));
    }
  }
  return out;
}

}  // namespace flotilla::unit

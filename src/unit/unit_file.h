// UnitFile: a systemd unit file as a list of options, in file order
// (systemd.syntax(7)), parsed and serialized.
//
// Parsing follows systemd: `[Section]` headers; `Key=Value` assignments
// with whitespace around the key and the value dropped; lines starting
// with `#` or `;` are comments (also between continued lines); a line
// ending in `\` (not itself escaped as `\\`) continues on the next one,
// the backslash becoming a space;
// blank lines are ignored. Unknown sections and keys are kept, and repeated
// keys are all kept in order: what they mean is for the reader (Values()
// for list settings, where an empty assignment clears the list; Last() for
// single ones). Errors name the file, the line and what is wrong; nothing is
// half-parsed.
//
// Serialize() writes the options back as go-systemd's unit.Serialize does
// (fleet hashes that text): `[Section]` before the first option and, after a
// blank line, before every option whose section differs from the previous
// one; one `Key=Value` line per option. Hash() is the SHA-1 of that text in
// hex, fleet's unit hash, so equal units hash equal on every machine.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flotilla::unit {

struct UnitOption {
  std::string section;
  std::string name;
  std::string value;
  int line = 0;  // where the assignment started (0: not from a file)
  bool operator==(const UnitOption& o) const {
    return section == o.section && name == o.name && value == o.value;
  }
};

struct UnitFile {
  std::vector<UnitOption> options;

  // Every value of `name` in `section`, in order, from just after its last
  // empty assignment (systemd's list semantics).
  std::vector<std::string> Values(std::string_view section, std::string_view name) const;
  // The last value of `name` in `section` (the one systemd uses for
  // single-valued settings), if assigned at all.
  std::optional<std::string> Last(std::string_view section, std::string_view name) const;
  bool HasSection(std::string_view section) const;
  bool operator==(const UnitFile&) const = default;
};

// A logical line longer than this is refused (systemd's LONG_LINE_MAX).
inline constexpr size_t kMaxUnitLine = 1u << 20;

// `file` names the source in error messages ("web.service:12: ...").
base::Result<UnitFile> ParseUnitFile(std::string_view text, std::string_view file);

std::string Serialize(const UnitFile& unit);
std::string Hash(const UnitFile& unit);  // 40 hex digits

}  // namespace flotilla::unit

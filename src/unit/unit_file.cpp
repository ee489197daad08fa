#include "unit/unit_file.h"

#include <fmt/format.h>

#include "base/sha1.h"

namespace flotilla::unit {
namespace {

constexpr std::string_view kSpace = " \t\r\n\f\v";

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// Whether a line ends in a backslash that is not itself escaped ("a\\"
// is a literal backslash, "a\" continues).
bool Continues(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

bool IsComment(std::string_view line) {
  return !line.empty() && (line[0] == '#' || line[0] == ';');
}

// Splits text into physical lines (without their "\n").
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool Next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++number_;
    return true;
  }
  int number() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int number_ = 0;
};

}  // namespace

std::vector<std::string> UnitFile::Values(std::string_view section, std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& o : options) {
    if (o.section != section || o.name != name) continue;
    if (o.value.empty()) {
      out.clear();
    } else {
      out.push_back(o.value);
    }
  }
  return out;
}

std::optional<std::string> UnitFile::Last(std::string_view section, std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& o : options)
    if (o.section == section && o.name == name) out = o.value;
  return out;
}

bool UnitFile::HasSection(std::string_view section) const {
  for (const auto& o : options)
    if (o.section == section) return true;
  return false;
}

base::Result<UnitFile> ParseUnitFile(std::string_view text, std::string_view file) {
  UnitFile unit;
  std::string section;
  Lines lines(text);
  std::string_view raw;
  auto error = [&](int line, const std::string& what) {
    return base::Status(base::Code::kInvalidArgument, fmt::format("{}:{}: {}", file, line, what));
  };
  while (lines.Next(raw)) {
    std::string_view line = Trim(raw);
    if (line.empty() || IsComment(line)) continue;
    int start = lines.number();
    // Join continued lines: "\" at the end becomes a space; comment lines
    // in between are skipped, as systemd does.
    std::string logical(line);
    while (Continues(logical)) {
      logical.back() = ' ';
      std::string_view next;
      bool more = false;
      while ((more = lines.Next(next))) {
        next = Trim(next);
        if (!IsComment(next)) break;
      }
      if (!more) break;
      logical += next;
      if (logical.size() > kMaxUnitLine) break;
    }
    if (logical.size() > kMaxUnitLine) {
      return error(start, fmt::format("line longer than {} bytes", kMaxUnitLine));
    }
    std::string_view l = Trim(logical);
    if (l.empty()) continue;  // a lone "\" continued into a blank line
    if (l.front() == '[') {
      size_t close = l.find(']');
      if (close == std::string_view::npos) return error(start, "section header without ']'");
      if (close + 1 != l.size()) {
        return error(
            start, fmt::format("unexpected text after section header: '{}'", l.substr(close + 1)));
      }
      std::string_view name = l.substr(1, close - 1);
      if (name.empty()) return error(start, "empty section name");
      for (char c : name) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '[' || c == ']') {
          return error(start, "invalid character in section name");
        }
      }
      section = std::string(name);
      continue;
    }
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      return error(start, fmt::format("'{}' is not an assignment (Key=Value), a section header "
                                      "or a comment",
                                      l.substr(0, 80)));
    }
    std::string_view key = Trim(l.substr(0, eq));
    if (key.empty()) return error(start, "assignment without a key");
    if (section.empty()) {
      return error(start,
                   fmt::format("assignment to '{}' outside of any [Section]", key.substr(0, 80)));
    }
    std::string_view value = Trim(l.substr(eq + 1));
    if (Continues(value)) {
      // Only a continuation into a blank line or the end does this; written
      // back, the value would swallow the next line.
      return error(start, "the value ends in a lone backslash (write \\\\ for a backslash)");
    }
    unit.options.push_back({section, std::string(key), std::string(value), start});
  }
  return unit;
}

std::string Serialize(const UnitFile& unit) {
  std::string out;
  const std::string* current = nullptr;
  for (const auto& o : unit.options) {
    if (!current || *current != o.section) {
      if (current) out += '\n';
      out += '[';
      out += o.section;
      out += "]\n";
      current = &o.section;
    }
    out += o.name;
    out += '=';
    out += o.value;
    out += '\n';
  }
  return out;
}

std::string Hash(const UnitFile& unit) {
  return base::Sha1Hex(Serialize(unit));
}

}  // namespace flotilla::unit

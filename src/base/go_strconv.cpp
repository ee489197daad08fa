#include "base/go_strconv.h"

#include <charconv>

#include <cstdio>
#include <limits>

namespace flotilla::base {
namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Go's underscoreOK: '_' only between digits, or right after a base prefix.
bool UnderscoresOk(std::string_view s) {
  char saw = '^';  // '^' start, '0' digit or prefix, '_' underscore, '!' other
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x' || p == 'o' || p == 'b') {
      i = 2;
      saw = '0';
      hex = p == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && DigitValue(c) < 16)) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

}  // namespace

std::optional<int64_t> ParseGoInt(std::string_view s, NumError* error) {
  *error = NumError::kSyntax;
  if (s.empty()) return std::nullopt;
  std::string_view orig = s;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  bool prefixed = false;
  if (!s.empty() && s[0] == '0') {
    if (s.size() >= 2 && (s[1] | 0x20) == 'x') {
      base = 16, s.remove_prefix(2), prefixed = true;
    } else if (s.size() >= 2 && (s[1] | 0x20) == 'o') {
      base = 8, s.remove_prefix(2), prefixed = true;
    } else if (s.size() >= 2 && (s[1] | 0x20) == 'b') {
      base = 2, s.remove_prefix(2), prefixed = true;
    } else {
      base = 8, s.remove_prefix(1), prefixed = true;
    }
  }
  if (s.empty() && !(prefixed && base == 8)) return std::nullopt;
  uint64_t n = 0;
  bool underscores = false, overflow = false;
  for (char c : s) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    int d = DigitValue(c);
    if (d >= base) return std::nullopt;
    if (n > (std::numeric_limits<uint64_t>::max() - d) / base) {
      overflow = true;
      continue;
    }
    n = n * base + d;
  }
  if (underscores && !UnderscoresOk(orig)) return std::nullopt;
  uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || n > limit) {
    *error = NumError::kRange;
    return std::nullopt;
  }
  *error = NumError::kNone;
  return neg ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
}

std::optional<bool> ParseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

std::optional<int64_t> ParseGoDuration(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  long double total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return std::nullopt;
    long double whole = 0, frac = 0, scale = 1;
    bool digits = false;
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
      whole = whole * 10 + (s[0] - '0');
      digits = true;
      s.remove_prefix(1);
    }
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
        frac = frac * 10 + (s[0] - '0');
        scale *= 10;
        digits = true;
        s.remove_prefix(1);
      }
    }
    if (!digits) return std::nullopt;
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    long double mult;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      mult = 1e3;
    } else if (unit == "ms") {
      mult = 1e6;
    } else if (unit == "s") {
      mult = 1e9;
    } else if (unit == "m") {
      mult = 60e9;
    } else if (unit == "h") {
      mult = 3600e9;
    } else {
      return std::nullopt;  // missing or unknown unit
    }
    total += (whole + frac / scale) * mult;
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  }
  auto ns = static_cast<int64_t>(total);
  return neg ? -ns : ns;
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8 sequences are kept; invalid bytes become \xNN.
    size_t len = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    }
  }
  out += '"';
  return out;
}

std::optional<uint64_t> ParseGoUint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

int HexDigitValue(char c) {
  int v = DigitValue(c);
  return v < 16 ? v : -1;
}

}  // namespace flotilla::base

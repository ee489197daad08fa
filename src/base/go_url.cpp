#include "base/go_url.h"

#include <cctype>

#include "base/go_strconv.h"

namespace flotilla::base {
namespace {

bool IsAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

void AppendPercent(std::string& out, unsigned char c) {
  static const char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// url.unescape in path mode; false on a bad %-escape.
bool UnescapePath(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      *out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

}  // namespace

std::string PathClean(std::string_view p) {
  if (p.empty()) return ".";
  bool rooted = p[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    i = j + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(seg);
      }
      continue;
    }
    parts.push_back(seg);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out.append(parts[k]);
  }
  return out.empty() ? "." : out;
}

std::string PathJoin(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return "";
  if (a.empty()) return PathClean(b);
  if (b.empty()) return PathClean(a);
  return PathClean(std::string(a) + "/" + std::string(b));
}

std::string CanonicalUrlPath(std::string_view p) {
  if (p.empty()) return "/";
  std::string s = p[0] == '/' ? std::string(p) : "/" + std::string(p);
  std::string np = PathClean(s);
  if (s.back() == '/' && np != "/") np += '/';
  return np;
}

std::string EscapePath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    bool keep = IsAlnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '$' ||
                c == '&' || c == '+' || c == ',' || c == '/' || c == ':' || c == ';' || c == '=' ||
                c == '@';
    if (keep) {
      out += ch;
    } else {
      AppendPercent(out, c);
    }
  }
  return out;
}

std::string QueryEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsAlnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      AppendPercent(out, c);
    }
  }
  return out;
}

std::string UrlValues::Encode() const {
  std::string out;
  for (const auto& [key, vals] : values_) {
    std::string k = QueryEscape(key);
    for (const auto& v : vals) {
      if (!out.empty()) out += '&';
      out += k;
      out += '=';
      out += QueryEscape(v);
    }
  }
  return out;
}

std::string GoUrl::String() const {
  std::string out;
  if (!opaque.empty()) {
    out = scheme + ":" + opaque;
  } else {
    if (!scheme.empty()) out = scheme + ":";
    if (!scheme.empty() || !host.empty()) {
      if (!host.empty() || !path.empty()) out += "//";
      out += host;
    }
    std::string p = EscapePath(path);
    if (!p.empty() && p[0] != '/' && !host.empty()) out += '/';
    out += p;
  }
  if (!raw_query.empty()) out += "?" + raw_query;
  return out;
}

std::optional<GoUrl> ParseGoUrl(std::string_view raw, std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = "parse " + GoQuote(raw) + ": " + why;
    return std::nullopt;
  };
  GoUrl u;
  std::string_view rest = raw;
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  // getScheme: letters first, then letters, digits, '+', '-', '.'.
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (std::isalpha(static_cast<unsigned char>(c))) continue;
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return fail("missing protocol scheme");
      u.scheme = std::string(rest.substr(0, i));
      for (char& ch : u.scheme)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      rest.remove_prefix(i + 1);
    }
    break;
  }
  size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    u.raw_query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (!rest.empty() && rest[0] != '/' && !u.scheme.empty()) {
    u.opaque = std::string(rest);
    return u;
  }
  if (rest.substr(0, 2) == "//" && !u.scheme.empty()) {
    rest.remove_prefix(2);
    size_t slash = rest.find('/');
    u.host = std::string(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    size_t at = u.host.rfind('@');
    if (at != std::string::npos) u.host = u.host.substr(at + 1);
  } else if (u.scheme.empty()) {
    size_t colon = rest.find(':');
    size_t slash = rest.find('/');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
      return fail("first path segment in URL cannot contain colon");
    }
  }
  if (!UnescapePath(rest, &u.path)) return fail("invalid URL escape");
  return u;
}

}  // namespace flotilla::base

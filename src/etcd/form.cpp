#include "etcd/form.h"

#include <algorithm>
#include <charconv>

namespace flotilla::etcd {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's EscapeError text for the first malformed escape of `s`.
std::string BadEscapeText(std::string_view s) {
  size_t i = 0;
  for (; i < s.size(); ++i)
    if (s[i] == '%' && (i + 2 >= s.size() || HexValue(s[i + 1]) < 0 || HexValue(s[i + 2]) < 0))
      break;
  std::string_view bad = s.substr(std::min(i, s.size()), 3);
  std::string quoted = "\"";
  for (char c : bad) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return "invalid URL escape " + quoted;
}

}  // namespace

std::string_view Form::First(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.empty()) return {};
  return it->second.front();
}

void Form::Append(const Form& other) {
  for (const auto& [k, vs] : other.values_) {
    auto& mine = values_[k];
    mine.insert(mine.end(), vs.begin(), vs.end());
  }
}

std::optional<std::string> Unescape(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> ParseQuery(std::string_view query, Form& form) {
  std::optional<std::string> err;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.find(';') != std::string_view::npos) {
      if (!err) err = "invalid semicolon separator in query";
      continue;
    }
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto key = Unescape(k, true);
    auto value = key ? Unescape(v, true) : std::nullopt;
    if (!key || !value) {
      if (!err) err = BadEscapeText(key ? v : k);
      continue;
    }
    form.Add(std::move(*key), std::move(*value));
  }
  return err;
}

std::string CleanPath(std::string_view p) {
  if (p.empty()) return "/";
  bool rooted = p.front() == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    if (seg.empty() || seg == ".") {
    } else if (seg == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!rooted) parts.push_back(seg);
    } else {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out += '/';
    out += parts[k];
  }
  if (out.empty()) out = ".";
  if (p.back() == '/' && out != "/") out += '/';
  return out;
}

std::string EscapePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("-_.~/!$&'()*+,;=:@").find(static_cast<char>(c)) !=
                    std::string_view::npos;
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<bool> ParseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
    return false;
  return std::nullopt;
}

std::optional<uint64_t> ParseGoUint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // Go accepts underscores only with a base prefix; base 10 is digits only.
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace flotilla::etcd

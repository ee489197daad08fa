#include "etcd/form.h"

#include "base/go_strconv.h"

#include <algorithm>

namespace flotilla::etcd {
namespace {

// Go's EscapeError text for the first malformed escape of `s`.
std::string BadEscapeText(std::string_view s) {
  size_t i = 0;
  for (; i < s.size(); ++i)
    if (s[i] == '%' && (i + 2 >= s.size() || base::HexDigitValue(s[i + 1]) < 0 ||
                        base::HexDigitValue(s[i + 2]) < 0))
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

}  // namespace flotilla::etcd

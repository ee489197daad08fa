#include "unit/env_file.h"

#include <fmt/format.h>

namespace flotilla::unit {
namespace {

bool Blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

bool KeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

base::Result<EnvVars> ParseEnvironmentFile(std::string_view text, std::string_view file) {
  EnvVars vars;
  size_t i = 0;
  int line = 1;
  auto error = [&](int at, std::string_view what) {
    return base::Status(base::Code::kInvalidArgument, fmt::format("{}:{}: {}", file, at, what));
  };
  auto set = [&](std::string key, std::string value) {
    for (auto& [k, v] : vars) {
      if (k == key) {
        v = std::move(value);
        return;
      }
    }
    vars.emplace_back(std::move(key), std::move(value));
  };
  while (i < text.size()) {
    while (i < text.size() && Blank(text[i])) ++i;
    if (i == text.size()) break;
    if (text[i] == '\n') {
      ++i, ++line;
      continue;
    }
    int start = line;
    if (text[i] == '#' || text[i] == ';') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (text.substr(i, 7) == "export ") i += 7;
    while (i < text.size() && Blank(text[i])) ++i;
    size_t k = i;
    while (i < text.size() && KeyChar(text[i])) ++i;
    std::string key(text.substr(k, i - k));
    while (i < text.size() && Blank(text[i])) ++i;
    if (key.empty() || (key[0] >= '0' && key[0] <= '9') || i == text.size() || text[i] != '=') {
      size_t end = text.find('\n', k);
      return error(start, fmt::format("'{}' is not a KEY=VALUE assignment",
                                      text.substr(k, std::min<size_t>(end - k, 80))));
    }
    ++i;  // '='
    while (i < text.size() && Blank(text[i])) ++i;
    std::string value;
    size_t last_unquoted = 0;  // value size after the last quoted or escaped char
    while (i < text.size() && text[i] != '\n') {
      char c = text[i];
      if (c == '\'') {
        size_t close = text.find('\'', i + 1);
        if (close == std::string_view::npos) return error(start, "unterminated ' quote");
        for (size_t j = i + 1; j < close; ++j) line += text[j] == '\n';
        value.append(text.substr(i + 1, close - i - 1));
        i = close + 1;
        last_unquoted = value.size();
      } else if (c == '"') {
        ++i;
        for (;;) {
          if (i >= text.size()) return error(start, "unterminated \" quote");
          char d = text[i];
          if (d == '"') break;
          if (d == '\\' && i + 1 < text.size()) {
            char e = text[i + 1];
            if (e == '"' || e == '\\' || e == '$' || e == '`') {
              value += e;
              i += 2;
              continue;
            }
            if (e == '\n') {
              i += 2, ++line;
              continue;
            }
          }
          if (d == '\n') ++line;
          value += d;
          ++i;
        }
        ++i;
        last_unquoted = value.size();
      } else if (c == '\\' && i + 1 < text.size()) {
        if (text[i + 1] == '\n') {
          ++line;
        } else {
          value += text[i + 1];
        }
        i += 2;
        last_unquoted = value.size();
      } else {
        value += c;
        ++i;
      }
    }
    // Unquoted trailing blanks are dropped.
    while (value.size() > last_unquoted && Blank(value.back())) value.pop_back();
    set(std::move(key), std::move(value));
  }
  return vars;
}

}  // namespace flotilla::unit

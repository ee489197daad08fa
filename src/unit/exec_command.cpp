#include "unit/exec_command.h"

#include <fmt/format.h>

namespace flotilla::unit {
namespace {

base::Status Bad(std::string_view value, std::string_view why) {
  return base::Status(base::Code::kInvalidArgument,
                      fmt::format("bad command line '{}': {}", value.substr(0, 200), why));
}

bool Blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int Digit(char c, int base) {
  int v = -1;
  if (c >= '0' && c <= '9') v = c - '0';
  if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
  if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
  return v < base ? v : -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Decodes the escape at s[i] == '\\' into `out`; advances i past it.
base::Status Unescape(std::string_view s, size_t& i, std::string& out) {
  if (i + 1 >= s.size()) return Bad(s, "a backslash at the end");
  char c = s[i + 1];
  i += 2;
  switch (c) {
    case 'a':
      out += '\a';
      return base::Status::Ok();
    case 'b':
      out += '\b';
      return base::Status::Ok();
    case 'f':
      out += '\f';
      return base::Status::Ok();
    case 'n':
      out += '\n';
      return base::Status::Ok();
    case 'r':
      out += '\r';
      return base::Status::Ok();
    case 't':
      out += '\t';
      return base::Status::Ok();
    case 'v':
      out += '\v';
      return base::Status::Ok();
    case 's':
      out += ' ';
      return base::Status::Ok();
    case '\\':
    case '"':
    case '\'':
    case ' ':
      out += c;
      return base::Status::Ok();
    default:
      break;
  }
  int base = 0, digits = 0;
  if (c == 'x') base = 16, digits = 2;
  if (c == 'u') base = 16, digits = 4;
  if (c == 'U') base = 16, digits = 8;
  if (c >= '0' && c <= '7') base = 8, digits = 3, --i;
  if (base == 0) return Bad(s, fmt::format("unknown escape '\\{}'", c));
  uint32_t v = 0;
  for (int k = 0; k < digits; ++k, ++i) {
    int d = i < s.size() ? Digit(s[i], base) : -1;
    if (d < 0) return Bad(s, fmt::format("escape '\\{}' needs {} digits", c, digits));
    v = v * base + d;
  }
  if (v == 0) return Bad(s, "an escaped NUL byte");
  if (c == 'u' || c == 'U') {
    if (v > 0x10ffff) return Bad(s, "escaped code point out of range");
    AppendUtf8(out, v);
  } else {
    if (v > 0xff) return Bad(s, "octal escape over \\377");
    out += static_cast<char>(v);
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<std::vector<std::string>> SplitQuotedWords(std::string_view s) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && Blank(s[i])) ++i;
    if (i == s.size()) break;
    std::string word;
    while (i < s.size() && !Blank(s[i])) {
      char c = s[i];
      if (c == '"' || c == '\'') {
        ++i;
        for (;;) {
          if (i >= s.size()) return Bad(s, fmt::format("unterminated {} quote", c));
          if (s[i] == c) {
            ++i;
            break;
          }
          if (s[i] == '\\') {
            FLOTILLA_RETURN_IF_ERROR(Unescape(s, i, word));
          } else {
            word += s[i++];
          }
        }
      } else if (c == '\\') {
        FLOTILLA_RETURN_IF_ERROR(Unescape(s, i, word));
      } else {
        word += c;
        ++i;
      }
    }
    words.push_back(std::move(word));
  }
  return words;
}

base::Result<ExecCommand> ParseExecCommand(std::string_view value) {
  ExecCommand cmd;
  size_t i = 0;
  while (i < value.size() && Blank(value[i])) ++i;
  for (; i < value.size(); ++i) {
    char c = value[i];
    if (c == '-') {
      cmd.ignore_failure = true;
    } else if (c == '@') {
      cmd.argv0_from_second = true;
    } else if (c == ':') {
      cmd.no_expand = true;
    } else if (c == '+' || c == '!') {
      cmd.privileged = true;
    } else {
      break;
    }
  }
  auto words = SplitQuotedWords(value.substr(i));
  if (!words.ok()) return words.status();
  if (words->empty()) return Bad(value, "no command");
  cmd.path = (*words)[0];
  if (cmd.path.empty()) return Bad(value, "empty executable path");
  if (cmd.argv0_from_second) {
    if (words->size() < 2) return Bad(value, "'@' needs argv[0] after the path");
    cmd.argv.assign(words->begin() + 1, words->end());
  } else {
    cmd.argv = std::move(*words);
  }
  return cmd;
}

std::vector<std::string> ExpandEnvironment(const ExecCommand& command,
                                           const std::map<std::string, std::string>& env) {
  if (command.no_expand) return command.argv;
  auto lookup = [&](const std::string& name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  auto is_name = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::vector<std::string> out;
  for (const auto& word : command.argv) {
    // A word that is exactly $NAME splits into the value's words.
    if (word.size() > 1 && word[0] == '$' && word[1] != '{' && word[1] != '$') {
      bool whole = true;
      for (size_t k = 1; k < word.size(); ++k) whole = whole && is_name(word[k]);
      if (whole) {
        auto split = SplitQuotedWords(lookup(word.substr(1)));
        if (split.ok()) {
          out.insert(out.end(), split->begin(), split->end());
        } else {
          out.push_back(lookup(word.substr(1)));
        }
        continue;
      }
    }
    std::string expanded;
    for (size_t k = 0; k < word.size(); ++k) {
      if (word[k] == '$' && k + 1 < word.size() && word[k + 1] == '$') {
        expanded += '$';
        ++k;
      } else if (word[k] == '$' && k + 1 < word.size() && word[k + 1] == '{') {
        size_t close = word.find('}', k + 2);
        if (close == std::string::npos) {
          expanded += word.substr(k);
          break;
        }
        expanded += lookup(word.substr(k + 2, close - k - 2));
        k = close;
      } else {
        expanded += word[k];
      }
    }
    out.push_back(std::move(expanded));
  }
  return out;
}

}  // namespace flotilla::unit

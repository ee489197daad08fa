#include "storage/numbered_name.h"

#include <fmt/format.h>

#include <charconv>

namespace flotilla::storage {
namespace {

bool ParseHex16(std::string_view s, uint64_t& v) {
  if (s.size() != 16) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::string NumberedName(uint64_t a, uint64_t b, std::string_view suffix) {
  return fmt::format("{:016x}-{:016x}{}", a, b, suffix);
}

bool ParseNumberedName(std::string_view name, std::string_view suffix, uint64_t& a, uint64_t& b) {
  if (name.size() != 33 + suffix.size() || !name.ends_with(suffix) || name[16] != '-') return false;
  return ParseHex16(name.substr(0, 16), a) && ParseHex16(name.substr(17, 16), b);
}

}  // namespace flotilla::storage

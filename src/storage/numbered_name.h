// File names of the form "<a:016x>-<b:016x><suffix>", the naming scheme of
// WAL segments (seq-first index) and snapshots (term-index). Fixed-width
// lower-case hex, so names sort like the numbers. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flotilla::storage {

std::string NumberedName(uint64_t a, uint64_t b, std::string_view suffix);
// Parses exactly the names NumberedName makes; anything else is false.
bool ParseNumberedName(std::string_view name, std::string_view suffix, uint64_t& a, uint64_t& b);

}  // namespace flotilla::storage

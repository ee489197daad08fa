// Go's spelling of values, for a client that must print and parse exactly as
// the Go etcdctl does: strconv.ParseInt (base 0), ParseBool, Quote (%q) and
// time.ParseDuration. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flotilla::base {

enum class NumError { kNone, kSyntax, kRange };

// strconv.ParseInt(s, 0, 64): optional sign, then 0x/0o/0b/0 prefixes and
// '_' separators as Go allows them.
std::optional<int64_t> ParseGoInt(std::string_view s, NumError* error);

// strconv.ParseUint(s, 10, 64): digits only, no sign, no prefix.
std::optional<uint64_t> ParseGoUint(std::string_view s);

// strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
std::optional<bool> ParseGoBool(std::string_view s);

// time.ParseDuration, in nanoseconds ("2s", "1m30s", "-1.5h", "0").
std::optional<int64_t> ParseGoDuration(std::string_view s);

// strconv.Quote / fmt's %q: a double-quoted Go string literal.
std::string GoQuote(std::string_view s);

// The value of a hex digit (0-15), or -1 for any other character.
int HexDigitValue(char c);

}  // namespace flotilla::base

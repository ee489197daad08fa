// Go's path.Match, byte for byte: the glob language of fleet's Conflicts=
// and Replaces= (agent/state.go globMatches calls path.Match).
//
//   *        any run of bytes other than '/'
//   ?        one character (a UTF-8 sequence, or one invalid byte) other than '/'
//   [a-z0]   one character in the class; [^...] negates it ('!' does not)
//   \c       c itself
//
// A malformed pattern (an unclosed '[', an empty class, a trailing '\',
// a range without its end) is Go's ErrBadPattern: PathMatch returns an
// error, GlobMatches treats it as no match (as fleet does, which only logs
// it), and GlobPatternError lets a caller report the pattern up front. As in
// Go 1.16 and later, the whole pattern is checked even after a mismatch.
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "base/status.h"

namespace flotilla::fleet {

// path.Match(pattern, name): whether name matches, or kInvalidArgument
// "syntax error in pattern" (Go's ErrBadPattern text).
base::Result<bool> PathMatch(std::string_view pattern, std::string_view name);

// fleet's globMatches: PathMatch with a bad pattern matching nothing.
bool GlobMatches(std::string_view pattern, std::string_view name);

// The ErrBadPattern a pattern gives, if any (it is the same for every name).
base::Status GlobPatternError(std::string_view pattern);

}  // namespace flotilla::fleet

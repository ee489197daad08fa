// A transcription of Go's src/path/match.go (Match, scanChunk, matchChunk,
// getEsc), keeping its structure so the two can be compared line by line.
#include "fleet/glob.h"

#include <cstdint>

namespace flotilla::fleet {
namespace {

constexpr char32_t kRuneError = 0xFFFD;

base::Status BadPattern() {
  return base::Status(base::Code::kInvalidArgument, "syntax error in pattern");
}

// utf8.DecodeRuneInString: the first rune of s and its length; an invalid
// or truncated sequence is (RuneError, 1), the empty string (RuneError, 0).
char32_t DecodeRune(std::string_view s, size_t* n) {
  if (s.empty()) {
    *n = 0;
    return kRuneError;
  }
  const auto b0 = static_cast<uint8_t>(s[0]);
  *n = 1;
  if (b0 < 0x80) return b0;
  size_t len;
  char32_t r;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, r = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, r = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    return kRuneError;
  }
  if (s.size() < len) return kRuneError;
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<uint8_t>(s[i]);
    if ((b & 0xC0) != 0x80) return kRuneError;
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return kRuneError;
  *n = len;
  return r;
}

// The leading stars of pattern, the chunk up to the next star outside a
// class, and the rest.
void ScanChunk(std::string_view pattern, bool* star, std::string_view* chunk,
               std::string_view* rest) {
  *star = false;
  while (!pattern.empty() && pattern[0] == '*') {
    pattern.remove_prefix(1);
    *star = true;
  }
  bool inrange = false;
  size_t i = 0;
  for (; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size()) ++i;  // a trailing '\' is matchChunk's error
    } else if (c == '[') {
      inrange = true;
    } else if (c == ']') {
      inrange = false;
    } else if (c == '*' && !inrange) {
      break;
    }
  }
  *chunk = pattern.substr(0, i);
  *rest = pattern.substr(i);
}

// One (possibly escaped) character of a class; false on ErrBadPattern.
bool GetEsc(std::string_view* chunk, char32_t* r) {
  std::string_view c = *chunk;
  if (c.empty() || c[0] == '-' || c[0] == ']') return false;
  if (c[0] == '\\') {
    c.remove_prefix(1);
    if (c.empty()) return false;
  }
  size_t n;
  *r = DecodeRune(c, &n);
  if (*r == kRuneError && n == 1) return false;
  c.remove_prefix(n);
  if (c.empty()) return false;
  *chunk = c;
  return true;
}

enum class ChunkResult { kMatch, kNoMatch, kBadPattern };

// Matches chunk against the start of s, leaving what follows in *rest. After
// a mismatch it keeps reading the chunk, so a malformed one is always seen.
ChunkResult MatchChunk(std::string_view chunk, std::string_view s, std::string_view* rest) {
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && s.empty()) failed = true;
    switch (chunk[0]) {
      case '[': {
        char32_t r = 0;
        if (!failed) {
          size_t n;
          r = DecodeRune(s, &n);
          s.remove_prefix(n);
        }
        chunk.remove_prefix(1);
        bool negated = false;
        if (!chunk.empty() && chunk[0] == '^') {
          negated = true;
          chunk.remove_prefix(1);
        }
        bool match = false;
        int nrange = 0;
        for (;;) {
          if (!chunk.empty() && chunk[0] == ']' && nrange > 0) {
            chunk.remove_prefix(1);
            break;
          }
          char32_t lo, hi;
          if (!GetEsc(&chunk, &lo)) return ChunkResult::kBadPattern;
          hi = lo;
          if (chunk[0] == '-') {
            chunk.remove_prefix(1);
            if (!GetEsc(&chunk, &hi)) return ChunkResult::kBadPattern;
          }
          if (lo <= r && r <= hi) match = true;
          ++nrange;
        }
        if (match == negated) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (s[0] == '/') failed = true;
          size_t n;
          DecodeRune(s, &n);
          s.remove_prefix(n);
        }
        chunk.remove_prefix(1);
        break;
      case '\\':
        chunk.remove_prefix(1);
        if (chunk.empty()) return ChunkResult::kBadPattern;
        [[fallthrough]];
      default:
        if (!failed) {
          if (chunk[0] != s[0]) failed = true;
          s.remove_prefix(1);
        }
        chunk.remove_prefix(1);
        break;
    }
  }
  if (failed) return ChunkResult::kNoMatch;
  *rest = s;
  return ChunkResult::kMatch;
}

}  // namespace

base::Result<bool> PathMatch(std::string_view pattern, std::string_view name) {
  while (!pattern.empty()) {
    bool star;
    std::string_view chunk;
    ScanChunk(pattern, &star, &chunk, &pattern);
    if (star && chunk.empty()) {
      // A trailing * matches the rest of the name unless it has a '/'.
      return name.find('/') == std::string_view::npos;
    }
    // Look for a match at the current position; the last chunk must
    // consume the whole name.
    std::string_view t;
    ChunkResult res = MatchChunk(chunk, name, &t);
    if (res == ChunkResult::kMatch && (t.empty() || !pattern.empty())) {
      name = t;
      continue;
    }
    if (res == ChunkResult::kBadPattern) return BadPattern();
    bool matched = false;
    if (star) {
      // Look for a match skipping i+1 bytes; a star cannot skip '/'.
      for (size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
        res = MatchChunk(chunk, name.substr(i + 1), &t);
        if (res == ChunkResult::kMatch) {
          if (pattern.empty() && !t.empty()) continue;
          name = t;
          matched = true;
          break;
        }
        if (res == ChunkResult::kBadPattern) return BadPattern();
      }
    }
    if (matched) continue;
    // Before answering no, check that the rest of the pattern is well formed.
    while (!pattern.empty()) {
      ScanChunk(pattern, &star, &chunk, &pattern);
      if (MatchChunk(chunk, "", &t) == ChunkResult::kBadPattern) return BadPattern();
    }
    return false;
  }
  return name.empty();
}

bool GlobMatches(std::string_view pattern, std::string_view name) {
  auto m = PathMatch(pattern, name);
  return m.ok() && *m;
}

base::Status GlobPatternError(std::string_view pattern) {
  auto m = PathMatch(pattern, "");
  return m.ok() ? base::Status::Ok() : m.status();
}

}  // namespace flotilla::fleet

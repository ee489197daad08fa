// Page tokens of the fleet v1 API (reference: fleet.md 3.3; fleet's
// api/pagination.go). A token is the URL-safe base64 (padded) of the
// little-endian pair {uint16 Limit, uint16 Page}; the server accepts only
// tokens whose Limit is its own token_limit and whose Page is not 0, and
// answers the others with fleet's 400 texts:
//   "too many values for page token"         nextPageToken given twice
//   "illegal base64 data at input byte N"    Go's base64 error
//   "EOF" / "unexpected EOF"                 fewer than 4 bytes decoded
//   "token limit must be 100"
//   "token page must be greater than zero"
//
// Slicing is fleet's too: page P holds items [(P-1)*L, P*L); a page that
// is full gets a next token even when nothing follows (the next page is
// then empty and has none). Every page re-reads the whole collection, so
// pages are not a consistent snapshot (fleet #1172). fleet computes the
// bounds in uint16 and wraps past 65535 items; here they are exact. Pure
// functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flotilla::fleet {

struct PageToken {
  uint16_t limit = 100;
  uint16_t page = 1;
  PageToken Next() const { return {limit, static_cast<uint16_t>(page + 1)}; }
  bool operator==(const PageToken&) const = default;
};

std::string EncodePageToken(PageToken token);
// Go's base64.URLEncoding.DecodeString then binary.Read; errors in Go's words.
base::Result<PageToken> DecodePageToken(std::string_view text);

// The token of a list request: the first page for none, else the decoded
// and validated value of nextPageToken (`values` are all the values the
// query gave it).
base::Result<PageToken> FindPageToken(const std::vector<std::string>& values, uint16_t limit);

// The items of page `token` of `all`, and the token of the next page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<PageToken> next;
};

template <typename T>
Page<T> SlicePage(const std::vector<T>& all, PageToken token) {
  Page<T> out;
  size_t start = size_t{token.page - 1u} * token.limit;
  size_t stop = size_t{token.page} * token.limit;
  if (start < all.size()) {
    if (stop > all.size()) {
      stop = all.size();
    } else {
      out.next = token.Next();
    }
    out.items.assign(all.begin() + static_cast<ptrdiff_t>(start),
                     all.begin() + static_cast<ptrdiff_t>(stop));
  }
  return out;
}

}  // namespace flotilla::fleet

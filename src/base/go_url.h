// URLs the way Go's net/url and path packages build them, so that the
// requests (and the --debug curl lines) match the Go etcd client's byte for
// byte: path.Clean/Join, percent-encoding of paths and query components,
// url.Values.Encode (keys sorted) and url.URL.String(). Pure; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::base {

// path.Clean: lexical clean-up of a slash-separated path.
std::string PathClean(std::string_view p);
// path.Join: the non-empty elements joined with '/', then cleaned.
std::string PathJoin(std::string_view a, std::string_view b);
// etcd's pathutil.CanonicalURLPath: rooted, cleaned, trailing '/' kept.
std::string CanonicalUrlPath(std::string_view p);

// url.PathEscape-like escaping of a whole path ("/a b" -> "/a%20b").
std::string EscapePath(std::string_view path);
// url.QueryEscape ("a b&c" -> "a+b%26c").
std::string QueryEscape(std::string_view s);

// url.Values: repeated keys allowed; Encode() sorts by key.
class UrlValues {
 public:
  void Set(const std::string& key, std::string value) { values_[key] = {std::move(value)}; }
  void Add(const std::string& key, std::string value) { values_[key].push_back(std::move(value)); }
  bool empty() const { return values_.empty(); }
  std::string Encode() const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// The parts of url.URL a v2 client uses. Host includes the port.
struct GoUrl {
  std::string scheme;
  std::string opaque;
  std::string host;
  std::string path;       // decoded
  std::string raw_query;  // encoded

  std::string String() const;
};

// url.Parse for endpoint strings. On failure returns nullopt and sets *error
// to Go's message, e.g. `parse "1.2.3.4:5": first path segment in URL cannot
// contain colon`.
std::optional<GoUrl> ParseGoUrl(std::string_view raw, std::string* error);

}  // namespace flotilla::base

// Form: request parameters decoded exactly as Go's net/url and net/http do,
// because etcd's answers (and its error causes) follow from Go's rules.
//
// ParseQuery follows url.ParseQuery: '&'-separated pairs, '+' is a space,
// a pair with ';' is rejected ("invalid semicolon separator in query"), a bad
// escape gives `invalid URL escape "%zz"`; the good pairs are kept even when
// an error is returned. A repeated name keeps every value in order; First()
// gives the first, which is the one etcd uses. Pure functions, no state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/query.h"

namespace flotilla::etcd {

class Form {
 public:
  void Add(std::string key, std::string value) {
    values_[std::move(key)].push_back(std::move(value));
  }
  bool Has(std::string_view key) const { return values_.find(key) != values_.end(); }
  // The first value, "" when absent (Go's FormValue).
  std::string_view First(std::string_view key) const;
  // Appends every value of `other` after this form's own (Go's merge order).
  void Append(const Form& other);

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// Parses `query` into `form`; returns Go's error text for the first bad pair.
std::optional<std::string> ParseQuery(std::string_view query, Form& form);

using net::Unescape;

}  // namespace flotilla::etcd

// Query strings and percent-escapes, decoded as Go's net/url decodes them
// (etcd's, fleet's and Docker's servers are Go programs, and their
// answers follow from its rules). Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::net {

// Percent-decodes; `plus_is_space` for query components. nullopt if
// malformed ("%zz", a cut "%4").
std::optional<std::string> Unescape(std::string_view s, bool plus_is_space);

// url.Query(): every value of every key in order, '+' a space, escapes
// decoded; pairs Go drops (bad escapes, ';') are dropped.
std::map<std::string, std::vector<std::string>> ParseQueryValues(std::string_view query);

}  // namespace flotilla::net

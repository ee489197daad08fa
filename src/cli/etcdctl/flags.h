// Command-line flags the way etcdctl v2 parses them: Go's `flag` package
// (-x, --x, -x=v, --x v, bools take no separate value, "--" ends flags, the
// first non-flag argument ends flags) under urfave/cli 1.22, which moves a
// command's flags in front of its arguments first (reorderArgs) and copies a
// value to every alias of a flag ("recursive, r"), refusing both at once.
//
// Errors are Go's exact texts ("flag provided but not defined: -x",
// "invalid value \"abc\" for flag -ttl: parse error", ...), because etcdctl
// prints them. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::cli::etcdctl {

enum class FlagKind { kBool, kInt, kString, kDuration };

struct FlagSpec {
  std::string_view names;  // comma-separated aliases, as urfave spells them: "recursive, r"
  FlagKind kind = FlagKind::kBool;
  std::string_view usage;          // may hold a `placeholder` in backquotes
  std::string_view default_value;  // Go's text: "0", "2s", "simple"; "" = zero
  bool hidden_default = false;     // print no "(default: ...)" (string flags with "")
};

// The outcome of parsing one flag set.
class ParsedFlags {
 public:
  ParsedFlags() = default;
  ParsedFlags(const std::vector<FlagSpec>* specs) : specs_(specs) {}  // NOLINT

  bool Has(std::string_view name) const;  // a flag of this name is defined
  bool IsSet(std::string_view name) const { return values_.count(std::string(name)) > 0; }
  bool Bool(std::string_view name) const;
  int64_t Int(std::string_view name) const;
  std::string String(std::string_view name) const;
  int64_t DurationNs(std::string_view name) const;

  std::vector<std::string> args;  // what is left after the flags

 private:
  friend class FlagParser;
  const FlagSpec* Find(std::string_view name) const;
  std::string Raw(std::string_view name) const;

  const std::vector<FlagSpec>* specs_ = nullptr;
  std::map<std::string, std::string> values_;  // every alias of a set flag
};

// Why a parse failed; both texts are empty on success.
struct FlagErrors {
  std::string parse;  // from Go's flag package
  std::string alias;  // "Cannot use two forms of the same flag: r recursive"
  bool ok() const { return parse.empty() && alias.empty(); }
};

class FlagParser {
 public:
  // Parses `args` against `specs` (which must outlive the result). With
  // `reorder`, flags found after arguments are moved in front first, as
  // urfave does for commands (not for the app or subcommand groups). The
  // alias check also runs over the flags seen before a parse error, as
  // urfave's App.Run does.
  static FlagErrors Parse(const std::vector<FlagSpec>* specs, std::vector<std::string> args,
                          bool reorder, ParsedFlags* out);
};

// The names of a spec, trimmed: "recursive, r" -> {"recursive", "r"}.
std::vector<std::string> FlagNames(const FlagSpec& spec);

}  // namespace flotilla::cli::etcdctl

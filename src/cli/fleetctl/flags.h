// Command-line flags the way fleetctl 1.0 reads them: spf13/pflag under
// cobra. Flags and arguments may be interspersed ("start a.service
// --no-block b.service"); "--" ends the flags; long flags are "--name",
// "--name=value" or "--name value" (a bool takes no separate value: "--full
// false" is a flag and an argument); shorthands are "-l", "-n 5", "-n5",
// "-n=5" and bools combine ("-lf"). "-h" is a request for help even when no
// flag has that shorthand, as pflag makes it.
//
// Values are checked when set, with Go's strconv error texts, because
// fleetctl prints them: `invalid argument "x" for "--lines" flag:
// strconv.ParseInt: parsing "x": invalid syntax`. FlagUsages() renders a
// flag list as pflag's FlagUsages does (sorted by name, usages aligned).
//
// Pure; a FlagSet is a plain value owned by one command invocation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::cli::fleetctl {

enum class FlagKind { kBool, kInt, kFloat, kString };

struct FlagSpec {
  std::string name;    // "block-attempts"
  char shorthand = 0;  // 'l' for "-l"; 0 for none
  FlagKind kind = FlagKind::kBool;
  std::string default_value;  // as Go prints it: "false", "0", "3", "unix:///..."
  std::string usage;
};

class FlagSet {
 public:
  FlagSet() = default;
  explicit FlagSet(std::vector<FlagSpec> specs) : specs_(std::move(specs)) {}

  void Add(FlagSpec spec) { specs_.push_back(std::move(spec)); }
  const std::vector<FlagSpec>& specs() const { return specs_; }
  const FlagSpec* Find(std::string_view name) const;
  const FlagSpec* FindShorthand(char c) const;

  // pflag's Set: checks `value` for the flag's kind; returns the error
  // ("strconv.ParseInt: parsing \"x\": invalid syntax") or "".
  std::string Set(std::string_view name, std::string_view value);
  // Set on the command line or through Set() at all.
  bool Changed(std::string_view name) const { return values_.count(std::string(name)) > 0; }

  // Current values (the default unless set). Unknown names read as zero.
  bool Bool(std::string_view name) const;
  int64_t Int(std::string_view name) const;
  double Float(std::string_view name) const;
  std::string String(std::string_view name) const;

 private:
  std::string Raw(std::string_view name) const;

  std::vector<FlagSpec> specs_;
  std::map<std::string, std::string> values_;
};

struct FlagParse {
  std::vector<std::string> args;  // what is not a flag, in order
  std::string error;              // pflag's error text; empty on success
  bool help = false;              // "-h" was given (pflag's ErrHelp)
};

// Parses `args` into `flags` (interspersed, as cobra has pflag do).
FlagParse ParseFlags(FlagSet& flags, const std::vector<std::string>& args);

// pflag's FlagUsages for `flags`: "  -l, --full   Do not ellipsize ...",
// sorted by name, one line each (each ending in '\n').
std::string FlagUsages(std::vector<FlagSpec> flags);

}  // namespace flotilla::cli::fleetctl

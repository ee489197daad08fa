// Exec lines of service units (systemd.service(5), "COMMAND LINES"):
// ExecStart=, ExecStartPre= and the rest.
//
//   ExecStartPre=-/usr/bin/docker rm "my container" 'a b' c\ d \x41
//
// Prefixes before the path: "-" (a failure is ignored), "@" (the second
// word is argv[0]), ":" (no environment expansion), "+", "!" and "!!"
// (privileges: accepted and recorded, flotilla runs everything as the
// configured User=). Then words separated by blanks; double and single
// quotes group; C-style escapes (\a \b \f \n \r \t \v \\ \" \' \s \xNN
// \NNN \uNNNN \UNNNNNNNN, and "\ " for a blank) are decoded. An unknown
// escape, a backslash at the very end, an unterminated quote or an empty
// command is an error that says which.
//
// $VAR and ${VAR} are kept in the words and expanded when the command
// runs (ExpandEnvironment), as systemd does: "${VAR}" anywhere in a word is
// replaced by the value; a word that is exactly "$VAR" becomes the value's
// whitespace-separated words (none when empty or unset); "$$" is "$".
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flotilla::unit {

struct ExecCommand {
  std::string path;                // the executable (argv[0] unless argv0_from_second)
  std::vector<std::string> argv;   // argv[0] included
  bool ignore_failure = false;     // "-"
  bool argv0_from_second = false;  // "@": argv is {second word, rest...}
  bool no_expand = false;          // ":"
  bool privileged = false;         // "+", "!" or "!!"
  bool operator==(const ExecCommand&) const = default;
};

base::Result<ExecCommand> ParseExecCommand(std::string_view value);

// The words of `value` with quotes and escapes decoded as in a command line
// (Environment= values are split the same way).
base::Result<std::vector<std::string>> SplitQuotedWords(std::string_view value);

// The words of `command` with the environment substituted (see above).
std::vector<std::string> ExpandEnvironment(const ExecCommand& command,
                                           const std::map<std::string, std::string>& env);

}  // namespace flotilla::unit

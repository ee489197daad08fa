// Environment files (EnvironmentFile=, /etc/environment): "KEY=VALUE" per
// line, as systemd reads them: blank lines and lines starting with # or ;
// are skipped, an optional leading "export " is ignored, whitespace around
// the key and an unquoted value is dropped; a value in double quotes keeps
// its spaces and decodes \" \\ \$ \`; in single quotes it is literal; a
// backslash at the end of a line (outside single quotes) continues it.
// Later assignments of a key replace earlier ones. A line that is not an
// assignment is an error naming the file and line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace flotilla::unit {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

base::Result<EnvVars> ParseEnvironmentFile(std::string_view text, std::string_view file);

}  // namespace flotilla::unit

// Fuzzes the unit file parser and the Exec line parser (src/unit). Nothing
// may crash; a parsed unit must serialize and parse again to the same
// options (so its hash is stable), and every option value must parse as a
// command line or be refused cleanly. The same bytes also go to the
// environment file, unit name and time span parsers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "unit/env_file.h"
#include "unit/exec_command.h"
#include "unit/time_span.h"
#include "unit/unit_file.h"
#include "unit/unit_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flotilla::unit;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)ParseUnitName(in.substr(0, 300));
  (void)ParseEnvironmentFile(in, "fuzz.env");
  (void)ParseTimeSpan(in.substr(0, 100));
  auto unit = ParseUnitFile(in, "fuzz.service");
  if (!unit.ok()) return 0;
  auto again = ParseUnitFile(Serialize(*unit), "again.service");
  if (!again.ok() || !(*again == *unit) || Hash(*again) != Hash(*unit)) std::abort();
  for (const auto& o : unit->options) {
    auto cmd = ParseExecCommand(o.value);
    if (cmd.ok()) (void)ExpandEnvironment(*cmd, {{"A", "x y"}});
  }
  return 0;
}

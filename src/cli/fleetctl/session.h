// Session: what one fleetctl command invocation works with: its parsed
// flags (the command's own and the global ones), the API client, and the
// machine list fleetctl fetches at most once per run (cachedMachineState).
// Also fleetctl's two output helpers, which end what they print with a
// newline (fleetctl's stdout()/stderr() add one to formats that lack it,
// and none of its formats has one).
//
// Single-threaded. The client is created by Fleetctl() before a command
// that talks to the API runs.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/fleetctl/api_client.h"
#include "cli/fleetctl/flags.h"
#include "cli/fleetctl/schema.h"

namespace flotilla::cli::fleetctl {

struct Command;

// How often a blocking command polls the API.
inline constexpr std::chrono::milliseconds kPollInterval{250};

class Session {
 public:
  Session(const Command& command, FlagSet flags) : command_(command), flags_(std::move(flags)) {}

  const Command& command() const { return command_; }
  const FlagSet& flags() const { return flags_; }
  FleetClient& api() { return *api_; }
  void set_api(std::unique_ptr<FleetClient> api) { api_ = std::move(api); }

  // The machine with this id from one listing per run; nullptr if it is not
  // there or the listing failed (fleetctl ignores that error).
  const Machine* CachedMachine(const std::string& id);

 private:
  const Command& command_;
  FlagSet flags_;
  std::unique_ptr<FleetClient> api_;
  std::optional<std::map<std::string, Machine>> machines_;
};

// fleetctl's stdout()/stderr(): the text and a '\n'. Stdout is flushed before anything goes to
// stderr so that the two interleave as Go's unbuffered writes do.
void Stdout(std::string_view text);
void Stderr(std::string_view text);
// Raw writes, flushed at once (journal -f, cat).
void WriteStdout(std::string_view text);

// machineIDLegend / machineFullLegend: "ee5398cf..." (or the full id with
// `full`), then "/<primary ip>" when the machine has one.
std::string MachineIdLegend(const Machine& m, bool full);
std::string MachineFullLegend(const Machine& m, bool full);

}  // namespace flotilla::cli::fleetctl

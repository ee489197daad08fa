// ServiceConfig: what the service manager needs from a unit file, read and
// checked once (systemd.unit(5), systemd.service(5), systemd.exec(5),
// systemd.kill(5)). Keys it does not know are ignored with a warning
// naming the file and line (kept in `warnings`; X- sections and keys, such
// as fleet's [X-Fleet], silently); a known key with a bad value is an
// error naming the file, line, key and what is allowed. Defaults are
// systemd's. docs/units.md lists the keys.
//
// Environment= and EnvironmentFile= are kept as written: the files are read
// when the service starts (ServiceEnvironment), as systemd does.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "unit/exec_command.h"
#include "unit/time_span.h"
#include "unit/unit_file.h"
#include "unit/unit_name.h"

namespace flotilla::service {

enum class ServiceType { kSimple, kExec, kOneshot, kForking };
enum class RestartPolicy { kNo, kAlways, kOnSuccess, kOnFailure, kOnAbnormal, kOnAbort };
enum class KillMode { kControlGroup, kProcess, kMixed, kNone };

struct EnvironmentFileRef {
  std::string path;
  bool optional = false;  // "-" prefix: a missing file is fine
};

struct ServiceConfig {
  unit::UnitName name;
  // [Unit]
  std::string description;
  std::vector<std::string> requires_, wants, binds_to, after, before, conflicts;
  // [Install]
  std::vector<std::string> wanted_by;
  // [Service]
  ServiceType type = ServiceType::kSimple;
  bool remain_after_exit = false;
  std::vector<unit::ExecCommand> exec_start_pre, exec_start, exec_start_post, exec_reload,
      exec_stop, exec_stop_post;
  std::vector<std::string> environment;  // "K=V", in order
  std::vector<EnvironmentFileRef> environment_files;
  std::string working_directory;
  std::string user, group;
  RestartPolicy restart = RestartPolicy::kNo;
  unit::Span restart_sec = std::chrono::milliseconds(100);
  std::optional<unit::Span> timeout_start = std::chrono::seconds(90);  // nullopt: none
  std::optional<unit::Span> timeout_stop = std::chrono::seconds(90);
  unsigned start_limit_burst = 5;
  unit::Span start_limit_interval = std::chrono::seconds(10);
  KillMode kill_mode = KillMode::kControlGroup;
  int kill_signal = 15;           // SIGTERM
  std::string syslog_identifier;  // SyslogIdentifier=

  // "x.service:7: Unsupported key Nice= in section [Service], ignoring."
  std::vector<std::string> warnings;

  // The file name of the ExecStart= executable ("docker"); "" without one.
  std::string MainCommand() const;
  // How the journal names what `command` writes: SyslogIdentifier=, or
  // the file name of its executable, as systemd does.
  std::string IdentifierOf(const unit::ExecCommand& command) const;
};

// `file` names the unit in errors ("web@01.service").
base::Result<ServiceConfig> ReadServiceConfig(const unit::UnitFile& unit,
                                              const unit::UnitName& name, std::string_view file);

const char* ToString(ServiceType t);
const char* ToString(RestartPolicy r);

}  // namespace flotilla::service

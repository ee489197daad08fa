#include "service/service_config.h"

#include "base/fs.h"

#include <fmt/format.h>
#include <signal.h>
#include <string.h>

#include <cstdlib>
#include <functional>
#include <map>

namespace flotilla::service {
namespace {

using unit::UnitOption;

using Setter = std::function<base::Status(std::string_view)>;

// A setter that parses the value with `parse` (returning Result<T>) into
// `out`.
template <typename T, typename Parse>
Setter Assign(T& out, Parse parse) {
  return [&out, parse](std::string_view v) -> base::Status {
    auto r = parse(v);
    if (!r.ok()) return r.status();
    out = *r;
    return base::Status::Ok();
  };
}

// A parser for one of the named values.
template <typename T>
std::function<base::Result<T>(std::string_view)> OneOf(
    std::vector<std::pair<std::string_view, T>> names) {
  return [names](std::string_view v) -> base::Result<T> {
    std::string allowed;
    for (const auto& [name, value] : names) {
      if (name == v) return value;
      allowed += (allowed.empty() ? "" : ", ") + std::string(name);
    }
    return base::Status(base::Code::kInvalidArgument, "must be one of " + allowed);
  };
}

base::Result<bool> Bool(std::string_view v) {
  for (auto t : {"1", "yes", "true", "on"})
    if (v == t) return true;
  for (auto f : {"0", "no", "false", "off"})
    if (v == f) return false;
  return base::Status(base::Code::kInvalidArgument, "must be a boolean (yes or no)");
}

base::Result<int> Signal(std::string_view v) {
  std::string s(v);
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
    int n = std::atoi(s.c_str());
    if (n > 0 && n < NSIG) return n;
  }
  if (s.rfind("SIG", 0) == 0) s = s.substr(3);
  for (int n = 1; n < NSIG; ++n) {
    const char* abbrev = sigabbrev_np(n);
    if (abbrev && s == abbrev) return n;
  }
  return base::Status(base::Code::kInvalidArgument, "not a signal (SIGTERM, TERM or 15)");
}

base::Result<unsigned> Unsigned(std::string_view v) {
  std::string s(v);
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return base::Status(base::Code::kInvalidArgument, "must be a number");
  return static_cast<unsigned>(std::atoi(s.c_str()));
}

// A timeout: a span, where 0 and "infinity" mean none.
base::Result<std::optional<unit::Span>> Timeout(std::string_view v) {
  auto span = unit::ParseTimeSpan(v);
  if (!span.ok()) return span.status();
  if (*span && (*span)->count() == 0) return std::optional<unit::Span>();
  return *span;
}

base::Result<unit::Span> FiniteSpan(std::string_view v) {
  auto span = unit::ParseTimeSpan(v);
  if (!span.ok()) return span.status();
  if (!*span) return base::Status(base::Code::kInvalidArgument, "must be finite");
  return **span;
}

// Appends each space-separated word, or clears on an empty value.
void Names(std::vector<std::string>& list, std::string_view v) {
  if (v.empty()) return list.clear();
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && v[i] == ' ') ++i;
    size_t s = i;
    while (i < v.size() && v[i] != ' ') ++i;
    if (i > s) list.emplace_back(v.substr(s, i - s));
  }
}

}  // namespace

std::string ServiceConfig::MainCommand() const {
  return exec_start.empty() ? "" : std::string(base::BaseName(exec_start[0].path));
}

std::string ServiceConfig::IdentifierOf(const unit::ExecCommand& command) const {
  return syslog_identifier.empty() ? std::string(base::BaseName(command.path)) : syslog_identifier;
}

const char* ToString(ServiceType t) {
  switch (t) {
    case ServiceType::kSimple:
      return "simple";
    case ServiceType::kExec:
      return "exec";
    case ServiceType::kOneshot:
      return "oneshot";
    case ServiceType::kForking:
      return "forking";
  }
  return "?";
}

const char* ToString(RestartPolicy r) {
  switch (r) {
    case RestartPolicy::kNo:
      return "no";
    case RestartPolicy::kAlways:
      return "always";
    case RestartPolicy::kOnSuccess:
      return "on-success";
    case RestartPolicy::kOnFailure:
      return "on-failure";
    case RestartPolicy::kOnAbnormal:
      return "on-abnormal";
    case RestartPolicy::kOnAbort:
      return "on-abort";
  }
  return "?";
}

base::Result<ServiceConfig> ReadServiceConfig(const unit::UnitFile& unit,
                                              const unit::UnitName& name, std::string_view file) {
  ServiceConfig c;
  c.name = name;
  auto exec = [](std::vector<unit::ExecCommand>& list) -> Setter {
    return [&list](std::string_view v) {
      if (v.empty()) {
        list.clear();
        return base::Status::Ok();
      }
      auto cmd = unit::ParseExecCommand(v);
      if (!cmd.ok()) return cmd.status();
      list.push_back(std::move(*cmd));
      return base::Status::Ok();
    };
  };
  auto names = [](std::vector<std::string>& list) -> Setter {
    return [&list](std::string_view v) {
      Names(list, v);
      return base::Status::Ok();
    };
  };
  auto text = [](std::string& out) -> Setter {
    return [&out](std::string_view v) {
      out = std::string(v);
      return base::Status::Ok();
    };
  };
  std::map<std::pair<std::string_view, std::string_view>, Setter> keys = {
      {{"Unit", "Description"}, text(c.description)},
      {{"Unit", "Requires"}, names(c.requires_)},
      {{"Unit", "Wants"}, names(c.wants)},
      {{"Unit", "BindsTo"}, names(c.binds_to)},
      {{"Unit", "After"}, names(c.after)},
      {{"Unit", "Before"}, names(c.before)},
      {{"Unit", "Conflicts"}, names(c.conflicts)},
      {{"Unit", "StartLimitBurst"}, Assign(c.start_limit_burst, Unsigned)},
      {{"Unit", "StartLimitIntervalSec"}, Assign(c.start_limit_interval, FiniteSpan)},
      {{"Install", "WantedBy"}, names(c.wanted_by)},
      {{"Service", "ExecStartPre"}, exec(c.exec_start_pre)},
      {{"Service", "ExecStart"}, exec(c.exec_start)},
      {{"Service", "ExecStartPost"}, exec(c.exec_start_post)},
      {{"Service", "ExecReload"}, exec(c.exec_reload)},
      {{"Service", "ExecStop"}, exec(c.exec_stop)},
      {{"Service", "ExecStopPost"}, exec(c.exec_stop_post)},
      {{"Service", "WorkingDirectory"}, text(c.working_directory)},
      {{"Service", "User"}, text(c.user)},
      {{"Service", "Group"}, text(c.group)},
      {{"Service", "TimeoutStartSec"}, Assign(c.timeout_start, Timeout)},
      {{"Service", "TimeoutStopSec"}, Assign(c.timeout_stop, Timeout)},
      {{"Service", "TimeoutSec"},
       [&](std::string_view v) {
         auto t = Timeout(v);
         if (!t.ok()) return t.status();
         c.timeout_start = c.timeout_stop = *t;
         return base::Status::Ok();
       }},
      {{"Service", "RestartSec"}, Assign(c.restart_sec, FiniteSpan)},
      {{"Service", "StartLimitBurst"}, Assign(c.start_limit_burst, Unsigned)},
      {{"Service", "StartLimitInterval"}, Assign(c.start_limit_interval, FiniteSpan)},
      {{"Service", "Environment"},
       [&](std::string_view v) {
         if (v.empty()) {
           c.environment.clear();
           return base::Status::Ok();
         }
         auto words = unit::SplitQuotedWords(v);
         if (!words.ok()) return words.status();
         for (auto& w : *words) {
           if (w.find('=') == std::string::npos || w[0] == '=')
             return base::Status(base::Code::kInvalidArgument,
                                 "'" + w + "' is not a VAR=value assignment");
           c.environment.push_back(std::move(w));
         }
         return base::Status::Ok();
       }},
      {{"Service", "EnvironmentFile"},
       [&](std::string_view v) {
         if (v.empty()) {
           c.environment_files.clear();
           return base::Status::Ok();
         }
         bool optional = v[0] == '-';
         if (optional) v.remove_prefix(1);
         if (v.empty() || v[0] != '/')
           return base::Status(base::Code::kInvalidArgument, "must be an absolute path");
         c.environment_files.push_back({std::string(v), optional});
         return base::Status::Ok();
       }},
      {{"Service", "Type"},
       Assign(c.type, OneOf<ServiceType>({{"simple", ServiceType::kSimple},
                                          {"exec", ServiceType::kExec},
                                          {"oneshot", ServiceType::kOneshot},
                                          {"forking", ServiceType::kForking}}))},
      {{"Service", "Restart"},
       Assign(c.restart, OneOf<RestartPolicy>({{"no", RestartPolicy::kNo},
                                               {"always", RestartPolicy::kAlways},
                                               {"on-success", RestartPolicy::kOnSuccess},
                                               {"on-failure", RestartPolicy::kOnFailure},
                                               {"on-abnormal", RestartPolicy::kOnAbnormal},
                                               {"on-abort", RestartPolicy::kOnAbort}}))},
      {{"Service", "KillMode"},
       Assign(c.kill_mode, OneOf<KillMode>({{"control-group", KillMode::kControlGroup},
                                            {"process", KillMode::kProcess},
                                            {"mixed", KillMode::kMixed},
                                            {"none", KillMode::kNone}}))},
      {{"Service", "KillSignal"}, Assign(c.kill_signal, Signal)},
      {{"Service", "RemainAfterExit"}, Assign(c.remain_after_exit, Bool)},
      {{"Service", "SyslogIdentifier"}, text(c.syslog_identifier)},
  };
  for (const UnitOption& o : unit.options) {
    auto it = keys.find({o.section, o.name});
    if (it == keys.end()) {
      // X- sections and keys are extensions (fleet's [X-Fleet]): silent, as in systemd.
      if (!o.section.starts_with("X-") && !o.name.starts_with("X-"))
        c.warnings.push_back(fmt::format("{}:{}: Unsupported key {}= in section [{}], ignoring.",
                                         file, o.line, o.name, o.section));
      continue;
    }
    if (auto st = it->second(o.value); !st.ok()) {
      return base::Status(base::Code::kInvalidArgument,
                          fmt::format("{}:{}: {}={}: {}", file, o.line, o.name,
                                      o.value.substr(0, 100), st.message()));
    }
  }
  if (c.type != ServiceType::kOneshot && c.exec_start.size() != 1) {
    return base::Status(
        base::Code::kInvalidArgument,
        c.exec_start.empty()
            ? fmt::format("{}: has no ExecStart= (only Type=oneshot may go without)", file)
            : fmt::format("{}: has more than one ExecStart=, which only Type=oneshot allows",
                          file));
  }
  if (c.type == ServiceType::kOneshot && c.exec_start.empty() && !c.remain_after_exit) {
    return base::Status(
        base::Code::kInvalidArgument,
        fmt::format("{}: Type=oneshot without ExecStart= needs RemainAfterExit=yes", file));
  }
  return c;
}

}  // namespace flotilla::service

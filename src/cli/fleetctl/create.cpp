// lazyCreateUnits and its helpers (fleetctl.go): where a unit's body comes
// from and whether an existing unit is kept, replaced or warned about.
#include "base/go_strconv.h"
#include "cli/fleetctl/commands.h"
#include "cli/fleetctl/lifecycle.h"
#include "cli/fleetctl/unit_files.h"
#include "fleet/requirements.h"

namespace flotilla::cli::fleetctl {
namespace {

using base::Code;
using base::Status;

Status Error(std::string message) {
  return Status(Code::kInvalidArgument, std::move(message));
}

// matchLocalFileAndUnit: whether the local file has the unit's hash.
base::Result<bool> MatchLocalFileAndUnit(const std::string& file, const Unit& su) {
  std::string stat_error = StatError(file);
  if (!stat_error.empty()) return Status(Code::kNotFound, stat_error);
  auto local = ReadUnitFile(file);
  if (!local.ok()) return local.status();
  return unit::Hash(*local) == UnitHash(su.options);
}

// isLocalUnitDifferent: compares `su` with the local file `file`, or with
// the local template of the instance `file` names; warns when they differ
// (unless --replace). With `fatal`, a missing local file is an error.
base::Result<bool> IsLocalUnitDifferent(Session& s, const std::string& file, const Unit& su,
                                        bool fatal) {
  bool replace = s.flags().Bool("replace");
  auto same = MatchLocalFileAndUnit(file, su);
  if (same.ok()) {
    if (!*same && !replace) {
      Stderr("WARNING: Unit " + su.name + " in registry differs from local unit file " + file +
             ". Add --replace to override.");
    }
    return !*same;
  }
  if (fatal) return same.status();
  auto info = NewUnitNameInfo(GoPathBase(file));
  if (!info) return Error("error extracting information from unit name " + file);
  if (!info->IsInstance())
    return Error("error Unit " + file + " does not seem to be a template unit");
  std::string template_file = GoPathJoin(GoPathDir(file), info->template_name);
  same = MatchLocalFileAndUnit(template_file, su);
  if (!same.ok()) return same.status();
  if (!*same && !replace) {
    Stderr("WARNING: Unit " + su.name + " in registry differs from local template unit file " +
           file + ". Add --replace to override.");
  }
  return !*same;
}

enum class Creation { kCreate, kReplace, kKeep };

// checkReplaceUnitState: --replace may overwrite a unit only in the states
// the command itself could move it from.
Creation CheckReplaceUnitState(Session& s, const Unit& u) {
  const std::string& cmd = s.command().name;
  const std::string& d = u.desired_state;
  bool allowed = d == "inactive" || (d == "loaded" && (cmd == "load" || cmd == "start")) ||
                 (d == "launched" && cmd == "start");
  if (allowed) return Creation::kReplace;
  Stderr("Warning: can not replace Unit(" + u.name + ") in state '" + d +
         "', use the appropriate command");
  return Creation::kKeep;
}

// checkUnitCreation.
base::Result<Creation> CheckUnitCreation(Session& s, const std::string& arg) {
  std::string name = UnitNameMangle(arg);
  auto existing = s.api().GetUnit(name);
  if (!existing.ok()) {
    return Error("error retrieving Unit(" + name +
                 ") from Registry: " + existing.status().message());
  }
  if (!*existing) return Creation::kCreate;
  const Unit& u = **existing;
  bool replace = s.flags().Bool("replace");
  auto different = IsLocalUnitDifferent(s, arg, u, false);
  if (replace) {
    if (!different.ok()) return different.status();
    if (*different) return CheckReplaceUnitState(s, u);
    Stdout("Found same Unit(" + u.name + ") in Registry, nothing to do");
  }
  return Creation::kKeep;
}

// getUnitFileFromTemplate: the template's body from the API, else from the
// file next to `file`.
base::Result<unit::UnitFile> GetUnitFileFromTemplate(Session& s, const UnitNameInfo& info,
                                                     const std::string& file) {
  auto tmpl = s.api().GetUnit(info.template_name);
  if (!tmpl.ok()) {
    return Error("error retrieving template Unit(" + info.template_name +
                 ") from Registry: " + tmpl.status().message());
  }
  if (*tmpl) {
    (void)IsLocalUnitDifferent(s, file, **tmpl, false);
    return ToUnitFile((*tmpl)->options);
  }
  std::string path = GoPathJoin(GoPathDir(file), info.template_name);
  if (!LocalPathExists(path)) {
    return Error("unable to find template Unit(" + info.template_name +
                 ") in Registry or on filesystem");
  }
  auto uf = ReadUnitFile(path);
  if (!uf.ok()) {
    return Error("unable to load template Unit(" + info.template_name +
                 ") from file: " + uf.status().message());
  }
  return uf;
}

// getUnitFile: the local file `file`, or the template of the instance it
// names.
base::Result<unit::UnitFile> GetUnitFile(Session& s, const std::string& file) {
  std::string name = UnitNameMangle(file);
  if (LocalPathExists(file)) {
    auto uf = ReadUnitFile(file);
    if (!uf.ok()) {
      return Error("failed getting Unit(" + file + ") from file: " + uf.status().message());
    }
    return uf;
  }
  auto info = NewUnitNameInfo(name);
  if (!info) return Error("error extracting information from unit name " + name);
  if (!info->IsInstance()) {
    return Error("unable to find Unit(" + name + ") in Registry or on filesystem");
  }
  auto uf = GetUnitFileFromTemplate(s, *info, file);
  if (!uf.ok()) {
    return Error("failed getting Unit(" + file + ") from template: " + uf.status().message());
  }
  return uf;
}

// createUnit: the API's own checks first, then the PUT.
Status CreateUnit(Session& s, const std::string& name, const unit::UnitFile& uf) {
  FLOTILLA_RETURN_IF_ERROR(fleet::ValidateUnitName(name));
  fleet::Requirements req = fleet::ParseRequirements(uf, name);
  FLOTILLA_RETURN_IF_ERROR(fleet::ValidateRequirements(req));
  for (const auto& w : req.warnings) Stderr("WARNING: Unit " + name + ": " + w);
  Unit u;
  u.name = name;
  u.options = ToOptions(uf);
  Status st = s.api().CreateUnit(u);
  if (!st.ok()) return Error("failed creating unit " + name + ": " + st.message());
  return Status::Ok();
}

}  // namespace

Status LazyCreateUnits(Session& s, const std::vector<std::string>& args) {
  int attempts = static_cast<int>(s.flags().Int("block-attempts"));
  std::vector<std::string> created;
  for (const auto& raw : args) {
    std::string arg = MaybeAppendDefaultUnitType(raw);
    std::string name = UnitNameMangle(arg);
    auto creation = CheckUnitCreation(s, arg);
    if (!creation.ok()) return creation.status();
    if (*creation == Creation::kKeep) continue;
    auto uf = GetUnitFile(s, arg);
    if (!uf.ok()) return uf.status();
    FLOTILLA_RETURN_IF_ERROR(CreateUnit(s, name, *uf));
    if (*creation == Creation::kReplace) {
      // fleet's API reset a replaced unit to inactive; flotilla's keeps its
      // desired state, and waiting for "inactive" would then never end.
      auto u = s.api().GetUnit(name);
      if (u.ok() && *u && (*u)->desired_state != "inactive") continue;
    }
    created.push_back(name);
  }
  if (created.empty()) return Status::Ok();
  Status st = WaitForUnitStates(s, created, "inactive", attempts < 1 ? 0 : attempts);
  if (!st.ok()) {
    Stderr("Error waiting on unit creation: " + st.message());
    return Error("One or more errors creating units");
  }
  return Status::Ok();
}

base::Result<std::vector<Unit>> SetTargetStateOfUnits(Session& s,
                                                      const std::vector<std::string>& args,
                                                      std::string_view state) {
  std::vector<Unit> triggered;
  for (const auto& arg : args) {
    std::string name = UnitNameMangle(arg);
    auto u = s.api().GetUnit(name);
    if (!u.ok()) {
      return Error("error retrieving unit " + name + " from registry: " + u.status().message());
    }
    if (!*u) return Error("unable to find unit " + name);
    if ((*u)->desired_state == state) continue;
    FLOTILLA_RETURN_IF_ERROR(s.api().SetUnitTargetState((*u)->name, std::string(state)));
    triggered.push_back(std::move(**u));
  }
  return triggered;
}

base::Result<std::vector<Unit>> FindUnits(Session& s, const std::vector<std::string>& args) {
  auto units = s.api().Units();
  if (!units.ok()) return units.status();
  std::vector<Unit> found;
  for (const auto& arg : args) {
    std::string name = UnitNameMangle(arg);
    for (const auto& u : *units) {
      if (u.name == name) {
        found.push_back(u);
        break;
      }
    }
  }
  return found;
}

}  // namespace flotilla::cli::fleetctl

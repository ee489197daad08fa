// Unit names and unit files as fleetctl handles them on the client side
// (fleetctl.go, unit/unit.go, schema/mapper.go):
//
// - an argument becomes a unit name by path.Base and, when it does not end
//   in one of the types fleetctl recognises (service, socket, timer, path,
//   device, mount, automount), ".service" appended: "units/web" ->
//   "web.service", "a.target" -> "a.target.service" (fleet's own quirk);
// - a local unit file is read and parsed as fleetctl reads it, with Go's
//   error texts ("open x.service: permission denied");
// - a unit's body travels as an ordered option list; its hash is the
//   SHA-1 of go-systemd's serialisation (unit::Hash), which is what
//   `list-unit-files` shows and what "differs from local unit file" compares.
//
// Pure except ReadUnitFile and LocalPathExists, which read the filesystem.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cli/fleetctl/schema.h"
#include "unit/unit_file.h"

namespace flotilla::cli::fleetctl {

// Go's path.Base, path.Dir and path.Join(dir, name).
std::string GoPathBase(std::string_view p);
std::string GoPathDir(std::string_view p);
std::string GoPathJoin(std::string_view dir, std::string_view name);

bool RecognizedUnitType(std::string_view name);
// `arg` with ".service" appended unless it ends in a recognised type.
std::string MaybeAppendDefaultUnitType(std::string_view arg);
// unitNameMangle: the unit name an argument stands for.
std::string UnitNameMangle(std::string_view arg);

// unit.UnitNameInfo: "web@01.service" -> prefix "web", instance "01",
// template "web@.service". nullopt for a name without '.'.
struct UnitNameInfo {
  std::string full_name;
  std::string name;  // without the suffix: "web@01"
  std::string prefix;
  std::string instance;
  std::string template_name;
  bool IsInstance() const { return !instance.empty(); }
};
std::optional<UnitNameInfo> NewUnitNameInfo(std::string_view name);

// !os.IsNotExist(os.Stat(path)): true also when stat fails otherwise.
bool LocalPathExists(const std::string& path);
// os.Stat's error text for `path` ("stat x: no such file or directory"), or
// "" when stat succeeds.
std::string StatError(const std::string& path);
// getUnitFromFile: the file read and parsed.
base::Result<unit::UnitFile> ReadUnitFile(const std::string& path);

std::vector<UnitOption> ToOptions(const unit::UnitFile& file);
unit::UnitFile ToUnitFile(const std::vector<UnitOption>& options);
std::string UnitHash(const std::vector<UnitOption>& options);  // 40 hex digits

// [X-Fleet] Global= with fleet's truth values, the last one winning.
bool IsGlobal(const Unit& unit);
// The last [Unit] Description=, "" if none.
std::string Description(const Unit& unit);

}  // namespace flotilla::cli::fleetctl

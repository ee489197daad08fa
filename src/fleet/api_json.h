// The wire form of the fleet v1 API (reference: fleet.md 3.1; fleet's
// schema/v1-gen.go and api/): the entities, written exactly as Go's
// encoding/json writes fleet's schema structs (fields in the structs'
// alphabetical order, every field omitempty, map keys sorted, Go's string
// escaping), and the request bodies read as Go's decoder reads them (keys
// matched case-insensitively, the last match winning; null leaves a field
// unset; unknown keys ignored; anything after the first JSON value ignored;
// the first type mismatch is the error, in Go's words).
//
//   Unit       {"currentState","desiredState","machineID","name","options",
//               "reason"}   ("reason" is flotilla's: why a loaded/launched
//                            unit has no machine)
//   UnitOption {"name","section","value"}
//   UnitState  {"hash","machineID","name","systemdActiveState",
//               "systemdLoadState","systemdSubState"}
//   Machine    {"id","metadata","primaryIP"}
//   pages      {"machines"|"nextPageToken"|"states"|"units"} in that order
//   Error      {"error":{"code":N,"message":"..."}}
//
// Also here, because a remote answer is a request body of sorts: the unit
// JSON of a machine's own service API (service/units_api.h), read into the
// view `flotilla systemctl status` formats.
//
// Pure functions, no I/O; fuzzed by fuzz/fleet_api_fuzz.cpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "fleet/api_page.h"
#include "service/systemctl_format.h"

namespace flotilla::fleet {

struct ApiUnitOption {
  std::string section;
  std::string name;
  std::string value;
  bool operator==(const ApiUnitOption&) const = default;
};

struct ApiUnit {
  std::string name;
  std::vector<ApiUnitOption> options;
  std::string desired_state;
  std::string current_state;
  std::string machine_id;
  std::string reason;
  bool operator==(const ApiUnit&) const = default;
};

struct ApiUnitState {
  std::string name;
  std::string hash;
  std::string machine_id;
  std::string load_state;
  std::string active_state;
  std::string sub_state;
  bool operator==(const ApiUnitState&) const = default;
};

struct ApiMachine {
  std::string id;
  std::string primary_ip;
  std::map<std::string, std::string> metadata;
  bool operator==(const ApiMachine&) const = default;
};

std::string EncodeUnit(const ApiUnit& u);
std::string EncodeUnitState(const ApiUnitState& s);
std::string EncodeMachine(const ApiMachine& m);
std::string EncodeUnitPage(const Page<ApiUnit>& page);
std::string EncodeUnitStatePage(const Page<ApiUnitState>& page);
std::string EncodeMachinePage(const Page<ApiMachine>& page);
// {"error":{"code":404,"message":"unit does not exist"}}; the message is
// always there, "" when there is none (fleet's errorEntity).
std::string EncodeError(int code, std::string_view message);

// A PUT body: a (partial) Unit. Errors read "json: cannot unmarshal
// number into Go struct field Unit.name of type string", "EOF", "invalid
// character 'x' looking for beginning of value"...; the caller prefixes
// "unable to decode body: " as fleet does. A null entry in options is
// refused ("null unit option"), where fleet's server would crash.
base::Result<ApiUnit> DecodeUnit(std::string_view body);

// One operation of a PATCH /machines body, as given (not validated).
struct MachinePatchOp {
  std::string op;
  std::string path;
  std::string value;
};
// A PATCH body: a JSON array of {op, path, value}. The value may be given
// as fleet's code and tests give it, {"value":"bar"}, or as its
// documentation does, "bar". Errors in Go's decoder's words.
base::Result<std::vector<MachinePatchOp>> DecodeMachinePatch(std::string_view body);

// A checked PATCH operation: "remove" carries value "".
struct MetadataChange {
  std::string machine;
  std::string key;
  std::string value;
  bool operator==(const MetadataChange&) const = default;
};
// fleet's checks, every op before any is applied: op add|remove|replace
// ("invalid op: expect add, remove, or replace"), path
// /<machine>/metadata/<[A-Za-z0-9_.-]+> ("machine metadata path invalid"),
// a non-empty value unless removing ("invalid value: add and replace
// require a value").
base::Result<std::vector<MetadataChange>> CheckMachinePatch(const std::vector<MachinePatchOp>& ops);

// GET /flotilla/v1/units/NAME of a machine's service API, as the view that
// service::FormatStatus prints; nullopt if it is not such a unit.
std::optional<service::UnitStatusView> DecodeRemoteUnit(std::string_view json);

}  // namespace flotilla::fleet

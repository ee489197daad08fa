// The fleet v1 API's entities as fleetctl sees them (fleet's schema
// package; shared/reference/fleet.md 3.1), plus flotilla's "reason" on a
// Unit: why a unit that should run is on no machine. Decoding is lenient
// as Go's encoding/json is: absent fields are empty, unknown ones ignored.
// Encoding writes what fleetctl's client sends for a PUT: Go's json of
// schema.Unit (fields in declaration order, empty ones omitted).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flotilla::cli::fleetctl {

struct UnitOption {
  std::string section;
  std::string name;
  std::string value;
};

struct Unit {
  std::string name;
  std::vector<UnitOption> options;
  std::string desired_state;  // "inactive", "loaded", "launched"
  std::string current_state;  // empty for global units
  std::string machine_id;     // the target machine; empty if unscheduled or global
  std::string reason;         // flotilla: why it is not placed; usually empty
};

struct UnitState {
  std::string name;
  std::string hash;
  std::string machine_id;
  std::string systemd_load_state;
  std::string systemd_active_state;
  std::string systemd_sub_state;
};

struct Machine {
  std::string id;
  std::string primary_ip;
  std::map<std::string, std::string> metadata;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;  // empty on the last page
};

base::Result<Unit> DecodeUnit(std::string_view json);
base::Result<Page<Unit>> DecodeUnitPage(std::string_view json);
base::Result<Page<UnitState>> DecodeUnitStatePage(std::string_view json);
base::Result<Page<Machine>> DecodeMachinePage(std::string_view json);

// {"code":N,"message":"..."} inside fleet's {"error":{...}}; false if
// `json` is not that envelope.
bool DecodeErrorEnvelope(std::string_view json, int* code, std::string* message);

// The body of a PUT /units/{name}: {"desiredState":..,"name":..,"options":[..]}.
std::string EncodeUnit(const Unit& unit);

}  // namespace flotilla::cli::fleetctl

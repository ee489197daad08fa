#include "cli/fleetctl/schema.h"

#include <boost/json.hpp>

#include "base/json_writer.h"

namespace flotilla::cli::fleetctl {
namespace {

namespace json = boost::json;
using base::Code;
using base::Status;

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return "";
  return std::string(v->get_string());
}

const json::array* Array(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

base::Result<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status(Code::kIoError, "invalid JSON in response: " + ec.message());
  if (!v.is_object()) return Status(Code::kIoError, "invalid JSON in response: not an object");
  return std::move(v.get_object());
}

Unit ToUnit(const json::object& o) {
  Unit u;
  u.name = Str(o, "name");
  u.desired_state = Str(o, "desiredState");
  u.current_state = Str(o, "currentState");
  u.machine_id = Str(o, "machineID");
  u.reason = Str(o, "reason");
  if (const json::array* opts = Array(o, "options")) {
    for (const auto& ov : *opts) {
      if (!ov.is_object()) continue;
      const auto& oo = ov.get_object();
      u.options.push_back({Str(oo, "section"), Str(oo, "name"), Str(oo, "value")});
    }
  }
  return u;
}

UnitState ToUnitState(const json::object& o) {
  return {Str(o, "name"),
          Str(o, "hash"),
          Str(o, "machineID"),
          Str(o, "systemdLoadState"),
          Str(o, "systemdActiveState"),
          Str(o, "systemdSubState")};
}

Machine ToMachine(const json::object& o) {
  Machine m{Str(o, "id"), Str(o, "primaryIP"), {}};
  if (const json::value* md = o.if_contains("metadata"); md && md->is_object()) {
    for (const auto& [k, v] : md->get_object()) {
      if (v.is_string()) m.metadata[std::string(k)] = std::string(v.get_string());
    }
  }
  return m;
}

template <typename T, typename Convert>
base::Result<Page<T>> DecodePage(std::string_view text, std::string_view key, Convert convert) {
  auto o = ParseObject(text);
  if (!o.ok()) return o.status();
  Page<T> page;
  if (const json::array* items = Array(*o, key)) {
    for (const auto& v : *items) {
      if (v.is_object()) page.items.push_back(convert(v.get_object()));
    }
  }
  page.next_page_token = Str(*o, "nextPageToken");
  return page;
}

}  // namespace

base::Result<Unit> DecodeUnit(std::string_view text) {
  auto o = ParseObject(text);
  if (!o.ok()) return o.status();
  return ToUnit(*o);
}

base::Result<Page<Unit>> DecodeUnitPage(std::string_view text) {
  return DecodePage<Unit>(text, "units", ToUnit);
}

base::Result<Page<UnitState>> DecodeUnitStatePage(std::string_view text) {
  return DecodePage<UnitState>(text, "states", ToUnitState);
}

base::Result<Page<Machine>> DecodeMachinePage(std::string_view text) {
  return DecodePage<Machine>(text, "machines", ToMachine);
}

bool DecodeErrorEnvelope(std::string_view text, int* code, std::string* message) {
  auto o = ParseObject(text);
  if (!o.ok()) return false;
  const json::value* e = o->if_contains("error");
  if (!e || !e->is_object()) return false;
  const auto& eo = e->get_object();
  *code = 0;
  if (const json::value* c = eo.if_contains("code"); c && c->is_number()) {
    *code = static_cast<int>(c->to_number<double>());
  }
  *message = Str(eo, "message");
  return true;
}

std::string EncodeUnit(const Unit& unit) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  if (!unit.current_state.empty()) w.Key("currentState"), w.String(unit.current_state);
  if (!unit.desired_state.empty()) w.Key("desiredState"), w.String(unit.desired_state);
  if (!unit.machine_id.empty()) w.Key("machineID"), w.String(unit.machine_id);
  if (!unit.name.empty()) w.Key("name"), w.String(unit.name);
  if (!unit.options.empty()) {
    w.Key("options");
    w.BeginArray();
    for (const auto& o : unit.options) {
      w.BeginObject();
      if (!o.name.empty()) w.Key("name"), w.String(o.name);
      if (!o.section.empty()) w.Key("section"), w.String(o.section);
      if (!o.value.empty()) w.Key("value"), w.String(o.value);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  out += '\n';  // json.Encoder ends every value with a newline
  return out;
}

}  // namespace flotilla::cli::fleetctl

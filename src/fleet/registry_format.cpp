#include "fleet/registry_format.h"

#include <boost/json.hpp>

#include "base/json_writer.h"

namespace flotilla::fleet {
namespace {

namespace json = boost::json;

std::optional<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string Str(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::map<std::string, std::string> StrMap(const json::object& o, std::string_view name) {
  std::map<std::string, std::string> out;
  const json::value* v = o.if_contains(name);
  if (!v || !v->is_object()) return out;
  for (const auto& [k, val] : v->as_object())
    if (val.is_string()) out.emplace(std::string(k), std::string(val.as_string()));
  return out;
}

bool IsHash(std::string_view h) {
  return h.size() == 40 && h.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// "a/b/c" -> {"a","b","c"}.
std::vector<std::string_view> Split(std::string_view rel) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string_view::npos) slash = rel.size();
    parts.push_back(rel.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

template <typename Map>
void EraseEmpty(Map& m, const typename Map::key_type& k) {
  auto it = m.find(k);
  if (it != m.end() && it->second.empty()) m.erase(it);
}

// Sets (value) or removes (nullopt) the leaf `key`, or with `dir` removes
// everything under it.
void Fold(Snapshot& s, const Keys& keys, std::string_view key, const std::string* value) {
  std::string_view prefix = keys.prefix();
  if (key.size() + 1 == prefix.size() && prefix.starts_with(key)) {
    if (!value) s = Snapshot{.index = s.index};  // the whole registry went
    return;
  }
  if (!key.starts_with(prefix)) return;
  auto p = Split(key.substr(prefix.size()));
  std::string_view top = p[0];
  auto arg = [&](size_t i) { return std::string(p[i]); };
  if (top == "job") {
    if (p.size() == 1) {
      if (!value) s.jobs.clear();
    } else if (p.size() == 2) {
      if (!value) s.jobs.erase(arg(1));
    } else if (p.size() == 3 && p[2] == "object") {
      auto hash = value ? DecodeJobObjectHash(*value) : std::nullopt;
      if (hash) {
        s.jobs[arg(1)].hash = *hash;
      } else if (auto it = s.jobs.find(arg(1)); it != s.jobs.end()) {
        it->second.hash.clear();
      }
    } else if (p.size() == 3 && p[2] == "target-state") {
      auto state = value ? ParseJobState(*value) : base::Result<JobState>(JobState::kInactive);
      s.jobs[arg(1)].desired = state.ok() ? *state : JobState::kInactive;
    }
  } else if (top == "unit") {
    if (p.size() == 1) {
      if (!value) s.bodies.clear();
    } else if (p.size() == 2) {
      auto body = value ? DecodeBody(*value) : std::nullopt;
      if (body && IsHash(p[1])) {
        s.bodies[arg(1)] = std::move(*body);
      } else {
        s.bodies.erase(arg(1));
      }
    }
  } else if (top == "schedule") {
    if (p.size() == 1) {
      if (!value) s.schedule.clear();
    } else if (p.size() == 2) {
      if (!value) s.schedule.erase(arg(1));
    } else if (p.size() == 3) {
      auto a = value ? DecodeAssignment(*value) : std::nullopt;
      if (a) {
        s.schedule[arg(1)][arg(2)] = std::move(*a);
      } else if (auto it = s.schedule.find(arg(1)); it != s.schedule.end()) {
        it->second.erase(arg(2));
        EraseEmpty(s.schedule, arg(1));
      }
    }
  } else if (top == "global") {
    if (p.size() == 1) {
      if (!value) s.globals.clear();
    } else if (p.size() == 2) {
      auto a = value ? DecodeAssignment(*value) : std::nullopt;
      if (a) {
        s.globals[arg(1)] = std::move(*a);
      } else {
        s.globals.erase(arg(1));
      }
    }
  } else if (top == "unplaced") {
    if (p.size() == 1) {
      if (!value) s.unplaced.clear();
    } else if (p.size() == 2) {
      if (value) {
        s.unplaced[arg(1)] = *value;
      } else {
        s.unplaced.erase(arg(1));
      }
    }
  } else if (top == "states") {
    if (p.size() == 1) {
      if (!value) s.states.clear();
    } else if (p.size() == 2) {
      if (!value) s.states.erase(arg(1));
    } else if (p.size() == 3) {
      auto st = value ? DecodeUnitState(*value) : std::nullopt;
      if (st) {
        st->machine = arg(2);
        s.states[arg(1)][arg(2)] = std::move(*st);
      } else if (auto it = s.states.find(arg(1)); it != s.states.end()) {
        it->second.erase(arg(2));
        EraseEmpty(s.states, arg(1));
      }
    }
  } else if (top == "machines") {
    if (p.size() == 1) {
      if (!value) s.machines.clear(), s.dynamic_metadata.clear();
    } else if (p.size() == 2) {
      if (!value) s.machines.erase(arg(1)), s.dynamic_metadata.erase(arg(1));
    } else if (p.size() == 3 && p[2] == "object") {
      auto m = value ? DecodeMachine(*value) : std::nullopt;
      if (m) {
        m->id = arg(1);
        s.machines[arg(1)] = std::move(*m);
      } else {
        s.machines.erase(arg(1));
      }
    } else if (p.size() == 3 && p[2] == "metadata") {
      if (!value) s.dynamic_metadata.erase(arg(1));
    } else if (p.size() == 4 && p[2] == "metadata") {
      if (value) {
        s.dynamic_metadata[arg(1)][arg(3)] = *value;
      } else if (auto it = s.dynamic_metadata.find(arg(1)); it != s.dynamic_metadata.end()) {
        it->second.erase(arg(3));
        EraseEmpty(s.dynamic_metadata, arg(1));
      }
    }
  }
}

}  // namespace

Keys::Keys(std::string prefix) : prefix_(std::move(prefix)) {
  if (prefix_.empty() || prefix_.back() != '/') prefix_ += '/';
  if (prefix_.front() != '/') prefix_.insert(prefix_.begin(), '/');
}

std::string EncodeJobObject(std::string_view name, std::string_view hash_hex) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("Name");
  w.String(name);
  w.Key("UnitHash");
  w.BeginArray();
  for (size_t i = 0; i + 1 < hash_hex.size(); i += 2)
    w.Uint(std::stoul(std::string(hash_hex.substr(i, 2)), nullptr, 16));
  w.EndArray();
  w.EndObject();
  return out;
}

std::optional<std::string> DecodeJobObjectHash(std::string_view text) {
  auto o = ParseObject(text);
  if (!o) return std::nullopt;
  const json::value* h = o->if_contains("UnitHash");
  if (!h || !h->is_array() || h->as_array().size() != 20) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const json::value& b : h->as_array()) {
    boost::system::error_code ec;
    auto n = b.to_number<uint8_t>(ec);
    if (ec) return std::nullopt;
    hex += kHex[n >> 4];
    hex += kHex[n & 15];
  }
  return hex;
}

std::string EncodeBody(std::string_view unit_text) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("Raw");
  w.String(unit_text);
  w.EndObject();
  return out;
}

std::optional<std::string> DecodeBody(std::string_view text) {
  auto o = ParseObject(text);
  const json::value* raw = o ? o->if_contains("Raw") : nullptr;
  if (!raw || !raw->is_string()) return std::nullopt;
  return std::string(raw->as_string());
}

std::string EncodeAssignment(const Assignment& a) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("desiredState");
  w.String(JobStateName(a.desired));
  w.Key("unitHash");
  w.String(a.hash);
  w.EndObject();
  return out;
}

std::optional<Assignment> DecodeAssignment(std::string_view text) {
  auto o = ParseObject(text);
  if (!o) return std::nullopt;
  auto state = ParseJobState(Str(*o, "desiredState"));
  std::string hash = Str(*o, "unitHash");
  if (!state.ok() || *state == JobState::kInactive || !IsHash(hash)) return std::nullopt;
  return Assignment{*state, std::move(hash)};
}

std::string EncodeUnitState(const UnitStateRecord& s) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("loadState");
  w.String(s.load);
  w.Key("activeState");
  w.String(s.active);
  w.Key("subState");
  w.String(s.sub);
  w.Key("machineState");
  w.BeginObject();
  w.Key("ID");
  w.String(s.machine);
  w.EndObject();
  w.Key("unitHash");
  w.String(s.hash);
  w.Key("fleetState");
  w.String(JobStateName(s.fleet_state));
  w.EndObject();
  return out;
}

std::optional<UnitStateRecord> DecodeUnitState(std::string_view text) {
  auto o = ParseObject(text);
  if (!o) return std::nullopt;
  UnitStateRecord s;
  s.load = Str(*o, "loadState");
  s.active = Str(*o, "activeState");
  s.sub = Str(*o, "subState");
  s.hash = Str(*o, "unitHash");
  if (const json::value* m = o->if_contains("machineState"); m && m->is_object())
    s.machine = Str(m->as_object(), "ID");
  auto fleet = ParseJobState(Str(*o, "fleetState"));
  s.fleet_state =
      fleet.ok() && *fleet == JobState::kLaunched ? JobState::kLaunched : JobState::kLoaded;
  return s;
}

std::string EncodeMachine(const MachineRecord& m) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("ID");
  w.String(m.id);
  w.Key("PublicIP");
  w.String(m.public_ip);
  w.Key("Metadata");
  w.BeginObject();
  for (const auto& [k, v] : m.metadata) {
    w.Key(k);
    w.String(v);
  }
  w.EndObject();
  w.Key("Version");
  w.String(m.version);
  w.Key("Endpoint");
  w.String(m.endpoint);
  w.EndObject();
  return out;
}

std::optional<MachineRecord> DecodeMachine(std::string_view text) {
  auto o = ParseObject(text);
  if (!o) return std::nullopt;
  MachineRecord m;
  m.id = Str(*o, "ID");
  m.public_ip = Str(*o, "PublicIP");
  m.metadata = StrMap(*o, "Metadata");
  m.version = Str(*o, "Version");
  m.endpoint = Str(*o, "Endpoint");
  return m;
}

std::string EncodeLease(const LeaseRecord& l) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("MachineID");
  w.String(l.machine);
  w.Key("Version");
  w.Int(l.version);
  w.EndObject();
  return out;
}

std::optional<LeaseRecord> DecodeLease(std::string_view text) {
  auto o = ParseObject(text);
  if (!o) return std::nullopt;
  LeaseRecord l;
  l.machine = Str(*o, "MachineID");
  if (const json::value* v = o->if_contains("Version"); v && v->is_int64())
    l.version = static_cast<int>(v->as_int64());
  if (l.machine.empty()) return std::nullopt;
  return l;
}

bool Snapshot::HasJob(std::string_view unit) const {
  auto it = jobs.find(std::string(unit));
  return it != jobs.end() && !it->second.hash.empty();
}

std::string Snapshot::TargetOf(std::string_view unit) const {
  std::string name(unit);
  for (const auto& [machine, units] : schedule)
    if (units.count(name)) return machine;
  return "";
}

Machine Snapshot::MachineView(const MachineRecord& m) const {
  Machine out{MachineId{m.id}, m.metadata};
  if (auto it = dynamic_metadata.find(m.id); it != dynamic_metadata.end()) {
    for (const auto& [k, v] : it->second) {
      if (v.empty()) {
        out.metadata.erase(k);
      } else {
        out.metadata[k] = v;
      }
    }
  }
  return out;
}

void ApplyListing(Snapshot& s, const Keys& keys, const etcd::Node& node) {
  s.index = std::max(s.index, node.modified_index);
  if (!node.dir) return Fold(s, keys, node.key, &node.value);
  for (const auto& child : node.nodes) ApplyListing(s, keys, child);
}

void Apply(Snapshot& s, const Keys& keys, const etcd::Response& r) {
  const std::string& a = r.action;
  if (a == "get") {
    // A listing is current as of etcd_index; a watch event's etcd_index is
    // when the watch started, which may be after later events.
    s.index = std::max(s.index, r.etcd_index);
    return ApplyListing(s, keys, r.node);
  }
  s.index = std::max(s.index, r.node.modified_index);
  if (a == "delete" || a == "expire" || a == "compareAndDelete")
    return Fold(s, keys, r.node.key, nullptr);
  if (!r.node.dir) Fold(s, keys, r.node.key, &r.node.value);
}

}  // namespace flotilla::fleet

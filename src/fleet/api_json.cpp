#include "fleet/api_json.h"

#include <boost/json.hpp>
#include <cstdio>

#include "base/json_writer.h"
#include "etcd/form.h"

namespace flotilla::fleet {
namespace {

namespace json = boost::json;

base::Status Bad(std::string message) {
  return base::Status(base::Code::kInvalidArgument, std::move(message));
}

// --- reading like Go's encoding/json ---

// Go's quoteChar: how a scanner error names the byte it stopped at.
std::string QuoteChar(unsigned char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  char buf[16];
  if (c == '\n') return "'\\n'";
  if (c == '\r') return "'\\r'";
  if (c == '\t') return "'\\t'";
  if (c < 0x20 || c == 0x7f) {
    std::snprintf(buf, sizeof buf, "'\\x%02x'", c);
    return buf;
  }
  if (c < 0x80) return std::string("'") + static_cast<char>(c) + "'";
  if (c < 0xa1 || c == 0xad) {  // not printable as a rune
    std::snprintf(buf, sizeof buf, "'\\u%04x'", c);
    return buf;
  }
  // The byte as the rune U+00XX, in UTF-8.
  return std::string("'") + static_cast<char>(0xc0 | (c >> 6)) +
         static_cast<char>(0x80 | (c & 0x3f)) + "'";
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The first JSON value of `body`, as json.Decoder.Decode reads it: what
// follows it is not looked at.
base::Result<json::value> ParseFirstValue(std::string_view body) {
  size_t start = 0;
  while (start < body.size() && IsSpace(body[start])) ++start;
  if (start == body.size()) return Bad("EOF");
  json::parser p;
  boost::system::error_code ec;
  size_t n = p.write_some(body.data(), body.size(), ec);
  if (ec == json::error::incomplete) return Bad("unexpected EOF");
  if (ec) {
    if (n >= body.size()) return Bad("unexpected EOF");
    std::string what = "invalid character " + QuoteChar(static_cast<unsigned char>(body[n]));
    if (n == start) return Bad(what + " looking for beginning of value");
    return Bad(what + " in JSON input");
  }
  return p.release();
}

const char* KindOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "bool";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    case json::kind::null:
      return "null";
    default:
      return "number";
  }
}

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The value of field `name`, matched as Go matches keys (case-insensitive,
// the last one wins); nullptr when absent or null.
const json::value* Field(const json::object& o, std::string_view name) {
  const json::value* found = nullptr;
  for (const auto& kv : o) {
    if (EqualFold(kv.key(), name)) found = &kv.value();
  }
  return found && !found->is_null() ? found : nullptr;
}

// Decodes a string field of struct `type` ("Unit") at JSON path `path`
// ("name", "options.name") into *out; the first error is kept in *err.
void StringField(const json::object& o, std::string_view name, std::string_view type,
                 std::string_view path, std::string* out, std::optional<std::string>* err) {
  const json::value* v = Field(o, name);
  if (!v) return;
  if (v->is_string()) {
    *out = std::string(v->as_string());
  } else if (!*err) {
    *err = "json: cannot unmarshal " + std::string(KindOf(*v)) + " into Go struct field " +
           std::string(type) + "." + std::string(path) + " of type string";
  }
}

// --- writing ---

void WriteOption(base::JsonWriter& w, const ApiUnitOption& o) {
  w.BeginObject();
  if (!o.name.empty()) w.Key("name"), w.String(o.name);
  if (!o.section.empty()) w.Key("section"), w.String(o.section);
  if (!o.value.empty()) w.Key("value"), w.String(o.value);
  w.EndObject();
}

void WriteUnit(base::JsonWriter& w, const ApiUnit& u) {
  w.BeginObject();
  if (!u.current_state.empty()) w.Key("currentState"), w.String(u.current_state);
  if (!u.desired_state.empty()) w.Key("desiredState"), w.String(u.desired_state);
  if (!u.machine_id.empty()) w.Key("machineID"), w.String(u.machine_id);
  if (!u.name.empty()) w.Key("name"), w.String(u.name);
  if (!u.options.empty()) {
    w.Key("options");
    w.BeginArray();
    for (const auto& o : u.options) WriteOption(w, o);
    w.EndArray();
  }
  if (!u.reason.empty()) w.Key("reason"), w.String(u.reason);
  w.EndObject();
}

void WriteUnitState(base::JsonWriter& w, const ApiUnitState& s) {
  w.BeginObject();
  if (!s.hash.empty()) w.Key("hash"), w.String(s.hash);
  if (!s.machine_id.empty()) w.Key("machineID"), w.String(s.machine_id);
  if (!s.name.empty()) w.Key("name"), w.String(s.name);
  if (!s.active_state.empty()) w.Key("systemdActiveState"), w.String(s.active_state);
  if (!s.load_state.empty()) w.Key("systemdLoadState"), w.String(s.load_state);
  if (!s.sub_state.empty()) w.Key("systemdSubState"), w.String(s.sub_state);
  w.EndObject();
}

void WriteMachine(base::JsonWriter& w, const ApiMachine& m) {
  w.BeginObject();
  if (!m.id.empty()) w.Key("id"), w.String(m.id);
  if (!m.metadata.empty()) {
    w.Key("metadata");
    w.BeginObject();
    for (const auto& [k, v] : m.metadata) w.Key(k), w.String(v);
    w.EndObject();
  }
  if (!m.primary_ip.empty()) w.Key("primaryIP"), w.String(m.primary_ip);
  w.EndObject();
}

template <typename T, typename WriteFn>
void WriteItems(base::JsonWriter& w, std::string_view key, const std::vector<T>& items,
                WriteFn write) {
  if (items.empty()) return;
  w.Key(key);
  w.BeginArray();
  for (const auto& item : items) write(w, item);
  w.EndArray();
}

void WriteNext(base::JsonWriter& w, const std::optional<PageToken>& next) {
  if (next) w.Key("nextPageToken"), w.String(EncodePageToken(*next));
}

}  // namespace

std::string EncodeUnit(const ApiUnit& u) {
  std::string out;
  base::JsonWriter w(out);
  WriteUnit(w, u);
  return out;
}

std::string EncodeUnitState(const ApiUnitState& s) {
  std::string out;
  base::JsonWriter w(out);
  WriteUnitState(w, s);
  return out;
}

std::string EncodeMachine(const ApiMachine& m) {
  std::string out;
  base::JsonWriter w(out);
  WriteMachine(w, m);
  return out;
}

std::string EncodeUnitPage(const Page<ApiUnit>& page) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  WriteNext(w, page.next);
  WriteItems(w, "units", page.items, WriteUnit);
  w.EndObject();
  return out;
}

std::string EncodeUnitStatePage(const Page<ApiUnitState>& page) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  WriteNext(w, page.next);
  WriteItems(w, "states", page.items, WriteUnitState);
  w.EndObject();
  return out;
}

std::string EncodeMachinePage(const Page<ApiMachine>& page) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  WriteItems(w, "machines", page.items, WriteMachine);
  WriteNext(w, page.next);
  w.EndObject();
  return out;
}

std::string EncodeError(int code, std::string_view message) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("error");
  w.BeginObject();
  w.Key("code");
  w.Int(code);
  w.Key("message");
  w.String(message);
  w.EndObject();
  w.EndObject();
  return out;
}

base::Result<ApiUnit> DecodeUnit(std::string_view body) {
  auto parsed = ParseFirstValue(body);
  if (!parsed.ok()) return parsed.status();
  if (parsed->is_null()) return ApiUnit{};
  if (!parsed->is_object()) {
    return Bad("json: cannot unmarshal " + std::string(KindOf(*parsed)) +
               " into Go value of type schema.Unit");
  }
  const json::object& o = parsed->as_object();
  ApiUnit u;
  std::optional<std::string> err;
  StringField(o, "currentState", "Unit", "currentState", &u.current_state, &err);
  StringField(o, "desiredState", "Unit", "desiredState", &u.desired_state, &err);
  StringField(o, "machineID", "Unit", "machineID", &u.machine_id, &err);
  StringField(o, "name", "Unit", "name", &u.name, &err);
  if (const json::value* opts = Field(o, "options")) {
    if (!opts->is_array()) {
      if (!err) {
        err = "json: cannot unmarshal " + std::string(KindOf(*opts)) +
              " into Go struct field Unit.options of type []*schema.UnitOption";
      }
    } else {
      for (const json::value& item : opts->as_array()) {
        if (item.is_null()) {
          if (!err) err = "null unit option";
          continue;
        }
        if (!item.is_object()) {
          if (!err) {
            err = "json: cannot unmarshal " + std::string(KindOf(item)) +
                  " into Go struct field Unit.options of type schema.UnitOption";
          }
          continue;
        }
        ApiUnitOption opt;
        const json::object& io = item.as_object();
        StringField(io, "name", "UnitOption", "options.name", &opt.name, &err);
        StringField(io, "section", "UnitOption", "options.section", &opt.section, &err);
        StringField(io, "value", "UnitOption", "options.value", &opt.value, &err);
        u.options.push_back(std::move(opt));
      }
    }
  }
  if (err) return Bad(*err);
  return u;
}

base::Result<std::vector<MachinePatchOp>> DecodeMachinePatch(std::string_view body) {
  auto parsed = ParseFirstValue(body);
  if (!parsed.ok()) return parsed.status();
  std::vector<MachinePatchOp> ops;
  if (parsed->is_null()) return ops;
  if (!parsed->is_array()) {
    return Bad("json: cannot unmarshal " + std::string(KindOf(*parsed)) +
               " into Go value of type []api.machineMetadataOp");
  }
  std::optional<std::string> err;
  for (const json::value& item : parsed->as_array()) {
    MachinePatchOp op;
    if (item.is_object()) {
      const json::object& o = item.as_object();
      StringField(o, "op", "machineMetadataOp", "op", &op.op, &err);
      StringField(o, "path", "machineMetadataOp", "Path", &op.path, &err);
      if (const json::value* v = Field(o, "value")) {
        if (v->is_string()) {
          op.value = std::string(v->as_string());  // api-v1.md's form
        } else if (v->is_object()) {
          StringField(v->as_object(), "value", "ValueType", "Value.value", &op.value, &err);
        } else if (!err) {
          err = "json: cannot unmarshal " + std::string(KindOf(*v)) +
                " into Go struct field machineMetadataOp.Value of type api.ValueType";
        }
      }
    } else if (!item.is_null() && !err) {
      err = "json: cannot unmarshal " + std::string(KindOf(item)) +
            " into Go value of type api.machineMetadataOp";
    }
    ops.push_back(std::move(op));
  }
  if (err) return Bad(*err);
  return ops;
}

base::Result<std::vector<MetadataChange>> CheckMachinePatch(
    const std::vector<MachinePatchOp>& ops) {
  std::vector<MetadataChange> out;
  for (const auto& op : ops) {
    if (op.op != "add" && op.op != "remove" && op.op != "replace")
      return Bad("invalid op: expect add, remove, or replace");
    // ^/([^/]+)/metadata/([A-Za-z0-9_.-]+)$
    std::string_view p = op.path;
    constexpr std::string_view kMiddle = "/metadata/";
    size_t slash = p.size() > 1 && p[0] == '/' ? p.find('/', 1) : std::string_view::npos;
    bool ok = slash != std::string_view::npos && slash > 1 &&
              p.substr(slash, kMiddle.size()) == kMiddle && p.size() > slash + kMiddle.size();
    std::string_view key = ok ? p.substr(slash + kMiddle.size()) : std::string_view();
    for (char c : key) {
      bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
      if (!word) ok = false;
    }
    if (!ok) return Bad("machine metadata path invalid");
    if (op.op != "remove" && op.value.empty())
      return Bad("invalid value: add and replace require a value");
    out.push_back(
        {std::string(p.substr(1, slash - 1)), std::string(key), op.op == "remove" ? "" : op.value});
  }
  return out;
}

std::optional<service::UnitStatusView> DecodeRemoteUnit(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  auto str = [&](std::string_view key) {
    const json::value* f = o.if_contains(key);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  auto num = [&](std::string_view key) -> int64_t {
    const json::value* f = o.if_contains(key);
    if (!f) return 0;
    auto n = f->to_number<int64_t>(ec);
    return ec ? 0 : n;
  };
  const json::value* name = o.if_contains("name");
  if (!name || !name->is_string() || name->as_string().empty()) return std::nullopt;
  service::UnitStatusView u;
  u.name = std::string(name->as_string());
  u.description = str("description");
  u.path = str("path");
  u.main_command = str("mainCommand");
  auto& st = u.status;
  st.main_pid = static_cast<pid_t>(num("mainPID"));
  // Microseconds since the epoch; out of range (it would overflow the
  // clock's nanoseconds) reads as never.
  int64_t since = num("since");
  if (since < 0 || since > int64_t{4'000'000'000'000'000}) since = 0;
  st.since = std::chrono::system_clock::time_point(std::chrono::microseconds(since));
  std::string active = str("active"), sub = str("sub"), result = str("result");
  for (int a = 0; a <= static_cast<int>(service::ActiveState::kFailed); ++a) {
    if (active == service::ToString(static_cast<service::ActiveState>(a)))
      st.active = static_cast<service::ActiveState>(a);
  }
  for (int s = 0; s <= static_cast<int>(service::SubState::kAutoRestart); ++s) {
    if (sub == service::ToString(static_cast<service::SubState>(s)))
      st.sub = static_cast<service::SubState>(s);
  }
  for (int r = 0; r <= static_cast<int>(service::ServiceResult::kStartLimitHit); ++r) {
    if (result == service::ToString(static_cast<service::ServiceResult>(r)))
      st.result = static_cast<service::ServiceResult>(r);
  }
  return u;
}

}  // namespace flotilla::fleet

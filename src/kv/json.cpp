#include "kv/json.h"

#include "base/clock.h"
#include "base/json_writer.h"

namespace flotilla::kv {
namespace {

std::string_view Strip(std::string_view s, std::string_view prefix) {
  if (!prefix.empty() && s.starts_with(prefix)) s.remove_prefix(prefix.size());
  return s;
}

// NodeExtern: key, value, dir, expiration, ttl, nodes, modifiedIndex,
// createdIndex, each omitted when empty.
void WriteNode(base::JsonWriter& w, const NodeView& n, std::string_view strip_prefix) {
  w.BeginObject();
  std::string_view key = Strip(n.key, strip_prefix);
  if (!key.empty()) {
    w.Key("key");
    w.String(key);
  }
  if (n.value) {
    w.Key("value");
    w.String(*n.value);
  }
  if (n.dir) {
    w.Key("dir");
    w.Bool(true);
  }
  if (n.expiration != 0) {
    w.Key("expiration");
    w.String(base::FormatRfc3339Nano(n.expiration));
  }
  if (n.ttl != 0) {
    w.Key("ttl");
    w.Int(n.ttl);
  }
  if (!n.nodes.empty()) {
    w.Key("nodes");
    w.BeginArray();
    for (const NodeView& child : n.nodes) WriteNode(w, child, strip_prefix);
    w.EndArray();
  }
  if (n.modified_index != 0) {
    w.Key("modifiedIndex");
    w.Uint(n.modified_index);
  }
  if (n.created_index != 0) {
    w.Key("createdIndex");
    w.Uint(n.created_index);
  }
  w.EndObject();
}

}  // namespace

void AppendEventJson(std::string& out, const Event& e, std::string_view strip_prefix) {
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("action");
  w.String(ActionName(e.action));
  w.Key("node");
  WriteNode(w, e.node, strip_prefix);
  if (e.prev_node) {
    w.Key("prevNode");
    WriteNode(w, *e.prev_node, strip_prefix);
  }
  // "refresh" never reaches the wire: etcd's HTTP layer clones the event
  // without it.
  w.EndObject();
  out += '\n';
}

void AppendActionOnlyJson(std::string& out, Action action) {
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("action");
  w.String(ActionName(action));
  w.EndObject();
  out += '\n';
}

void AppendErrorJson(std::string& out, const Error& e, std::string_view strip_prefix) {
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("errorCode");
  w.Int(static_cast<int>(e.code));
  w.Key("message");
  w.String(ErrorMessage(e.code));
  std::string_view cause = Strip(e.cause, strip_prefix);
  if (!cause.empty()) {
    w.Key("cause");
    w.String(cause);
  }
  w.Key("index");
  w.Uint(e.index);
  w.EndObject();
  out += '\n';
}

void AppendStoreStatsJson(std::string& out, const StoreStats& s) {
  base::JsonWriter w(out);
  const std::pair<const char*, uint64_t> fields[] = {
      {"getsSuccess", s.gets_success},
      {"getsFail", s.gets_fail},
      {"setsSuccess", s.sets_success},
      {"setsFail", s.sets_fail},
      {"deleteSuccess", s.delete_success},
      {"deleteFail", s.delete_fail},
      {"updateSuccess", s.update_success},
      {"updateFail", s.update_fail},
      {"createSuccess", s.create_success},
      {"createFail", s.create_fail},
      {"compareAndSwapSuccess", s.compare_and_swap_success},
      {"compareAndSwapFail", s.compare_and_swap_fail},
      {"compareAndDeleteSuccess", s.compare_and_delete_success},
      {"compareAndDeleteFail", s.compare_and_delete_fail},
      {"expireCount", s.expire_count},
      {"watchers", s.watchers},
  };
  w.BeginObject();
  for (const auto& [name, value] : fields) {
    w.Key(name);
    w.Uint(value);
  }
  w.EndObject();
}

}  // namespace flotilla::kv

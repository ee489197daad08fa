// The v2 keys API on the wire, for the Client: key paths, response and
// error bodies (reference/etcd.md sections 1.4 and 1.7). Pure.
#include <boost/json.hpp>

#include "base/go_url.h"
#include "etcd/client.h"

namespace flotilla::etcd {
namespace {

namespace json = boost::json;
using base::Code;
using base::Status;

std::string String(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

template <typename T>
T Number(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (!v) return 0;
  boost::system::error_code ec;
  T n = v->to_number<T>(ec);
  return ec ? 0 : n;
}

bool DecodeNode(const json::value& v, Node* out, int depth) {
  // A listing nests no deeper than the key space does; this only stops a
  // hostile body from exhausting the stack.
  if (!v.is_object() || depth > 256) return false;
  const json::object& o = v.as_object();
  out->key = String(o, "key");
  out->value = String(o, "value");
  const json::value* dir = o.if_contains("dir");
  out->dir = dir && dir->is_bool() && dir->as_bool();
  out->created_index = Number<uint64_t>(o, "createdIndex");
  out->modified_index = Number<uint64_t>(o, "modifiedIndex");
  out->ttl = Number<int64_t>(o, "ttl");
  out->expiration = String(o, "expiration");
  if (const json::value* nodes = o.if_contains("nodes"); nodes && nodes->is_array()) {
    out->nodes.reserve(nodes->as_array().size());
    for (const json::value& child : nodes->as_array()) {
      if (!DecodeNode(child, &out->nodes.emplace_back(), depth + 1)) return false;
    }
  }
  return true;
}

}  // namespace

std::string KeyPath(std::string_view key) {
  std::string path = "/v2/keys";
  if (!key.empty() && key[0] != '/') path += '/';
  path.append(key);
  return base::EscapePath(base::CanonicalUrlPath(path));
}

base::Result<Response> DecodeResponse(std::string_view body) {
  auto bad = [](const std::string& why) {
    return Status(Code::kIoError, "decode etcd response: " + why);
  };
  // The Go client's ErrEmptyBody.
  if (body.empty()) return Status(Code::kIoError, "client: response body is empty");
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return bad(ec.message());
  if (!v.is_object()) return bad("not a JSON object");
  const json::object& o = v.as_object();
  Response r;
  r.action = String(o, "action");
  if (const json::value* node = o.if_contains("node")) {
    if (!DecodeNode(*node, &r.node, 0)) return bad("malformed \"node\"");
  }
  if (const json::value* prev = o.if_contains("prevNode"); prev && !prev->is_null()) {
    if (!DecodeNode(*prev, &r.prev_node.emplace(), 0)) return bad("malformed \"prevNode\"");
  }
  return r;
}

std::optional<EtcdError> DecodeError(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  const json::value* code = o.if_contains("errorCode");
  if (!code || !code->is_number()) return std::nullopt;
  EtcdError e;
  e.code = static_cast<ErrorCode>(Number<int>(o, "errorCode"));
  e.message = String(o, "message");
  e.cause = String(o, "cause");
  e.index = Number<uint64_t>(o, "index");
  return e;
}

}  // namespace flotilla::etcd

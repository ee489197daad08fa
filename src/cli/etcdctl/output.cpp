#include "cli/etcdctl/output.h"

#include "base/json_writer.h"
#include "cli/etcdctl/session.h"

namespace flotilla::cli::etcdctl {
namespace {

// client.Node's field order and tags: dir, expiration and ttl are omitempty.
void WriteNode(base::JsonWriter& w, const Node& n) {
  w.BeginObject();
  w.Key("key");
  w.String(n.key);
  if (n.dir) {
    w.Key("dir");
    w.Bool(true);
  }
  w.Key("value");
  w.String(n.value);
  w.Key("nodes");
  if (n.nodes) {
    w.BeginArray();
    for (const auto& child : *n.nodes) WriteNode(w, child);
    w.EndArray();
  } else {
    w.Null();
  }
  w.Key("createdIndex");
  w.Uint(n.created_index);
  w.Key("modifiedIndex");
  w.Uint(n.modified_index);
  if (n.expiration) {
    w.Key("expiration");
    w.String(*n.expiration);
  }
  if (n.ttl != 0) {
    w.Key("ttl");
    w.Int(n.ttl);
  }
  w.EndObject();
}

void WriteOptionalNode(base::JsonWriter& w, const std::optional<Node>& n) {
  if (n) {
    WriteNode(w, *n);
  } else {
    w.Null();
  }
}

}  // namespace

std::string MarshalResponse(const Response& resp) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("action");
  w.String(resp.action);
  w.Key("node");
  WriteOptionalNode(w, resp.node);
  w.Key("prevNode");
  WriteOptionalNode(w, resp.prev_node);
  w.EndObject();
  return out;
}

void PrintResponseKey(const Response& resp, const std::string& format) {
  static const Node kEmpty;
  const Node& node = resp.node ? *resp.node : kEmpty;
  if (format == "simple") {
    if (resp.action != "delete") {
      Out(node.value + "\n");
    } else {
      Out("PrevNode.Value: " + (resp.prev_node ? resp.prev_node->value : "") + "\n");
    }
  } else if (format == "extended") {
    std::string out = "Key: " + node.key + "\n";
    out += "Created-Index: " + std::to_string(node.created_index) + "\n";
    out += "Modified-Index: " + std::to_string(node.modified_index) + "\n";
    if (resp.prev_node) out += "PrevNode.Value: " + resp.prev_node->value + "\n";
    out += "TTL: " + std::to_string(node.ttl) + "\n";
    out += "Index: " + std::to_string(resp.index) + "\n";
    if (resp.action != "delete") out += "\n" + node.value + "\n";
    Out(out);
  } else if (format == "json") {
    Out(MarshalResponse(resp) + "\n");
  } else {
    Err("Unsupported output format: " + format + "\n");
  }
}

}  // namespace flotilla::cli::etcdctl

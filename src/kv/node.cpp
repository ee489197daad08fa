#include "kv/node.h"

#include <limits>
#include <vector>

#include "kv/path.h"

namespace flotilla::kv {

Node::~Node() {
  if (!children) return;
  // Detach every grandchild map before its parent map dies, so each map is
  // destroyed holding only childless nodes: no recursion.
  std::vector<std::unique_ptr<Children>> pending;
  pending.push_back(std::move(children));
  while (!pending.empty()) {
    std::unique_ptr<Children> dir = std::move(pending.back());
    pending.pop_back();
    for (auto& [name, child] : *dir) {
      if (child.children) pending.push_back(std::move(child.children));
    }
  }
}

Node Node::File(std::string value, Index index, base::UnixNanos expiration) {
  Node n;
  n.value = std::move(value);
  n.created_index = n.modified_index = index;
  n.expiration = expiration;
  return n;
}

Node Node::Dir(Index index, base::UnixNanos expiration) {
  Node n;
  n.created_index = n.modified_index = index;
  n.expiration = expiration;
  n.children = std::make_unique<Children>();
  return n;
}

int64_t TtlSeconds(base::UnixNanos expiration, base::UnixNanos now) {
  constexpr int64_t kSecond = 1'000'000'000;
  int64_t left;
  if (__builtin_sub_overflow(expiration, now, &left)) {
    left = expiration > now ? std::numeric_limits<int64_t>::max()
                            : std::numeric_limits<int64_t>::min();
  }
  int64_t ttl = left / kSecond;
  if (left % kSecond > 0) ++ttl;
  return ttl;
}

NodeView Describe(const Node& n, std::string key, base::UnixNanos now) {
  NodeView v;
  v.key = std::move(key);
  if (n.is_dir()) {
    v.dir = true;
  } else {
    v.value = n.value;
  }
  if (!n.permanent()) {
    v.expiration = n.expiration;
    v.ttl = TtlSeconds(n.expiration, now);
  }
  v.modified_index = n.modified_index;
  v.created_index = n.created_index;
  return v;
}

namespace {

void ListChildren(const Node& dir, NodeView& view, bool recursive, base::UnixNanos now) {
  view.listed = true;
  view.nodes.reserve(dir.children->size());
  for (const auto& [name, child] : *dir.children) {
    if (IsHiddenName(name)) continue;
    std::string key = view.key;
    AppendChild(key, name);
    NodeView c = Describe(child, std::move(key), now);
    if (recursive && child.is_dir()) ListChildren(child, c, recursive, now);
    view.nodes.push_back(std::move(c));
  }
}

}  // namespace

NodeView DescribeListing(const Node& n, std::string key, bool recursive, base::UnixNanos now) {
  NodeView v = Describe(n, std::move(key), now);
  if (n.is_dir()) ListChildren(n, v, recursive, now);
  return v;
}

}  // namespace flotilla::kv

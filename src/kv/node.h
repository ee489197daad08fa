// Node: one file or directory of the v2 key tree, and how it is shown.
//
// A node stores neither its name nor its path: a directory's children map is
// keyed by name and every walk starts at the root, so the full key is always
// at hand when it is needed (events, listings, the TTL index). This keeps a
// file to one map entry of ~144 bytes for short names and values.
//
// Invariants: `children` is non-null exactly for directories; `value` is
// empty for directories; `expiration` is 0 for permanent nodes. Destroying a
// node frees its subtree iteratively, so arbitrarily deep trees (from long
// keys or a hostile snapshot) cannot overflow the stack.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/clock.h"
#include "kv/event.h"

namespace flotilla::kv {

struct Node;
// Sorted by name, bytewise: the order etcd's sorted listings use.
using Children = std::map<std::string, Node, std::less<>>;

struct Node {
  std::string value;
  Index created_index = 0;
  Index modified_index = 0;
  base::UnixNanos expiration = 0;
  std::unique_ptr<Children> children;

  Node() = default;
  Node(Node&&) noexcept = default;
  Node& operator=(Node&&) noexcept = default;
  ~Node();

  static Node File(std::string value, Index index, base::UnixNanos expiration);
  static Node Dir(Index index, base::UnixNanos expiration);

  bool is_dir() const { return children != nullptr; }
  bool permanent() const { return expiration == 0; }
};

// Seconds left before `expiration` as of `now`, rounded up the way etcd's
// expirationAndTTL does (Go's saturating time.Sub, truncating division).
int64_t TtlSeconds(base::UnixNanos expiration, base::UnixNanos now);

// The node alone (etcd's Repr(false, false)): value or dir flag, TTL,
// indexes; no children.
NodeView Describe(const Node& n, std::string key, base::UnixNanos now);

// The node as a GET shows it (etcd's loadInternalNode): a directory lists its
// visible children, and their subtrees too when `recursive`. Children come in
// key order, which is both etcd's sorted order and a valid unsorted one.
// Recurses once per tree level.
NodeView DescribeListing(const Node& n, std::string key, bool recursive, base::UnixNanos now);

}  // namespace flotilla::kv

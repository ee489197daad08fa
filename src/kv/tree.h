// Tree: the v2 key tree rooted at "/", plus the TTL index over it.
//
// Owns every Node. Paths given to it must be clean (kv/path.h). The TTL index
// holds (expiration, path) for exactly the nodes with an expiration, so the
// store finds expired keys in O(expired * log n) and never scans the tree.
// Node pointers returned stay valid until that node or an ancestor is
// removed. Not thread-safe; owned by the Store.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "kv/event.h"
#include "kv/node.h"

namespace flotilla::kv {

class Tree {
 public:
  // Why a walk stopped: 100 at a missing component, or 104 at a file in the
  // way. The cause etcd reports is the walked path up to that component.
  struct Miss {
    ErrorCode code;
    size_t cause_length;
  };
  using TtlEntry = std::pair<base::UnixNanos, std::string>;
  using RemovedFn = std::function<void(const std::string& path)>;

  Tree();
  Tree(Tree&&) noexcept = default;
  Tree& operator=(Tree&&) noexcept = default;

  Node& root() { return root_; }
  const Node& root() const { return root_; }

  // The node at `path` (etcd's internalGet).
  std::variant<Node*, Miss> Find(std::string_view path);

  // The directory at `dir_path`, creating missing directories on the way as
  // permanent, created at `index` (etcd's walk with checkDir). Fails with 104
  // when a file is in the way.
  std::variant<Node*, Miss> MakeDirs(std::string_view dir_path, Index index);

  // Adds `node` as `name` under the directory `dir` (which lives at
  // `dir_path`); the name must be free.
  Node& Insert(Node& dir, std::string_view dir_path, std::string_view name, Node node);

  // Gives the node at `path` a new expiration (0: permanent), keeping the TTL
  // index in step.
  void SetExpiration(Node& node, std::string_view path, base::UnixNanos expiration);

  // Removes the node at `path` (which must exist and not be the root) with
  // its whole subtree. `on_removed` (may be empty) hears each removed path,
  // children before their parent, as etcd's Remove callback does.
  void Remove(std::string_view path, const RemovedFn& on_removed);

  // The TTL entry expiring first, or nullptr when no node has a TTL.
  const TtlEntry* NextExpiry() const { return ttl_.empty() ? nullptr : &*ttl_.begin(); }
  size_t ttl_count() const { return ttl_.size(); }

 private:
  Node root_;
  std::set<TtlEntry> ttl_;
};

}  // namespace flotilla::kv

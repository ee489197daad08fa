#include "kv/tree.h"

#include <cassert>
#include <vector>

#include "kv/path.h"

namespace flotilla::kv {
namespace {

// Calls fn(name, end) for each component of the clean path `p`, where `end`
// is the length of the prefix of `p` ending with that component. Stops early
// when fn returns false.
template <typename Fn>
void ForEachComponent(std::string_view p, Fn&& fn) {
  size_t i = 1;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (!fn(p.substr(i, j - i), j)) return;
    i = j + 1;
  }
}

}  // namespace

Tree::Tree() : root_(Node::Dir(0, 0)) {}

std::variant<Node*, Tree::Miss> Tree::Find(std::string_view path) {
  Node* cur = &root_;
  size_t cur_end = 1;  // the walked prefix naming `cur`
  std::variant<Node*, Miss> out = cur;
  ForEachComponent(path, [&](std::string_view name, size_t end) {
    if (!cur->is_dir()) {
      out = Miss{ErrorCode::kNotDir, cur_end};
      return false;
    }
    auto it = cur->children->find(name);
    if (it == cur->children->end()) {
      out = Miss{ErrorCode::kKeyNotFound, end};
      return false;
    }
    cur = &it->second;
    cur_end = end;
    out = cur;
    return true;
  });
  return out;
}

std::variant<Node*, Tree::Miss> Tree::MakeDirs(std::string_view dir_path, Index index) {
  Node* cur = &root_;
  std::variant<Node*, Miss> out = cur;
  ForEachComponent(dir_path, [&](std::string_view name, size_t end) {
    auto it = cur->children->find(name);
    if (it == cur->children->end()) {
      it = cur->children->emplace(std::string(name), Node::Dir(index, 0)).first;
    } else if (!it->second.is_dir()) {
      out = Miss{ErrorCode::kNotDir, end};
      return false;
    }
    cur = &it->second;
    out = cur;
    return true;
  });
  return out;
}

Node& Tree::Insert(Node& dir, std::string_view dir_path, std::string_view name, Node node) {
  assert(dir.is_dir());
  base::UnixNanos expiration = node.expiration;
  auto [it, inserted] = dir.children->emplace(std::string(name), std::move(node));
  assert(inserted);
  (void)inserted;
  if (expiration != 0) {
    std::string path(dir_path);
    AppendChild(path, name);
    ttl_.emplace(expiration, std::move(path));
  }
  return it->second;
}

void Tree::SetExpiration(Node& node, std::string_view path, base::UnixNanos expiration) {
  if (node.expiration == expiration) return;
  if (node.expiration != 0) ttl_.erase(TtlEntry(node.expiration, path));
  node.expiration = expiration;
  if (expiration != 0) ttl_.emplace(expiration, std::string(path));
}

void Tree::Remove(std::string_view path, const RemovedFn& on_removed) {
  auto [dir_path, name] = SplitLast(path);
  auto found = Find(dir_path);
  assert(std::holds_alternative<Node*>(found));
  Children& siblings = *std::get<Node*>(found)->children;
  auto it = siblings.find(name);
  assert(it != siblings.end());

  // Post-order walk of the subtree, without recursion.
  struct Frame {
    const Node* node;
    Children::const_iterator next;
    size_t path_length;
  };
  std::string cur(path);
  std::vector<Frame> stack;
  auto enter = [&](const Node* n) {
    stack.push_back(
        {n, n->is_dir() ? n->children->cbegin() : Children::const_iterator{}, cur.size()});
  };
  enter(&it->second);
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.node->is_dir() && top.next != top.node->children->cend()) {
      const auto& [child_name, child] = *top.next++;
      AppendChild(cur, child_name);
      enter(&child);
      continue;
    }
    if (!top.node->permanent()) ttl_.erase(TtlEntry(top.node->expiration, cur));
    if (on_removed) on_removed(cur);
    stack.pop_back();
    if (!stack.empty()) cur.resize(stack.back().path_length);
  }
  siblings.erase(it);
}

}  // namespace flotilla::kv

// Key paths of the v2 store, cleaned and compared as etcd 3.4 does.
//
// Every path the store keeps or hands out is "clean": rooted, no empty, "."
// or ".." elements, no trailing slash ("/" itself is the root). CleanPath is
// Go's path.Clean(path.Join("/", p)), which etcd applies to every key it is
// given. Pure functions, no state.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace flotilla::kv {

// Go's path.Clean(path.Join("/", p)).
std::string CleanPath(std::string_view p);

// True when CleanPath(p) == p.
bool IsCleanPath(std::string_view p);

// etcd's hidden nodes: a name starting with '_' is left out of listings.
inline bool IsHiddenName(std::string_view name) {
  return !name.empty() && name.front() == '_';
}

// watcher_hub.go isHidden: whether `key`, seen from a watcher on its ancestor
// `watch_path`, lies under a hidden component ("/_" below the watch root).
bool IsHiddenFrom(std::string_view watch_path, std::string_view key);

// Appends the child `name` to the clean dir path in `path` ("/" + "a" = "/a").
inline void AppendChild(std::string& path, std::string_view name) {
  if (path.size() != 1) path += '/';
  path += name;
}

// Splits a clean path into its parent dir path and last name, as Go's
// path.Split does, minus the trailing slash: "/a/b" -> ("/a", "b"),
// "/a" -> ("/", "a"). The root gives ("/", "").
inline std::pair<std::string_view, std::string_view> SplitLast(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view dir = slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
  return {dir, path.substr(slash + 1)};
}

}  // namespace flotilla::kv

#include "kv/path.h"

#include "base/go_url.h"

namespace flotilla::kv {

bool IsCleanPath(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  if (p.size() == 1) return true;
  if (p.back() == '/') return false;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view elem = p.substr(i, j - i);
    if (elem.empty() || elem == "." || elem == "..") return false;
    i = j + 1;
  }
  return true;
}

std::string CleanPath(std::string_view p) {
  if (IsCleanPath(p)) return std::string(p);
  return base::PathClean("/" + std::string(p));
}

bool IsHiddenFrom(std::string_view watch_path, std::string_view key) {
  // A watcher deeper than the key only hears of it when a dir above it goes.
  if (watch_path.size() > key.size()) return false;
  std::string after = CleanPath(key.substr(watch_path.size()));
  return after.find("/_") != std::string::npos;
}

}  // namespace flotilla::kv

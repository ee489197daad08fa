#include "container/layer_path.h"

#include <vector>

namespace flotilla::container {

base::Result<std::string> CleanLayerPath(std::string_view name) {
  if (name.find('\0') != std::string_view::npos)
    return base::Status(base::Code::kInvalidArgument, "layer entry name holds a NUL byte");
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view part = name.substr(i, j - i);
    if (part == "..") {
      if (parts.empty())
        return base::Status(
            base::Code::kInvalidArgument,
            "layer entry \"" + std::string(name.substr(0, 200)) + "\" points outside the layer");
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (auto part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

std::string_view ParentOf(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view LeafOf(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

Whiteout ClassifyWhiteout(const std::string& path) {
  std::string_view leaf = LeafOf(path);
  if (!leaf.starts_with(".wh.")) return {};
  std::string parent(ParentOf(path));
  if (leaf == ".wh..wh..opq") return {Whiteout::kOpaque, parent};
  if (leaf.starts_with(".wh..wh.")) return {Whiteout::kAufsMeta, ""};
  std::string_view target = leaf.substr(4);
  if (target.empty() || target == "." || target == "..") return {Whiteout::kAufsMeta, ""};
  return {Whiteout::kFile,
          parent.empty() ? std::string(target) : parent + "/" + std::string(target)};
}

}  // namespace flotilla::container

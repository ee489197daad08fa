// The pure rules for names inside a layer archive (image-spec layer.md and
// Docker's archive package), kept apart from the file system so that they
// can be tested and fuzzed on their own.
//
// CleanLayerPath makes an entry name relative to the layer's root, as
// Docker's filepath.Clean of "/"+name does ("./a//b/" -> "a/b", "/etc/x" ->
// "etc/x"), and refuses a name that climbs out of the root ("../x",
// "a/../../x") instead of clamping it: an archive that tries is bad, and
// is refused whole. An empty result is the root itself.
//
// ClassifyWhiteout tells ".wh.<name>" (delete <name> of the lower layers)
// and ".wh..wh..opq" (hide every lower child of the directory) from plain
// entries; other ".wh..wh." names are aufs bookkeeping, which Docker skips.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace flotilla::container {

base::Result<std::string> CleanLayerPath(std::string_view name);

struct Whiteout {
  enum Kind { kNone, kFile, kOpaque, kAufsMeta } kind = kNone;
  std::string target;  // kFile: the path deleted; kOpaque: the directory
};
// `path` is a cleaned path (CleanLayerPath).
Whiteout ClassifyWhiteout(const std::string& path);

// "a/b/c" -> "a/b"; "c" -> "".
std::string_view ParentOf(std::string_view path);
// "a/b/c" -> "c".
std::string_view LeafOf(std::string_view path);

}  // namespace flotilla::container

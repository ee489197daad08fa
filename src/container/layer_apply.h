// ApplyLayer: unpacks one layer archive into a directory, safely.
//
// Every file operation is relative to the directory, through openat2()
// with RESOLVE_IN_ROOT: a symlink in the layer (or in a lower one) that
// points at "/etc" or "../../x" resolves inside the directory, as it would
// inside the container, so no entry can write outside it. Names that climb
// out ("../x"), hard links to outside or to directories, and device nodes
// (outside /dev, which the runtime mounts over anyway; those are skipped)
// make the whole archive refused with an error that names the entry.
//
// Two modes for whiteouts (image-spec layer.md):
//   kOverlay: the directory is this layer alone, an overlayfs lower
//     directory: ".wh.x" becomes a 0/0 character device x, and
//     ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its directory
//     (both need root);
//   kApply: the directory holds the layers below, applied before: ".wh.x"
//     removes x, ".wh..wh..opq" removes every child of its directory that
//     this layer did not write (the copying fallback where overlayfs is
//     unavailable, and `docker import`).
// Owners are set only when running as root. Directory times are set last,
// so the entries written into them do not change them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "container/digest.h"

namespace flotilla::container {

enum class WhiteoutMode { kOverlay, kApply };

struct LayerStats {
  Digest diff_id;  // sha256 of the uncompressed tar
  uint64_t uncompressed_size = 0;
  uint64_t entries = 0;
  uint64_t skipped = 0;  // device nodes under /dev, sockets, aufs metadata
};

class LayerReader;

base::Result<LayerStats> ApplyLayer(LayerReader& reader, const std::string& dir, WhiteoutMode mode);
base::Result<LayerStats> ApplyLayerFile(const std::string& archive_path, const std::string& dir,
                                        WhiteoutMode mode);
base::Result<LayerStats> ApplyLayerBytes(std::string_view archive, const std::string& dir,
                                         WhiteoutMode mode);

// Removes `dir` and everything below it (not following symlinks).
base::Status RemoveTree(const std::string& dir);

}  // namespace flotilla::container

// Snapshots: an image's layers unpacked on disk, once each, shared by every
// image and container that has them, and the root file system of a
// container made from them.
//
// A layer unpacks to ROOT/<chain-hex>/diff (image-spec config.md: the
// ChainID names a layer together with everything below it, so the same
// tar on another base is another snapshot). It is unpacked in overlay form
// (whiteouts as 0/0 character devices, opaque directories by xattr) into
// a temporary directory, its DiffID checked against the image config, and
// renamed into place: a snapshot that exists is whole and right.
//
// MountRootfs stacks the snapshots as the lower directories of an overlay
// mount with a container's own upper and work directories. Both need root.
//
// Thread-safety: distinct layers may be prepared concurrently; preparing
// the same one twice at once is safe (the second rename loses and is
// dropped).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "container/blob_store.h"
#include "container/digest.h"
#include "container/image.h"

namespace flotilla::container {

// ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)).
std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids);

class Snapshots {
 public:
  explicit Snapshots(std::string root);
  base::Status Init();

  // Unpacks what is missing of the image's layers; returns their diff
  // directories, bottom first.
  base::Result<std::vector<std::string>> Prepare(const BlobStore& blobs, const Manifest& manifest,
                                                 const ImageConfig& config);
  bool Has(const Digest& chain_id) const;
  // Removes snapshots whose chain ID is not in `keep`.
  base::Status Collect(const std::vector<Digest>& keep);

 private:
  std::string root_;
};

// overlay on `target` with `lowers` (bottom first), `upper` and `work`
// (created if missing, on the same file system).
base::Status MountRootfs(const std::vector<std::string>& lowers, const std::string& upper,
                         const std::string& work, const std::string& target);

}  // namespace flotilla::container

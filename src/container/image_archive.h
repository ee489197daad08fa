// Image archives in and out: `docker load` and `docker save`.
//
// LoadArchive takes a tar (plain or compressed) in either form Docker
// writes or reads (containers.md 3.2): the legacy one (manifest.json with
// Config/RepoTags/Layers, layers as <id>/layer.tar) and an OCI image
// layout (oci-layout, index.json, blobs/sha256/...; nested indexes are
// resolved to this machine's platform). Every file goes through the blob
// store, so every blob is checked against its digest; uncompressed layers
// are also checked against the config's diff_ids. Files the images do not
// reference are not kept.
//
// SaveArchive writes what Docker 25 and later write: an OCI layout plus
// manifest.json and repositories, so both old and new `docker load` (and
// skopeo, umoci) read it.
//
// Both run on the caller's thread; the store locks what it needs.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "container/image_store.h"

namespace flotilla::container {

struct LoadedImage {
  ImageRecord image;
  std::vector<std::string> tags;  // the names it was loaded with
};

base::Result<std::vector<LoadedImage>> LoadArchive(ImageStore& store, std::string_view archive);
// What `docker load` prints for it: "Loaded image: busybox:latest" per tag,
// "Loaded image ID: sha256:..." for an image without one.
std::vector<std::string> LoadMessages(const std::vector<LoadedImage>& loaded);

// Writes the archive of `names` (tags, IDs) to `sink` in pieces; a name
// that is a tag saves that tag, an ID saves the image without tags.
base::Status SaveArchive(const ImageStore& store, const std::vector<std::string>& names,
                         const std::function<void(std::string_view)>& sink);

}  // namespace flotilla::container

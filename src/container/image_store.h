// ImageStore: the images of one engine: blobs (BlobStore) plus the list of
// images, each an image ID (its config's digest, as Docker's) with the
// manifest that lists its layers, the tags that name it ("busybox:latest")
// and the repository digests it was pulled or pushed as
// ("localhost:5000/busybox@sha256:..."). The list is ROOT/images.json,
// rewritten atomically on every change (docs/formats/images.md).
//
// A tag names one image: tagging moves it. Removing an image deletes the
// blobs that no other image uses. Lookups take what `docker` takes: a
// name[:tag], name@digest, a full or unambiguous short image ID.
//
// Thread-safety: all methods lock one mutex; blob writes happen outside
// (BlobStore), so a load or pull only holds it to register the result.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "container/blob_store.h"
#include "container/digest.h"
#include "container/image.h"
#include "container/reference.h"

namespace flotilla::container {

struct ImageRecord {
  Digest id;                              // the config's digest
  Digest manifest;                        // the manifest's digest
  std::vector<std::string> tags;          // familiar "name:tag", sorted
  std::vector<std::string> repo_digests;  // familiar "name@sha256:...", sorted
};

struct RemovedImage {
  std::vector<std::string> untagged;  // "busybox:latest", "busybox@sha256:..."
  std::vector<Digest> deleted;        // the image ID, then its blobs gone with it
};

class ImageStore {
 public:
  static base::Result<std::unique_ptr<ImageStore>> Open(const std::string& root);

  const BlobStore& blobs() const { return blobs_; }

  // Registers the image of a manifest whose blobs are all in the store
  // (checked), naming it `tag` when given (moved from another image).
  base::Result<ImageRecord> Add(const Digest& manifest, const std::optional<Reference>& tag,
                                const std::optional<std::string>& repo_digest = std::nullopt);
  // Finds an image as `docker` names one; NotFound "No such image: NAME".
  base::Result<ImageRecord> Resolve(std::string_view name) const;
  base::Status Tag(const Digest& id, const Reference& ref);
  // `docker rmi`: untags NAME; deletes the image when that was its last
  // name or when NAME is its ID. `in_use(id)` returns a container's ID that
  // uses the image, which refuses the deletion unless forced.
  base::Result<RemovedImage> Remove(
      std::string_view name, bool force,
      const std::function<std::optional<std::string>(const Digest&)>& in_use = nullptr);
  std::vector<ImageRecord> List() const;

  // Every blob some image needs: manifests, configs, layers.
  std::set<Digest> Referenced() const;

  base::Result<Manifest> ManifestOf(const ImageRecord& image) const;
  base::Result<ImageConfig> ConfigOf(const ImageRecord& image) const;
  // Sum of the layer blobs' sizes.
  int64_t SizeOf(const ImageRecord& image) const;

 private:
  explicit ImageStore(std::string root);
  base::Status Load();
  base::Status Save() const;  // mu_ held
  ImageRecord* FindLocked(std::string_view name);
  std::set<Digest> ReferencedLocked() const;
  // Gives `name` ("app:latest") to `image`, taking it from any other.
  void MoveTagLocked(ImageRecord& image, const std::string& name);
  void CollectLocked(std::vector<Digest>& deleted);  // blobs no image uses

  std::string root_;
  BlobStore blobs_;
  mutable std::mutex mu_;
  std::vector<ImageRecord> images_;
};

}  // namespace flotilla::container

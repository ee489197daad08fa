// BlobStore: content-addressed blobs on disk, ROOT/blobs/sha256/<hex>, the
// layout of an OCI image layout's blobs/ (docs/formats/images.md). A blob's
// file always holds bytes whose sha256 is its name: writes go to
// ROOT/ingest/ first, are hashed as they arrive, checked against the digest
// the caller expects (a registry's, a manifest's), synced, and only then
// renamed into place. A blob that is there is therefore whole and right;
// one that did not verify is never seen.
//
// Thread-safety: distinct Writers may run on distinct threads; the store
// itself holds no mutable state beyond the file system.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "container/digest.h"

namespace flotilla::container {

class BlobStore {
 public:
  explicit BlobStore(std::string root);

  // Creates the directories; removes ingest files left by a crash.
  base::Status Init();

  // A blob being written. Destroying it without Commit discards it.
  class Writer {
   public:
    ~Writer();
    Writer(Writer&&) noexcept;
    Writer& operator=(Writer&&) = delete;
    base::Status Write(std::string_view data);
    uint64_t size() const { return size_; }
    // Verifies against `expected` when given (a mismatch is kCorruption,
    // "digest mismatch: want X, got Y", and the bytes are dropped), then
    // makes the blob durable and visible. Returns its digest.
    base::Result<Digest> Commit(const std::optional<Digest>& expected = std::nullopt,
                                std::optional<uint64_t> expected_size = std::nullopt);
    // After a Commit: the store had this blob already (so whoever drops
    // what a failed load brought must leave it).
    bool existed() const { return existed_; }

   private:
    friend class BlobStore;
    Writer(const BlobStore* store, std::string temp, int fd);
    const BlobStore* store_;
    std::string temp_;
    int fd_ = -1;
    uint64_t size_ = 0;
    bool existed_ = false;
    Sha256 hash_;
  };

  base::Result<Writer> Begin() const;
  base::Result<Digest> Put(std::string_view data) const;

  bool Has(const Digest& digest) const;
  std::string PathOf(const Digest& digest) const;
  base::Result<std::string> Read(const Digest& digest) const;
  base::Result<uint64_t> SizeOf(const Digest& digest) const;
  base::Status Remove(const Digest& digest) const;
  base::Result<std::vector<Digest>> List() const;

  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

}  // namespace flotilla::container

// LayerReader: the entries of a layer archive, one at a time, from a file
// or from memory. The archive is a tar (ustar, pax or GNU), plain or
// compressed with gzip, zstd, xz or bzip2 (libarchive detects which).
// While reading, the uncompressed stream is hashed: once Next() has said
// there is nothing more, diff_id() is the layer's DiffID (image-spec
// config.md: the sha256 of the uncompressed tar), and uncompressed_size()
// its length.
//
// Not thread-safe; one reader per archive. Errors carry libarchive's
// message ("layer archive: truncated tar archive").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "container/digest.h"

namespace flotilla::container {

struct LayerEntry {
  enum Type { kFile, kDir, kSymlink, kHardlink, kFifo, kCharDevice, kBlockDevice, kSocket };
  Type type = kFile;
  std::string name;      // as in the archive, not yet cleaned
  std::string linkname;  // kSymlink: the target; kHardlink: the entry linked to
  uint32_t mode = 0;     // permission bits (07777)
  uint32_t uid = 0, gid = 0;
  int64_t size = 0;
  int64_t mtime_sec = 0;
  long mtime_nsec = 0;
  uint32_t dev_major = 0, dev_minor = 0;
  std::map<std::string, std::string> xattrs;
};

class LayerReader {
 public:
  static base::Result<std::unique_ptr<LayerReader>> OpenFile(const std::string& path);
  // `data` must outlive the reader.
  static base::Result<std::unique_ptr<LayerReader>> OpenMemory(std::string_view data);
  ~LayerReader();

  // The next entry, or nullopt at the end of the archive.
  base::Result<std::optional<LayerEntry>> Next();
  // Reads the current entry's content in pieces; an empty view at its end.
  base::Result<std::string_view> ReadData();

  // Valid after Next() returned nullopt.
  const Digest& diff_id() const { return diff_id_; }
  uint64_t uncompressed_size() const { return uncompressed_size_; }

 private:
  struct Impl;
  explicit LayerReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  Digest diff_id_;
  uint64_t uncompressed_size_ = 0;
};

}  // namespace flotilla::container

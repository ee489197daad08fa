// Two libarchive readers in a chain: `outer` undoes the compression (the
// "raw" format: the whole decompressed stream as one entry) and `inner`
// reads the tar from it through a callback, which hashes every byte on the
// way. So the DiffID costs no second pass over the layer.
#include "container/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace flotilla::container {

struct LayerReader::Impl {
  archive* outer = nullptr;
  archive* inner = nullptr;
  int fd = -1;
  Sha256 hash;
  uint64_t size = 0;
  bool outer_done = false;
  std::string chunk;  // the piece of decompressed stream handed to `inner`
  char data_buf[64 * 1024];

  ~Impl() {
    if (inner) archive_read_free(inner);
    if (outer) archive_read_free(outer);
    if (fd >= 0) ::close(fd);
  }

  static la_ssize_t Pull(archive*, void* self_ptr, const void** buffer) {
    auto* self = static_cast<Impl*>(self_ptr);
    if (self->outer_done) return 0;
    self->chunk.resize(64 * 1024);
    la_ssize_t n = archive_read_data(self->outer, self->chunk.data(), self->chunk.size());
    if (n < 0) return ARCHIVE_FATAL;
    if (n == 0) self->outer_done = true;
    self->hash.Update(std::string_view(self->chunk.data(), size_t(n)));
    self->size += uint64_t(n);
    *buffer = self->chunk.data();
    return n;
  }

  base::Status Error(archive* a, const char* what) const {
    const char* msg = archive_error_string(a);
    return base::Status(base::Code::kInvalidArgument,
                        std::string("layer archive: ") + (msg ? msg : what));
  }

  base::Status Start() {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(outer, &entry);
    if (rc == ARCHIVE_EOF) {
      outer_done = true;  // an empty input: not even a tar end block
    } else if (rc < ARCHIVE_WARN) {
      return Error(outer, "cannot read");
    }
    inner = archive_read_new();
    archive_read_support_format_tar(inner);
    archive_read_support_format_gnutar(inner);
    if (archive_read_open(inner, this, nullptr, &Pull, nullptr) != ARCHIVE_OK)
      return Error(inner, "not a tar archive");
    return base::Status::Ok();
  }
};

static archive* NewOuter() {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  return a;
}

LayerReader::LayerReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LayerReader::~LayerReader() = default;

base::Result<std::unique_ptr<LayerReader>> LayerReader::OpenFile(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (impl->fd < 0) return base::Status::FromErrno("open " + path, errno);
  impl->outer = NewOuter();
  if (archive_read_open_fd(impl->outer, impl->fd, 64 * 1024) != ARCHIVE_OK)
    return impl->Error(impl->outer, "cannot open");
  if (auto st = impl->Start(); !st.ok()) return st;
  return std::unique_ptr<LayerReader>(new LayerReader(std::move(impl)));
}

base::Result<std::unique_ptr<LayerReader>> LayerReader::OpenMemory(std::string_view data) {
  auto impl = std::make_unique<Impl>();
  impl->outer = NewOuter();
  if (archive_read_open_memory(impl->outer, data.data(), data.size()) != ARCHIVE_OK)
    return impl->Error(impl->outer, "cannot open");
  if (auto st = impl->Start(); !st.ok()) return st;
  return std::unique_ptr<LayerReader>(new LayerReader(std::move(impl)));
}

base::Result<std::optional<LayerEntry>> LayerReader::Next() {
  archive_entry* e = nullptr;
  int rc = archive_read_next_header(impl_->inner, &e);
  if (rc == ARCHIVE_EOF) {
    // The tar ends before the stream does (end blocks, padding): the rest
    // is part of the DiffID too.
    const void* buf;
    while (Impl::Pull(nullptr, impl_.get(), &buf) > 0) {
    }
    diff_id_ = impl_->hash.Finish();
    uncompressed_size_ = impl_->size;
    return std::optional<LayerEntry>();
  }
  if (rc < ARCHIVE_WARN) return impl_->Error(impl_->inner, "bad entry");
  LayerEntry out;
  const char* name = archive_entry_pathname(e);
  if (!name || !*name)
    return base::Status(base::Code::kInvalidArgument, "layer archive: an entry has no name");
  out.name = name;
  out.mode = archive_entry_perm(e) & 07777;
  out.uid = uint32_t(archive_entry_uid(e));
  out.gid = uint32_t(archive_entry_gid(e));
  out.size = archive_entry_size(e);
  out.mtime_sec = archive_entry_mtime(e);
  out.mtime_nsec = archive_entry_mtime_nsec(e);
  if (const char* hl = archive_entry_hardlink(e)) {
    out.type = LayerEntry::kHardlink;
    out.linkname = hl;
  } else {
    switch (archive_entry_filetype(e)) {
      case AE_IFREG:
        out.type = LayerEntry::kFile;
        break;
      case AE_IFDIR:
        out.type = LayerEntry::kDir;
        break;
      case AE_IFLNK:
        out.type = LayerEntry::kSymlink;
        out.linkname = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
        break;
      case AE_IFIFO:
        out.type = LayerEntry::kFifo;
        break;
      case AE_IFCHR:
        out.type = LayerEntry::kCharDevice;
        break;
      case AE_IFBLK:
        out.type = LayerEntry::kBlockDevice;
        break;
      case AE_IFSOCK:
        out.type = LayerEntry::kSocket;
        break;
      default:
        return base::Status(base::Code::kInvalidArgument,
                            "layer archive: entry " + out.name + " has an unknown type");
    }
  }
  out.dev_major = uint32_t(archive_entry_rdevmajor(e));
  out.dev_minor = uint32_t(archive_entry_rdevminor(e));
  archive_entry_xattr_reset(e);
  const char* xname;
  const void* xvalue;
  size_t xsize;
  while (archive_entry_xattr_next(e, &xname, &xvalue, &xsize) == ARCHIVE_OK)
    out.xattrs[xname] = std::string(static_cast<const char*>(xvalue), xsize);
  return std::optional<LayerEntry>(std::move(out));
}

base::Result<std::string_view> LayerReader::ReadData() {
  la_ssize_t n = archive_read_data(impl_->inner, impl_->data_buf, sizeof impl_->data_buf);
  if (n < 0) return impl_->Error(impl_->inner, "cannot read entry data");
  return std::string_view(impl_->data_buf, size_t(n));
}

}  // namespace flotilla::container

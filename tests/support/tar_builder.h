// TarBuilder: layer archives made in a test, entry by entry, including the
// ones no well-behaved tool writes ("../x", links out, device nodes).
// libarchive's writer, pax format; optionally gzip-compressed.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>

namespace flotilla::testing {

class TarBuilder {
 public:
  explicit TarBuilder(bool gzip = false) {
    a_ = archive_write_new();
    archive_write_set_format_pax_restricted(a_);
    if (gzip) archive_write_add_filter_gzip(a_);
    archive_write_set_bytes_in_last_block(a_, 1);
    archive_write_open(a_, this, nullptr, &Write, nullptr);
  }
  ~TarBuilder() {
    if (a_) archive_write_free(a_);
  }

  TarBuilder& File(const std::string& name, const std::string& content, int mode = 0644) {
    return Add(name, AE_IFREG, mode, content, "", false);
  }
  TarBuilder& Dir(const std::string& name, int mode = 0755) {
    return Add(name, AE_IFDIR, mode, "", "", false);
  }
  TarBuilder& Symlink(const std::string& name, const std::string& target) {
    return Add(name, AE_IFLNK, 0777, "", target, false);
  }
  TarBuilder& Hardlink(const std::string& name, const std::string& target) {
    return Add(name, AE_IFREG, 0644, "", target, true);
  }
  TarBuilder& CharDevice(const std::string& name, int major, int minor) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFCHR);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_rdevmajor(e, major);
    archive_entry_set_rdevminor(e, minor);
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }

  // The finished archive.
  std::string Finish() {
    archive_write_close(a_);
    archive_write_free(a_);
    a_ = nullptr;
    return out_;
  }

 private:
  TarBuilder& Add(const std::string& name, int type, int mode, const std::string& content,
                  const std::string& link, bool hard) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode);
    archive_entry_set_mtime(e, 1400000000, 0);
    if (hard) {
      archive_entry_set_hardlink(e, link.c_str());
    } else if (type == AE_IFLNK) {
      archive_entry_set_symlink(e, link.c_str());
    }
    archive_entry_set_size(e, type == AE_IFREG && !hard ? la_int64_t(content.size()) : 0);
    archive_write_header(a_, e);
    if (!content.empty()) archive_write_data(a_, content.data(), content.size());
    archive_entry_free(e);
    return *this;
  }
  static la_ssize_t Write(archive*, void* self, const void* buf, size_t n) {
    static_cast<TarBuilder*>(self)->out_.append(static_cast<const char*>(buf), n);
    return la_ssize_t(n);
  }
  archive* a_;
  std::string out_;
};

}  // namespace flotilla::testing

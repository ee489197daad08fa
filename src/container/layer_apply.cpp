#include "container/layer_apply.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <set>
#include <vector>

#include "container/layer_path.h"
#include "container/layer_reader.h"

namespace flotilla::container {

namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

base::Status Errno(const std::string& what, int err = errno) {
  return base::Status::FromErrno(what, err);
}

base::Status Refuse(const std::string& path, const std::string& why) {
  return base::Status(base::Code::kInvalidArgument, "layer entry " + path + ": " + why);
}

// The names in the directory open as `fd` (a readable descriptor), without
// "." and "..".
base::Result<std::vector<std::string>> ListChildren(int fd, const std::string& what) {
  DIR* d = ::fdopendir(::dup(fd));
  if (!d) return Errno("read " + what);
  std::vector<std::string> children;
  while (dirent* ent = ::readdir(d)) {
    std::string child = ent->d_name;
    if (child != "." && child != "..") children.push_back(std::move(child));
  }
  ::closedir(d);
  return children;
}

base::Status RemoveTreeAt(int dirfd, const std::string& name) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? base::Status::Ok() : Errno("stat " + name);
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) return Errno("remove " + name);
    return base::Status::Ok();
  }
  Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return Errno("open " + name);
  auto children = ListChildren(fd.get(), name);
  if (!children.ok()) return children.status();
  for (const auto& child : *children)
    if (auto s = RemoveTreeAt(fd.get(), child); !s.ok()) return s;
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return Errno("remove " + name);
  return base::Status::Ok();
}

class Applier {
 public:
  Applier(int root, WhiteoutMode mode) : root_(root), mode_(mode), as_root_(::geteuid() == 0) {}

  base::Result<LayerStats> Run(LayerReader& reader) {
    LayerStats stats;
    while (true) {
      auto next = reader.Next();
      if (!next.ok()) return next.status();
      if (!*next) break;
      ++stats.entries;
      auto applied = Apply(**next, reader);
      if (!applied.ok()) return applied.status();
      if (!*applied) ++stats.skipped;
    }
    // Directory times last, deepest first: writing into a directory
    // changes its mtime.
    for (auto it = dir_times_.rbegin(); it != dir_times_.rend(); ++it) {
      auto parent = OpenDir(ParentOf(it->first), false);
      if (!parent.ok()) continue;
      ::utimensat(parent->get(), std::string(LeafOf(it->first)).c_str(), it->second.data(),
                  AT_SYMLINK_NOFOLLOW);
    }
    stats.diff_id = reader.diff_id();
    stats.uncompressed_size = reader.uncompressed_size();
    return stats;
  }

 private:
  // Opens directory `rel` (resolved inside the root), creating it and its
  // parents (0755) when `create` is set, as Docker does for entries whose
  // parents the archive does not list.
  base::Result<Fd> OpenDir(std::string_view rel, bool create) {
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string path = rel.empty() ? "." : std::string(rel);
    int fd = int(::syscall(SYS_openat2, root_, path.c_str(), &how, sizeof how));
    if (fd >= 0) return Fd(fd);
    if (errno != ENOENT || !create) return Errno("open directory " + path);
    std::string_view parent = ParentOf(rel);
    auto up = OpenDir(parent, true);
    if (!up.ok()) return up.status();
    std::string leaf(LeafOf(rel));
    if (::mkdirat(up->get(), leaf.c_str(), 0755) != 0 && errno != EEXIST)
      return Errno("create directory " + path);
    fd = int(::syscall(SYS_openat2, root_, path.c_str(), &how, sizeof how));
    if (fd < 0) return Errno("open directory " + path);
    return Fd(fd);
  }

  // Clears the way for a new entry at parent/leaf (a directory that meets
  // a directory stays: the entry updates it).
  base::Result<bool> Clear(int parent, const std::string& leaf, bool want_dir) {
    struct stat st;
    if (::fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return false;
      return Errno("stat " + leaf);
    }
    if (want_dir && S_ISDIR(st.st_mode)) return true;
    if (auto s = RemoveTreeAt(parent, leaf); !s.ok()) return s;
    return false;
  }

  void SetXattrs(int fd, const LayerEntry& e) {
    for (const auto& [name, value] : e.xattrs) {
      // Only what a container can use; trusted.* would steer overlayfs.
      if (!name.starts_with("user.") && name != "security.capability") continue;
      ::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0);
    }
  }

  base::Status Owner(int parent, const std::string& leaf, const LayerEntry& e) {
    if (!as_root_) return base::Status::Ok();
    if (::fchownat(parent, leaf.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW) != 0)
      return Errno("chown " + leaf);
    return base::Status::Ok();
  }

  void Times(int parent, const std::string& leaf, const LayerEntry& e) {
    timespec t[2] = {{e.mtime_sec, e.mtime_nsec}, {e.mtime_sec, e.mtime_nsec}};
    ::utimensat(parent, leaf.c_str(), t, AT_SYMLINK_NOFOLLOW);
  }

  // Removes every child of `dir` that this layer has not written.
  base::Status RemoveUnwritten(const std::string& dir) {
    auto fd = OpenDir(dir, false);
    if (!fd.ok()) return base::Status::Ok();
    Fd rd(::openat(fd->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (rd.get() < 0) return Errno("open " + dir);
    auto children = ListChildren(rd.get(), dir);
    if (!children.ok()) return children.status();
    for (const auto& child : *children) {
      std::string path = dir.empty() ? child : dir + "/" + child;
      if (!written_.count(path)) {
        if (auto s = RemoveTreeAt(fd->get(), child); !s.ok()) return s;
      } else if (auto s = RemoveUnwritten(path); !s.ok()) {
        return s;
      }
    }
    return base::Status::Ok();
  }

  // True when applied, false when skipped.
  base::Result<bool> Apply(const LayerEntry& e, LayerReader& reader) {
    auto cleaned = CleanLayerPath(e.name);
    if (!cleaned.ok()) return cleaned.status();
    const std::string& path = *cleaned;
    if (path.empty()) return e.type == LayerEntry::kDir;  // the root itself
    Whiteout wh = ClassifyWhiteout(path);
    if (wh.kind == Whiteout::kAufsMeta || e.type == LayerEntry::kSocket) return false;
    if (wh.kind == Whiteout::kOpaque) return Opaque(wh.target);
    if (wh.kind == Whiteout::kFile) return WhiteoutFile(wh.target);
    if (e.type == LayerEntry::kCharDevice || e.type == LayerEntry::kBlockDevice) {
      if (path == "dev" || path.starts_with("dev/")) return false;
      return Refuse(path, "device nodes are refused outside /dev");
    }
    std::string link_target;
    if (e.type == LayerEntry::kHardlink) {
      auto t = CleanLayerPath(e.linkname);
      if (!t.ok()) return Refuse(path, "hard link to " + e.linkname + " points outside the layer");
      if (t->empty()) return Refuse(path, "hard link to the layer's root");
      link_target = *t;
    }

    auto parent = OpenDir(ParentOf(path), true);
    if (!parent.ok()) return Refuse(path, parent.status().message());
    int p = parent->get();
    std::string leaf(LeafOf(path));
    auto kept = Clear(p, leaf, e.type == LayerEntry::kDir);
    if (!kept.ok()) return kept.status();
    if (mode_ == WhiteoutMode::kApply) {
      // Its parents count as written too: an opaque marker of an ancestor
      // that comes later must not remove them.
      for (std::string_view at = path; !at.empty(); at = ParentOf(at)) written_.emplace(at);
    }

    switch (e.type) {
      case LayerEntry::kDir: {
        if (!*kept && ::mkdirat(p, leaf.c_str(), 0700) != 0) return Errno("mkdir " + path);
        Fd fd(::openat(p, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (fd.get() < 0) return Errno("open " + path);
        if (auto s = Owner(p, leaf, e); !s.ok()) return s;
        ::fchmod(fd.get(), e.mode);
        SetXattrs(fd.get(), e);
        timespec t = {e.mtime_sec, e.mtime_nsec};
        dir_times_.push_back({path, {t, t}});
        return true;
      }
      case LayerEntry::kFile: {
        Fd fd(
            ::openat(p, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fd.get() < 0) return Errno("create " + path);
        while (true) {
          auto data = reader.ReadData();
          if (!data.ok()) return data.status();
          if (data->empty()) break;
          std::string_view rest = *data;
          while (!rest.empty()) {
            ssize_t n = ::write(fd.get(), rest.data(), rest.size());
            if (n < 0) {
              if (errno == EINTR) continue;
              return Errno("write " + path);
            }
            rest.remove_prefix(size_t(n));
          }
        }
        if (auto s = Owner(p, leaf, e); !s.ok()) return s;
        ::fchmod(fd.get(), e.mode);
        SetXattrs(fd.get(), e);
        Times(p, leaf, e);
        return true;
      }
      case LayerEntry::kSymlink:
        if (::symlinkat(e.linkname.c_str(), p, leaf.c_str()) != 0) return Errno("symlink " + path);
        if (auto s = Owner(p, leaf, e); !s.ok()) return s;
        Times(p, leaf, e);
        return true;
      case LayerEntry::kHardlink: {
        auto tparent = OpenDir(ParentOf(link_target), false);
        if (!tparent.ok()) return Refuse(path, "hard link to missing " + link_target);
        std::string tleaf(LeafOf(link_target));
        struct stat st;
        if (::fstatat(tparent->get(), tleaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
          return Refuse(path, "hard link to missing " + link_target);
        if (S_ISDIR(st.st_mode)) return Refuse(path, "hard link to a directory");
        if (::linkat(tparent->get(), tleaf.c_str(), p, leaf.c_str(), 0) != 0)
          return Errno("link " + path);
        return true;
      }
      case LayerEntry::kFifo:
        if (::mknodat(p, leaf.c_str(), S_IFIFO | 0600, 0) != 0) return Errno("mkfifo " + path);
        if (auto s = Owner(p, leaf, e); !s.ok()) return s;
        ::fchmodat(p, leaf.c_str(), e.mode, 0);
        Times(p, leaf, e);
        return true;
      default:
        return false;
    }
  }

  base::Result<bool> Opaque(const std::string& dir) {
    if (mode_ == WhiteoutMode::kApply) {
      if (auto s = RemoveUnwritten(dir); !s.ok()) return s;
      return true;
    }
    auto fd = OpenDir(dir, true);
    if (!fd.ok()) return fd.status();
    Fd rd(::openat(fd->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (rd.get() < 0) return Errno("open " + dir);
    if (::fsetxattr(rd.get(), "trusted.overlay.opaque", "y", 1, 0) != 0)
      return Errno("mark " + (dir.empty() ? std::string("/") : dir) + " opaque (needs root)");
    return true;
  }

  base::Result<bool> WhiteoutFile(const std::string& target) {
    auto parent = OpenDir(ParentOf(target), mode_ == WhiteoutMode::kOverlay);
    if (!parent.ok()) return false;  // nothing below to delete
    std::string leaf(LeafOf(target));
    if (auto s = RemoveTreeAt(parent->get(), leaf); !s.ok()) return s;
    if (mode_ == WhiteoutMode::kApply) return true;
    if (::mknodat(parent->get(), leaf.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
      return Errno("whiteout " + target + " (needs root)");
    return true;
  }

  int root_;
  WhiteoutMode mode_;
  bool as_root_;
  std::set<std::string> written_;
  std::vector<std::pair<std::string, std::array<timespec, 2>>> dir_times_;
};

}  // namespace

base::Result<LayerStats> ApplyLayer(LayerReader& reader, const std::string& dir,
                                    WhiteoutMode mode) {
  Fd root(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return Errno("open " + dir);
  auto stats = Applier(root.get(), mode).Run(reader);
  if (!stats.ok()) return stats.status().WithContext("unpack layer into " + dir);
  return stats;
}

base::Result<LayerStats> ApplyLayerFile(const std::string& archive_path, const std::string& dir,
                                        WhiteoutMode mode) {
  auto reader = LayerReader::OpenFile(archive_path);
  if (!reader.ok()) return reader.status();
  return ApplyLayer(**reader, dir, mode);
}

base::Result<LayerStats> ApplyLayerBytes(std::string_view archive, const std::string& dir,
                                         WhiteoutMode mode) {
  auto reader = LayerReader::OpenMemory(archive);
  if (!reader.ok()) return reader.status();
  return ApplyLayer(**reader, dir, mode);
}

base::Status RemoveTree(const std::string& dir) {
  std::string parent = dir.substr(0, dir.rfind('/'));
  if (parent.empty()) parent = "/";
  Fd fd(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno == ENOENT ? base::Status::Ok() : Errno("open " + parent);
  return RemoveTreeAt(fd.get(), dir.substr(dir.rfind('/') + 1));
}

}  // namespace flotilla::container

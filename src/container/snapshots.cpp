#include "container/snapshots.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "base/fs.h"
#include "container/layer_apply.h"

namespace flotilla::container {

std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> out;
  for (const auto& d : diff_ids)
    out.push_back(out.empty() ? d : Digest::Of(out.back().str() + " " + d.str()));
  return out;
}

Snapshots::Snapshots(std::string root) : root_(std::move(root)) {}

base::Status Snapshots::Init() {
  if (auto st = base::RealFs().CreateDirs(root_); !st.ok()) return st;
  // Unpacks a crash interrupted.
  auto names = base::RealFs().ListDir(root_);
  if (!names.ok()) return names.status();
  for (const auto& n : *names)
    if (n.starts_with("tmp-")) (void)RemoveTree(root_ + "/" + n);
  return base::Status::Ok();
}

bool Snapshots::Has(const Digest& chain_id) const {
  struct stat st;
  return ::stat((root_ + "/" + std::string(chain_id.hex()) + "/diff").c_str(), &st) == 0;
}

base::Result<std::vector<std::string>> Snapshots::Prepare(const BlobStore& blobs,
                                                          const Manifest& manifest,
                                                          const ImageConfig& config) {
  if (manifest.layers.size() != config.diff_ids.size())
    return base::Status(base::Code::kInvalidArgument,
                        "the manifest and the config list different numbers of layers");
  static std::atomic<uint64_t> counter{0};
  auto chains = ChainIds(config.diff_ids);
  std::vector<std::string> dirs;
  for (size_t i = 0; i < chains.size(); ++i) {
    std::string dir = root_ + "/" + std::string(chains[i].hex());
    dirs.push_back(dir + "/diff");
    if (Has(chains[i])) continue;
    std::string tmp =
        root_ + "/tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    if (::mkdir(tmp.c_str(), 0700) != 0 || ::mkdir((tmp + "/diff").c_str(), 0755) != 0)
      return base::Status::FromErrno("create " + tmp, errno);
    auto stats = ApplyLayerFile(blobs.PathOf(manifest.layers[i].digest), tmp + "/diff",
                                WhiteoutMode::kOverlay);
    if (stats.ok() && stats->diff_id != config.diff_ids[i])
      stats = base::Status(base::Code::kCorruption, "layer " + manifest.layers[i].digest.str() +
                                                        " unpacks to " + stats->diff_id.str() +
                                                        ", the image config says " +
                                                        config.diff_ids[i].str());
    if (!stats.ok()) {
      (void)RemoveTree(tmp);
      return stats.status();
    }
    if (::rename(tmp.c_str(), dir.c_str()) != 0) {
      int err = errno;
      (void)RemoveTree(tmp);
      if (err != EEXIST && err != ENOTEMPTY) return base::Status::FromErrno("rename " + tmp, err);
    }
  }
  return dirs;
}

base::Status Snapshots::Collect(const std::vector<Digest>& keep) {
  auto names = base::RealFs().ListDir(root_);
  if (!names.ok()) return names.status();
  for (const auto& n : *names) {
    auto d = Digest::Parse("sha256:" + n);
    if (d.ok() && std::find(keep.begin(), keep.end(), *d) == keep.end())
      if (auto st = RemoveTree(root_ + "/" + n); !st.ok()) return st;
  }
  return base::Status::Ok();
}

base::Status MountRootfs(const std::vector<std::string>& lowers, const std::string& upper,
                         const std::string& work, const std::string& target) {
  for (const auto& dir : {upper, work, target})
    if (auto st = base::RealFs().CreateDirs(dir); !st.ok()) return st;
  std::string options = "lowerdir=";
  // overlayfs lists the top layer first.
  for (auto it = lowers.rbegin(); it != lowers.rend(); ++it) {
    if (it != lowers.rbegin()) options += ':';
    options += *it;
  }
  if (lowers.empty()) return base::Status(base::Code::kInvalidArgument, "an image without layers");
  options += ",upperdir=" + upper + ",workdir=" + work;
  if (::mount("overlay", target.c_str(), "overlay", 0, options.c_str()) != 0)
    return base::Status::FromErrno("mount overlay on " + target, errno);
  return base::Status::Ok();
}

}  // namespace flotilla::container

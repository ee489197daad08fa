#include "storage/snapshotter.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "base/codec.h"
#include "base/crc32c.h"
#include "base/log.h"
#include "storage/durable_dir.h"
#include "storage/numbered_name.h"

namespace flotilla::storage {

using base::Code;
using base::Status;

namespace {

constexpr std::string_view kMagic = "FLSNAP01";
constexpr std::string_view kSuffix = ".snap";
constexpr size_t kHeaderSize = 8 + 3 * 8 + 4;  // magic, term, index, length, crc

struct SnapFile {
  uint64_t term = 0;
  uint64_t index = 0;
  std::string path;
};

// The snapshot files of `names`, newest (highest index, then term) first.
std::vector<SnapFile> SnapFiles(const std::string& dir, const std::vector<std::string>& names) {
  std::vector<SnapFile> files;
  for (const std::string& n : names) {
    SnapFile f;
    if (ParseNumberedName(n, kSuffix, f.term, f.index)) {
      f.path = base::JoinPath(dir, n);
      files.push_back(std::move(f));
    }
  }
  std::sort(files.begin(), files.end(), [](const SnapFile& a, const SnapFile& b) {
    return std::tie(a.index, a.term) > std::tie(b.index, b.term);
  });
  return files;
}

uint32_t Checksum(std::string_view header_fields, std::string_view payload) {
  return base::Crc32cExtend(base::Crc32c(header_fields), payload.data(), payload.size());
}

// Checks `bytes` against the format and the file name; on success strips the
// header so `bytes` is the payload. Otherwise returns what is wrong.
std::string Verify(const SnapFile& f, std::string& bytes) {
  if (bytes.size() < kHeaderSize)
    return fmt::format("{} bytes is shorter than the header", bytes.size());
  if (std::string_view(bytes).substr(0, 8) != kMagic) return "bad magic";
  base::Decoder dec(std::string_view(bytes).substr(8, kHeaderSize - 8));
  uint64_t term = 0, index = 0, length = 0;
  uint32_t crc = 0;
  (void)(dec.U64(term) && dec.U64(index) && dec.U64(length) && dec.U32(crc));
  if (term != f.term || index != f.index)
    return fmt::format("header says term {} index {}, the name says term {} index {}", term, index,
                       f.term, f.index);
  if (length != bytes.size() - kHeaderSize)
    return fmt::format("header says {} payload bytes, the file has {}", length,
                       bytes.size() - kHeaderSize);
  std::string_view payload = std::string_view(bytes).substr(kHeaderSize);
  if (Checksum(std::string_view(bytes).substr(8, 24), payload) != crc) return "checksum mismatch";
  bytes.erase(0, kHeaderSize);
  return {};
}

}  // namespace

Status Snapshotter::Save(const Snapshot& snap) {
  FLOTILLA_RETURN_IF_ERROR(CreateDirsDurably(fs_, dir_).WithContext("save snapshot"));
  std::string buf;
  buf.reserve(kHeaderSize + snap.data.size());
  buf.append(kMagic);
  base::Encoder enc(buf);
  enc.U64(snap.term);
  enc.U64(snap.index);
  enc.U64(snap.data.size());
  enc.U32(Checksum(std::string_view(buf).substr(8, 24), snap.data));
  buf.append(snap.data);
  std::string path = base::JoinPath(dir_, NumberedName(snap.term, snap.index, kSuffix));
  FLOTILLA_RETURN_IF_ERROR(base::WriteFileAtomic(fs_, path, buf).WithContext("save snapshot"));

  // The new snapshot is durable; failing to purge old ones costs disk space
  // only, so it is logged rather than returned.
  auto names = fs_.ListDir(dir_);
  if (!names.ok()) {
    FLOG_WARN("snapshot: cannot purge old snapshots: {}", names.status().ToString());
    return Status::Ok();
  }
  std::vector<SnapFile> files = SnapFiles(dir_, *names);
  size_t keep = static_cast<size_t>(std::max(keep_, 1));
  for (size_t i = keep; i < files.size(); ++i) {
    Status st = fs_.Remove(files[i].path);
    if (!st.ok()) FLOG_WARN("snapshot: cannot purge old snapshot: {}", st.ToString());
  }
  return Status::Ok();
}

base::Result<std::optional<Snapshot>> Snapshotter::Load() {
  if (!fs_.Exists(dir_)) return std::optional<Snapshot>();
  auto names = fs_.ListDir(dir_);
  if (!names.ok()) return names.status().WithContext("load snapshot");
  for (const SnapFile& f : SnapFiles(dir_, *names)) {
    auto bytes = fs_.ReadFile(f.path);
    if (!bytes.ok()) return bytes.status().WithContext("load snapshot");
    std::string problem = Verify(f, *bytes);
    if (problem.empty())
      return std::optional<Snapshot>(Snapshot{f.term, f.index, std::move(*bytes)});
    std::string broken = f.path + ".broken";
    FLOG_WARN("snapshot: {} is damaged ({}); renaming it to {} and trying an older one", f.path,
              problem, broken);
    FLOTILLA_RETURN_IF_ERROR(fs_.Rename(f.path, broken).WithContext("load snapshot"));
  }
  return std::optional<Snapshot>();
}

}  // namespace flotilla::storage

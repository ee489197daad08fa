#include "storage/durable_dir.h"

#include <vector>

namespace flotilla::storage {

base::Status CreateDirsDurably(base::Fs& fs, const std::string& dir) {
  std::vector<std::string> missing;  // deepest first
  for (std::string d = dir; !fs.Exists(d); d = base::DirName(d)) {
    missing.push_back(d);
    if (base::DirName(d) == d) break;
  }
  if (missing.empty()) return base::Status::Ok();
  FLOTILLA_RETURN_IF_ERROR(fs.CreateDirs(dir));
  for (auto it = missing.rbegin(); it != missing.rend(); ++it)
    FLOTILLA_RETURN_IF_ERROR(fs.SyncDir(base::DirName(*it)));
  return base::Status::Ok();
}

}  // namespace flotilla::storage

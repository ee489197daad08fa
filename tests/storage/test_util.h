// Helpers shared by the storage tests: entry builders, whole-file rewrites
// for corruption tests, and a temporary directory for RealFs runs.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/fs.h"
#include "storage/wal.h"

namespace flotilla::storage::testutil {

inline Entry MakeEntry(uint64_t index, uint64_t term = 1) {
  return Entry{term, index, "entry " + std::to_string(index) + " term " + std::to_string(term)};
}

// Entries first..last (inclusive).
inline std::vector<Entry> MakeEntries(uint64_t first, uint64_t last, uint64_t term = 1) {
  std::vector<Entry> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(MakeEntry(i, term));
  return out;
}

inline bool SameEntries(const std::vector<Entry>& a, const std::vector<Entry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].term != b[i].term || a[i].index != b[i].index || a[i].data != b[i].data) return false;
  return true;
}

inline std::string ReadOrDie(base::Fs& fs, const std::string& path) {
  auto r = fs.ReadFile(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

// Replaces the content of `path` durably (tests use it to damage files).
inline void Rewrite(base::Fs& fs, const std::string& path, std::string_view content) {
  ASSERT_TRUE(fs.Remove(path).ok());
  auto f = fs.OpenAppend(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE((*f)->Append(content).ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
  ASSERT_TRUE(fs.SyncDir(base::DirName(path)).ok());
}

// The names in `dir` ending in `suffix`, sorted.
inline std::vector<std::string> FilesEndingWith(base::Fs& fs, const std::string& dir,
                                                std::string_view suffix) {
  std::vector<std::string> out;
  auto names = fs.ListDir(dir);
  if (!names.ok()) return out;
  for (const auto& n : *names)
    if (n.ends_with(suffix)) out.push_back(n);
  return out;
}

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/flotilla-storage-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace flotilla::storage::testutil

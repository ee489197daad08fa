// Fs: every file operation of the durable parts of flotilla goes through here.
//
// The real implementation (RealFs) is POSIX; the fault-injecting one (FakeFs,
// fake_fs.h) keeps files in memory, remembers which bytes were synced, and on
// Crash() loses everything that was not, as a power cut would. Storage code
// written against Fs can therefore be tested for crash safety in-process.
// Paths are plain strings joined with '/'. Implementations are thread-safe;
// one WritableFile is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flotilla::base {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes every appended byte durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual uint64_t Size() const = 0;
};

class Fs {
 public:
  virtual ~Fs() = default;

  // Opens `path` for appending, creating it if missing; writes go to the end.
  virtual Result<std::unique_ptr<WritableFile>> OpenAppend(const std::string& path) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates `dir` and its parents; an existing directory is fine.
  virtual Status CreateDirs(const std::string& dir) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual bool Exists(const std::string& path) = 0;
};

// The process-wide POSIX file system.
Fs& RealFs();

// Writes `data` to `path` atomically and durably: temp file, fsync, rename,
// fsync of the directory. With `sync` false, no fsync: readers still see
// the old file or the new one, also after the process crashes, but a power
// cut may leave either (or an empty file).
Status WriteFileAtomic(Fs& fs, const std::string& path, std::string_view data, bool sync = true);

std::string JoinPath(std::string_view dir, std::string_view name);
std::string DirName(std::string_view path);
// What follows the last '/' ("docker" for "/usr/bin/docker"); all of a path
// without one.
std::string_view BaseName(std::string_view path);

}  // namespace flotilla::base

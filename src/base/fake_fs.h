// FakeFs: an in-memory Fs that loses unsynced data on Crash(), as a power cut would.
//
// Model. Files are inodes holding two byte strings: the volatile content
// (what reads see) and the durable content (what was there at the last
// WritableFile::Sync of that inode). Directory entries (files and
// subdirectories, by full path) exist twice as well: the live namespace and
// the durable one; SyncDir(d) copies the live entries directly under `d`
// (creations, renames, removals) into the durable namespace. So a new file
// survives a crash only if its data was synced AND its directory was synced,
// exactly the rules a careful POSIX program must follow.
//
// Crash() replaces the live namespace with the durable one (dropping entries
// whose parent directory is not itself durable) and every file's content with
// its durable content. In CrashMode::kTornTail a file whose volatile content
// extends its durable content keeps a random prefix of the unsynced bytes,
// sometimes with garbage or zeros in its last bytes: the torn record a real
// disk leaves behind. Write handles opened before a crash fail afterwards.
//
// Fault injection: FailNextSync / FailNextSyncDir make the next such call
// return kIoError without making anything durable; FailWritesAfter(n) lets n
// more bytes be appended (a short write at the boundary) and then fails every
// Append with kIoError until ClearFaults().
//
// Limits: no hard links, no renaming of directories, Remove removes files
// only (like unlink). The root ("/" or "." for relative paths) always exists.
//
// Randomness comes only from the seed, so a run is reproducible. Thread-safe:
// one mutex guards everything, including the state behind open handles.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/fs.h"

namespace flotilla::base {

struct FakeFsState;  // fake_fs.cpp

class FakeFs final : public Fs {
 public:
  enum class CrashMode {
    kDropUnsynced,  // every unsynced byte is lost
    kTornTail,      // a random prefix of each file's unsynced tail may survive
  };

  explicit FakeFs(uint64_t seed = 1);
  ~FakeFs() override;
  FakeFs(const FakeFs&) = delete;
  FakeFs& operator=(const FakeFs&) = delete;

  Result<std::unique_ptr<WritableFile>> OpenAppend(const std::string& path) override;
  Result<std::string> ReadFile(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDirs(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  bool Exists(const std::string& path) override;

  // Power cut: see the model above. Open write handles become unusable.
  void Crash(CrashMode mode = CrashMode::kDropUnsynced);

  void FailNextSync();
  void FailNextSyncDir();
  void FailWritesAfter(uint64_t bytes);
  void ClearFaults();

  // Test introspection.
  // The content `path` would have after a crash in kDropUnsynced mode, or
  // nullopt if the file would not exist.
  std::optional<std::string> DurableContent(const std::string& path);
  uint64_t sync_count() const;   // successful WritableFile::Sync calls
  uint64_t write_count() const;  // WritableFile::Append calls

 private:
  std::shared_ptr<FakeFsState> state_;
};

}  // namespace flotilla::base

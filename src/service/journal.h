// Journal: the service manager's log of what its units wrote and what it did
// to them, on disk, capped in size, queryable by unit.
//
// Files. A directory of segments "<seq:016x>-<first seqnum:016x>.journal"
// (storage/numbered_name.h): a header record, then one storage record per
// entry (journal_format.h; byte layout in src/service/README.md). Appends go
// to the newest segment; once it would pass `segment_bytes` a new one is
// started, and the oldest segments are deleted so that the files together
// never exceed `max_bytes`. All I/O goes through base::Fs.
//
// Durability. Each entry is one write(2) and no fsync: a
// process crash loses nothing, a power cut may lose the lines since the last
// sync, and never damages earlier ones. A segment is synced (file and
// directory) when it is finished, on Sync() (the manager calls it on a timer,
// as journald's SyncIntervalSec=), on Close(), and right after an entry of
// priority crit (2) or more urgent. Open keeps every record that verifies:
// a torn last record of the newest segment is cut off and appending goes on
// after it; damage elsewhere keeps the records before it and is reported in
// recovery_notes(). A failed write is cut off the segment (or, if that
// fails too, the journal goes on in a new one): a full disk costs lines, not
// the journal.
//
// Queries read segments back through Fs. An in-memory index per segment
// (entry count per unit, newest time, seqnum range) lets Tail and Since read
// only the segments that hold the unit, newest first for Tail; its size is
// O(segments x units), and segments are at most ~max_bytes/segment_bytes + 1.
//
// Threading: one thread owns the Journal (the service manager's event loop)
// and makes every call. Followers are called synchronously on that thread
// from inside Append, after the entry was written, in subscription order; a
// follower may Append (delivered after the current entry reaches every
// follower) or drop any subscription.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/fs.h"
#include "base/status.h"
#include "service/journal_format.h"

namespace flotilla::service {

struct JournalOptions {
  // Limit on the bytes of all segment files together; at least 128 KiB.
  uint64_t max_bytes = 64ull << 20;
  // A segment is finished once the next record would take it past this; 0
  // means max_bytes / 8. At least 4 KiB and at most max_bytes / 2.
  uint64_t segment_bytes = 0;
};

struct JournalStats {
  uint64_t segments = 0;
  uint64_t bytes = 0;    // on disk, all segments
  uint64_t entries = 0;  // stored (deleted segments' entries not counted)
  uint64_t next_seqnum = 0;
};

struct FollowerRegistry;  // journal.cpp

// Follow() hands one out; dropping it (or Cancel) ends the subscription. It
// may outlive the Journal.
class JournalSubscription {
 public:
  JournalSubscription() = default;
  JournalSubscription(std::weak_ptr<FollowerRegistry> registry, uint64_t id)
      : registry_(std::move(registry)), id_(id) {}
  JournalSubscription(JournalSubscription&& other) noexcept { *this = std::move(other); }
  JournalSubscription& operator=(JournalSubscription&& other) noexcept;
  ~JournalSubscription() { Cancel(); }

  void Cancel();

 private:
  std::weak_ptr<FollowerRegistry> registry_;
  uint64_t id_ = 0;
};

class Journal {
 public:
  using Follower = std::function<void(const JournalEntry&)>;

  // Opens (creating if needed) the journal in `dir` and recovers it.
  static base::Result<std::unique_ptr<Journal>> Open(base::Fs& fs, const std::string& dir,
                                                     const base::Clock& clock,
                                                     const JournalOptions& options = {});
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Stores `entry` (time and seqnum are set here), one entry per line of its
  // message as SplitJournalLines cuts it. kInvalidArgument for an entry
  // ValidateJournalEntry refuses (the newline and length rules aside);
  // kIoError when the write failed (followers still see the lines).
  base::Status Append(JournalEntry entry);
  // A manager event about `unit`: stream kManager, pid 0, priority info (6)
  // unless given.
  base::Status AppendEvent(std::string_view unit, std::string_view message, uint8_t priority = 6);

  // The last `n` entries of `unit` ("" for every unit), oldest first.
  base::Result<std::vector<JournalEntry>> Tail(std::string_view unit, size_t n) const;
  // Every entry of `unit` ("" for all) with time >= `since`, in seqnum order.
  base::Result<std::vector<JournalEntry>> Since(std::string_view unit, base::UnixNanos since) const;
  // `follower` sees every later entry of `unit` ("" for all). For
  // `journalctl -f`: Tail, then Follow, with no Append between (one thread).
  [[nodiscard]] JournalSubscription Follow(std::string_view unit, Follower follower);

  // Makes every appended entry durable.
  base::Status Sync();
  // Sync, then close the current segment; only the destructor may follow.
  base::Status Close();

  JournalStats stats() const;
  // What Open found damaged and cut or skipped, one line each.
  const std::vector<std::string>& recovery_notes() const;

  struct Impl;  // journal.cpp

 private:
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::service

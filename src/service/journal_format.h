// Journal entries: what one line of the journal holds, its record codec, its
// journalctl-style text, and the manager's event messages.
//
// An entry is one line a unit's process wrote to stdout or stderr, or one
// event the manager logged about the unit (stream kManager, pid 0). On disk
// an entry is one storage record (storage/record.h framing, CRC'd) of type
// kEntry whose u64 "term" is the entry's time and u64 "index" its sequence
// number; the entry data that follows is written down in src/service/README.md
// ("Journal", on-disk format). Every segment opens with a kMetadata record
// holding kJournalMagic.
//
// Lines: a message is one line without its newline and at most
// kMaxJournalMessage bytes. SplitJournalLines cuts arbitrary text into such
// lines: at every '\n' (a final '\n' ends the last line and starts no new
// one), then every line longer than the limit into pieces of exactly
// kMaxJournalMessage bytes and a shorter rest, cut at byte (not character)
// boundaries, as journald's LineMax= does.
//
// Text: FormatShort renders an entry as `journalctl --output short` does,
// "Dec 02 10:47:43 myhost hello[1234]: Hello World", in a time zone the
// caller picks (tests pass TimeZone::Utc()). Manager events show as the
// manager, "flotilla[<its pid>]", as systemd's show as "systemd[1]".
// UnitEventMessage words the manager's events as systemd 252 does
// ("Started hello.service - Hello World.").
//
// Decoding never trusts its input: anything malformed is an error naming
// what is wrong (fuzzed by fuzz/journal_record_fuzz.cpp). Pure functions, no
// I/O, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "storage/record.h"

namespace flotilla::service {

enum class JournalStream : uint8_t { kStdout = 1, kStderr = 2, kManager = 3 };

// "stdout", "stderr", "manager".
std::string_view StreamName(JournalStream stream);

inline constexpr size_t kMaxJournalMessage = 64u << 10;
// Unit names (systemd allows 255 bytes) and identifiers.
inline constexpr size_t kMaxJournalName = 256;
inline constexpr std::string_view kJournalMagic = "flotilla-journal 1";

struct JournalEntry {
  uint64_t seqnum = 0;       // assigned by the Journal: 1, 2, 3, ... across restarts
  base::UnixNanos time = 0;  // when the Journal received the line
  std::string unit;          // "hello.service"
  int32_t pid = 0;           // the writing process; 0 for the manager's events
  JournalStream stream = JournalStream::kStdout;
  std::optional<uint8_t> priority;  // syslog 0 (emerg) .. 7 (debug), if known
  // journald's SYSLOG_IDENTIFIER: the executable's base name ("hello") for
  // output lines; empty for manager events (formatted as the manager).
  std::string identifier;
  std::string message;  // one line, no newline, <= kMaxJournalMessage bytes
  bool operator==(const JournalEntry&) const = default;
};

// Appends `entry` as one storage record; the entry must be valid
// (ValidateJournalEntry) or the bytes will not decode.
void EncodeJournalRecord(std::string& out, const JournalEntry& entry);
// Appends the segment header record.
void EncodeJournalHeader(std::string& out);

// The entry in a verified storage record; an error says what is malformed.
base::Result<JournalEntry> DecodeJournalRecord(const storage::Record& record);
// Ok if `record` is a segment header this version understands.
base::Status CheckJournalHeader(const storage::Record& record);

// The limits a stored entry obeys (lengths, priority, pid, no newline).
base::Status ValidateJournalEntry(const JournalEntry& entry);

// Views into `text`; empty text is one empty line.
std::vector<std::string_view> SplitJournalLines(std::string_view text);

// Where FormatShort's wall-clock times are. Local is the process's time zone
// (TZ, /etc/localtime) via localtime_r; Utc and FixedOffset never look at it.
class TimeZone {
 public:
  static TimeZone Utc() { return TimeZone(false, 0); }
  static TimeZone Local() { return TimeZone(true, 0); }
  // Seconds east of UTC: 3600 is UTC+01:00.
  static TimeZone FixedOffset(int32_t seconds) { return TimeZone(false, seconds); }

  // Seconds east of UTC at time `unix_seconds`.
  int64_t OffsetAt(int64_t unix_seconds) const;

 private:
  TimeZone(bool local, int32_t offset) : local_(local), offset_(offset) {}
  bool local_;
  int32_t offset_;
};

struct ShortFormat {
  std::string hostname;
  TimeZone tz = TimeZone::Local();
  std::string manager_ident = "flotilla";
  // Shown as "flotilla[pid]" on manager events; 0 shows "flotilla:".
  int64_t manager_pid = 0;
};

// One line, without the newline. Entries with an empty identifier show the
// unit name without its type; a message that is not printable UTF-8 shows
// as "[26B blob data]", as journalctl does without --all.
std::string FormatShort(const JournalEntry& entry, const ShortFormat& format);

enum class UnitEvent {
  kStarting,       // "Starting hello.service - Hello World..."
  kStarted,        // "Started hello.service - Hello World."
  kStopping,       // "Stopping hello.service - Hello World..."
  kStopped,        // "Stopped hello.service - Hello World."
  kFinished,       // "Finished hello.service - Hello World." (oneshot)
  kFailedToStart,  // "Failed to start hello.service - Hello World."
  kFailed,         // "hello.service: Failed with result 'exit-code'."
  kDeactivated,    // "hello.service: Deactivated successfully."
};

// `description` is the unit's Description= (may be empty: then only the
// name shows); `result` is the service result for kFailed ("exit-code",
// "signal", "timeout", "core-dump", "start-limit-hit", ...).
std::string UnitEventMessage(UnitEvent event, std::string_view unit, std::string_view description,
                             std::string_view result = {});

}  // namespace flotilla::service

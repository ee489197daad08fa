#include "service/journal_format.h"

#include <fmt/format.h>

#include <ctime>
#include <limits>

#include "base/codec.h"

namespace flotilla::service {

using base::Code;
using base::Status;

namespace {

constexpr uint8_t kNoPriority = 0xff;

Status Malformed(const std::string& what) {
  return Status(Code::kCorruption, "malformed journal record: " + what);
}

// Complete UTF-8 with no control characters but tab: what journalctl prints
// as text (systemd's utf8_is_printable).
bool IsPrintableUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (len == 0 || c > 0xf4 || i + len > s.size()) return false;
    uint32_t cp = c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp >= 0x80 && cp <= 0x9f) return false;  // C1 controls
    i += len;
  }
  return true;
}

// systemd's format_bytes(): "26B", "1.5K", "2.0M" (IEC, one decimal, truncated).
std::string FormatBytes(uint64_t n) {
  if (n >= (1u << 20)) return fmt::format("{}.{}M", n >> 20, ((n >> 10) * 10 >> 10) % 10);
  if (n >= 1024) return fmt::format("{}.{}K", n >> 10, (n * 10 >> 10) % 10);
  return fmt::format("{}B", n);
}

}  // namespace

std::string_view StreamName(JournalStream stream) {
  switch (stream) {
    case JournalStream::kStdout:
      return "stdout";
    case JournalStream::kStderr:
      return "stderr";
    case JournalStream::kManager:
      return "manager";
  }
  return "unknown";
}

Status ValidateJournalEntry(const JournalEntry& e) {
  auto bad = [](const std::string& what) { return Status(Code::kInvalidArgument, what); };
  if (e.stream != JournalStream::kStdout && e.stream != JournalStream::kStderr &&
      e.stream != JournalStream::kManager)
    return bad(fmt::format("unknown stream {}", static_cast<int>(e.stream)));
  if (e.priority && *e.priority > 7) return bad(fmt::format("priority {} > 7", *e.priority));
  if (e.pid < 0) return bad(fmt::format("negative pid {}", e.pid));
  if (e.unit.size() > kMaxJournalName)
    return bad(fmt::format("unit name of {} bytes (limit {})", e.unit.size(), kMaxJournalName));
  if (e.identifier.size() > kMaxJournalName)
    return bad(
        fmt::format("identifier of {} bytes (limit {})", e.identifier.size(), kMaxJournalName));
  if (e.message.size() > kMaxJournalMessage)
    return bad(fmt::format("message of {} bytes (limit {})", e.message.size(), kMaxJournalMessage));
  if (e.message.find('\n') != std::string::npos) return bad("message holds a newline");
  return Status::Ok();
}

void EncodeJournalHeader(std::string& out) {
  storage::EncodeMetadataRecord(out, kJournalMagic);
}

void EncodeJournalRecord(std::string& out, const JournalEntry& e) {
  storage::Entry rec{static_cast<uint64_t>(e.time), e.seqnum, {}};
  base::Encoder enc(rec.data);
  enc.U8(static_cast<uint8_t>(e.stream));
  enc.U8(e.priority ? *e.priority : kNoPriority);
  enc.Varint(static_cast<uint32_t>(e.pid));
  enc.Bytes(e.unit);
  enc.Bytes(e.identifier);
  rec.data.append(e.message);
  storage::EncodeEntryRecord(out, rec);
}

Status CheckJournalHeader(const storage::Record& record) {
  if (record.type != static_cast<uint8_t>(storage::RecordType::kMetadata))
    return Status(Code::kCorruption,
                  fmt::format("first record has type {}, not a journal header", record.type));
  if (record.payload != kJournalMagic)
    return Status(
        Code::kCorruption,
        fmt::format("unknown journal header \"{}\"",
                    record.payload.substr(0, std::min<size_t>(record.payload.size(), 40))));
  return Status::Ok();
}

base::Result<JournalEntry> DecodeJournalRecord(const storage::Record& record) {
  if (record.type != static_cast<uint8_t>(storage::RecordType::kEntry))
    return Malformed(fmt::format("record type {} is not an entry", record.type));
  storage::Entry rec;
  if (!storage::DecodeEntry(record.payload, rec)) return Malformed("short entry header");
  JournalEntry e;
  e.time = static_cast<base::UnixNanos>(rec.term);
  e.seqnum = rec.index;
  base::Decoder dec(rec.data);
  uint8_t stream = 0, priority = 0;
  uint64_t pid = 0;
  if (!dec.U8(stream) || !dec.U8(priority) || !dec.Varint(pid) || !dec.Bytes(e.unit) ||
      !dec.Bytes(e.identifier))
    return Malformed("truncated entry fields");
  if (pid > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
    return Malformed(fmt::format("pid {} out of range", pid));
  e.stream = static_cast<JournalStream>(stream);
  e.pid = static_cast<int32_t>(pid);
  if (priority != kNoPriority) e.priority = priority;
  e.message.assign(std::string_view(rec.data).substr(dec.position()));
  Status st = ValidateJournalEntry(e);
  if (!st.ok()) return Malformed(st.message());
  return e;
}

std::vector<std::string_view> SplitJournalLines(std::string_view text) {
  std::vector<std::string_view> lines;
  if (text.ends_with('\n')) text.remove_suffix(1);
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
    do {
      lines.push_back(line.substr(0, kMaxJournalMessage));
      line.remove_prefix(std::min(line.size(), kMaxJournalMessage));
    } while (!line.empty());
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

int64_t TimeZone::OffsetAt(int64_t unix_seconds) const {
  if (!local_) return offset_;
  auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return 0;
  return tm.tm_gmtoff;
}

std::string FormatShort(const JournalEntry& e, const ShortFormat& format) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t secs = e.time / 1'000'000'000;
  if (e.time % 1'000'000'000 < 0) --secs;  // floor, for times before 1970
  auto shifted = static_cast<std::time_t>(secs + format.tz.OffsetAt(secs));
  std::tm tm{};
  if (gmtime_r(&shifted, &tm) == nullptr) tm = std::tm{};
  std::string out = fmt::format("{} {:02d} {:02d}:{:02d}:{:02d}", kMonths[tm.tm_mon % 12],
                                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (!format.hostname.empty()) fmt::format_to(std::back_inserter(out), " {}", format.hostname);

  std::string_view ident = e.identifier;
  int64_t pid = e.pid;
  if (e.stream == JournalStream::kManager) {
    ident = format.manager_ident;
    pid = format.manager_pid;
  } else if (ident.empty()) {
    ident = std::string_view(e.unit).substr(0, e.unit.rfind('.'));
    if (ident.empty()) ident = "unknown";
  }
  fmt::format_to(std::back_inserter(out), " {}", ident);
  if (pid > 0) fmt::format_to(std::back_inserter(out), "[{}]", pid);
  out += ": ";
  if (IsPrintableUtf8(e.message))
    out += e.message;
  else
    fmt::format_to(std::back_inserter(out), "[{} blob data]", FormatBytes(e.message.size()));
  return out;
}

std::string UnitEventMessage(UnitEvent event, std::string_view unit, std::string_view description,
                             std::string_view result) {
  // systemd >= 247 logs "name - description" (StatusUnitFormat=combined).
  std::string who(unit);
  if (!description.empty() && description != unit) who = fmt::format("{} - {}", unit, description);
  switch (event) {
    case UnitEvent::kStarting:
      return fmt::format("Starting {}...", who);
    case UnitEvent::kStarted:
      return fmt::format("Started {}.", who);
    case UnitEvent::kStopping:
      return fmt::format("Stopping {}...", who);
    case UnitEvent::kStopped:
      return fmt::format("Stopped {}.", who);
    case UnitEvent::kFinished:
      return fmt::format("Finished {}.", who);
    case UnitEvent::kFailedToStart:
      return fmt::format("Failed to start {}.", who);
    case UnitEvent::kFailed:
      return fmt::format("{}: Failed with result '{}'.", unit, result);
    case UnitEvent::kDeactivated:
      return fmt::format("{}: Deactivated successfully.", unit);
  }
  return who;
}

}  // namespace flotilla::service

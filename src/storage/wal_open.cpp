// Wal::Open: recovery. Replays every segment in order through LogReplay,
// truncates a torn tail of the last segment, refuses anything else that is
// damaged, and leaves the Wal appending to the last segment.
#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "storage/log_replay.h"
#include "storage/record.h"
#include "storage/segment.h"
#include "storage/wal_impl.h"

namespace flotilla::storage {

using base::Code;
using base::Status;

namespace {

constexpr std::string_view kTmpSuffix = ".wal.tmp";

Status Corrupt(const std::string& path, const std::string& problem, uint64_t offset) {
  return Status(Code::kCorruption,
                fmt::format("wal segment {}: {} at offset {}", path, problem, offset));
}

// What replay has found so far across segments.
struct Replayed {
  explicit Replayed(uint64_t after_index) : log(after_index) {}
  LogReplay log;
  bool have_metadata = false;
  std::string metadata;
  HardState hard_state;
  bool truncated = false;
  uint64_t valid_bytes = 0;  // of the last segment replayed
};

Status ApplyRecord(const std::string& path, const Record& rec, bool first, Replayed& r,
                   WalSegment& seg) {
  auto type = static_cast<RecordType>(rec.type);
  if (!IsKnownRecordType(rec.type))
    return Corrupt(path, fmt::format("unknown record type {}", rec.type), rec.offset);
  if (first != (type == RecordType::kMetadata))
    return Corrupt(path, first ? "first record is not metadata" : "unexpected metadata record",
                   rec.offset);
  switch (type) {
    case RecordType::kMetadata:
      if (!r.have_metadata) {
        r.have_metadata = true;
        r.metadata.assign(rec.payload);
      } else if (rec.payload != r.metadata) {
        return Corrupt(path, "metadata differs from the first segment's", rec.offset);
      }
      return Status::Ok();
    case RecordType::kEntry: {
      Entry e;
      if (!DecodeEntry(rec.payload, e)) return Corrupt(path, "malformed entry record", rec.offset);
      uint64_t index = e.index, last = r.log.last_index();
      if (!r.log.AddEntry(std::move(e)))
        return Corrupt(path, fmt::format("entry {} does not follow entry {}", index, last),
                       rec.offset);
      seg.max_index = std::max(seg.max_index, index);
      return Status::Ok();
    }
    case RecordType::kHardState:
      if (!DecodeHardState(rec.payload, r.hard_state))
        return Corrupt(path, "malformed hard state record", rec.offset);
      return Status::Ok();
    case RecordType::kSnapshot: {
      uint64_t term, index;
      if (!DecodeSnapshot(rec.payload, term, index))
        return Corrupt(path, "malformed snapshot record", rec.offset);
      r.log.AddSnapshotMark(index);
      seg.max_index = std::max(seg.max_index, index);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status ReplaySegment(base::Fs& fs, WalSegment& seg, bool last, Replayed& r) {
  auto bytes = fs.ReadFile(seg.path);
  if (!bytes.ok()) return bytes.status().WithContext("open wal");
  SegmentScan scan = ScanSegment(*bytes);
  if (scan.tail == SegmentScan::Tail::kCorrupt || (scan.tail == SegmentScan::Tail::kTorn && !last))
    return Corrupt(seg.path, scan.problem, scan.valid_bytes);
  for (size_t i = 0; i < scan.records.size(); ++i)
    FLOTILLA_RETURN_IF_ERROR(ApplyRecord(seg.path, scan.records[i], i == 0, r, seg));
  if (scan.records.empty() && (!last || !r.have_metadata))
    return Corrupt(seg.path, "no metadata record", 0);
  r.valid_bytes = scan.valid_bytes;
  if (scan.tail == SegmentScan::Tail::kTorn) {
    uint64_t dropped = bytes->size() - scan.valid_bytes;
    FLOG_WARN("wal: truncating torn tail of {} at offset {} ({} bytes dropped: {})", seg.path,
              scan.valid_bytes, dropped, scan.problem);
    FLOTILLA_RETURN_IF_ERROR(
        fs.Truncate(seg.path, scan.valid_bytes).WithContext("truncate torn wal tail"));
    r.truncated = true;
  }
  return Status::Ok();
}

// The segments in `dir` in order; leftover temp files from an interrupted
// segment creation are removed.
base::Result<std::vector<WalSegment>> ListSegments(base::Fs& fs, const std::string& dir) {
  auto names = fs.ListDir(dir);
  if (!names.ok()) return names.status().WithContext("open wal");
  std::vector<WalSegment> segs;
  for (const std::string& name : *names) {
    uint64_t seq, first;
    if (ParseSegmentName(name, seq, first)) {
      segs.push_back({seq, base::JoinPath(dir, name), 0});
    } else if (name.ends_with(kTmpSuffix)) {
      FLOTILLA_RETURN_IF_ERROR(fs.Remove(base::JoinPath(dir, name)).WithContext("open wal"));
    }
  }
  if (segs.empty()) return Status(Code::kNotFound, "open wal: no segments in " + dir);
  std::sort(segs.begin(), segs.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  for (size_t i = 1; i < segs.size(); ++i)
    if (segs[i].seq != segs[i - 1].seq + 1)
      return Status(Code::kCorruption,
                    fmt::format("wal {}: segment {:016x} is missing between {} and {}", dir,
                                segs[i - 1].seq + 1, segs[i - 1].path, segs[i].path));
  return segs;
}

}  // namespace

base::Result<std::unique_ptr<Wal>> Wal::Open(base::Fs& fs, const std::string& dir,
                                             uint64_t after_index, Recovered* recovered,
                                             const WalOptions& options) {
  auto segs = ListSegments(fs, dir);
  if (!segs.ok()) return segs.status();
  auto impl = std::make_unique<Impl>(fs, dir, options);
  Replayed r(after_index);
  for (size_t i = 0; i < segs->size(); ++i) {
    impl->segments.push_back(std::move((*segs)[i]));
    FLOTILLA_RETURN_IF_ERROR(ReplaySegment(fs, impl->segments.back(), i + 1 == segs->size(), r));
  }
  if (!r.log.CoversSnapshot())
    return Status(Code::kCorruption,
                  fmt::format("wal {}: the log starts at index {} but the snapshot ends at index "
                              "{}; entries {}..{} are missing",
                              dir, r.log.first_index(), after_index, after_index + 1,
                              r.log.first_index() - 1));

  impl->metadata = std::move(r.metadata);
  impl->hard_state = r.hard_state;
  impl->last_index = std::max(r.log.last_index(), after_index);
  const std::string& path = impl->segments.back().path;
  auto file = fs.OpenAppend(path);
  if (!file.ok()) return file.status().WithContext("open wal");
  impl->file = std::move(*file);
  if (r.valid_bytes == 0) {
    // Every record of the last segment was torn away; start it over.
    FLOTILLA_RETURN_IF_ERROR(impl->Write(impl->SegmentHeader()));
  }
  if (after_index > r.log.last_index() && r.log.last_index() > 0) {
    // The snapshot is newer than the whole log: record the jump so the next
    // entry (after_index + 1) is not a gap on replay.
    EncodeSnapshotRecord(impl->buffer, 0, after_index);
    FLOTILLA_RETURN_IF_ERROR(impl->Flush());
    impl->NoteIndex(after_index);
  }
  if (r.truncated || impl->unsynced > 0) {
    // Make the truncation durable before anything is appended after it.
    FLOTILLA_RETURN_IF_ERROR(impl->file->Sync().WithContext("open wal"));
    impl->unsynced = 0;
  }

  if (recovered) {
    recovered->metadata = impl->metadata;
    recovered->hard_state = r.hard_state;
    recovered->entries = r.log.TakeEntries();
    recovered->truncated_tail = r.truncated;
  }
  return std::unique_ptr<Wal>(new Wal(std::move(impl)));
}

}  // namespace flotilla::storage

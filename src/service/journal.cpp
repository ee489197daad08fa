// Journal: the write path, the queries and the followers. Recovery of the
// segments on disk is Journal::Open, at the end of this file.
#include "service/journal.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <utility>

#include "base/log.h"
#include "storage/durable_dir.h"
#include "storage/numbered_name.h"
#include "storage/segment.h"

namespace flotilla::service {

using base::Code;
using base::Result;
using base::Status;

namespace {

constexpr std::string_view kSegmentSuffix = ".journal";
constexpr uint8_t kPriorityCrit = 2;

// One segment file and what the index knows about it.
struct Segment {
  uint64_t seq = 0;
  uint64_t first_seqnum = 0;  // from the name
  std::string path;
  uint64_t file_bytes = 0;   // on disk, for the size cap
  uint64_t valid_bytes = 0;  // the prefix of verified records that queries read
  uint64_t entries = 0;
  uint64_t last_seqnum = 0;
  base::UnixNanos max_time = std::numeric_limits<base::UnixNanos>::min();
  std::map<std::string, uint64_t, std::less<>> unit_entries;

  void Add(const JournalEntry& e) {
    ++entries;
    last_seqnum = std::max(last_seqnum, e.seqnum);
    max_time = std::max(max_time, e.time);
    ++unit_entries[e.unit];
  }
  uint64_t EntriesOf(std::string_view unit) const {
    if (unit.empty()) return entries;
    auto it = unit_entries.find(unit);
    return it == unit_entries.end() ? 0 : it->second;
  }
};

}  // namespace

struct FollowerRegistry {
  struct Follower {
    uint64_t id;
    std::string unit;
    uint64_t first_seqnum;  // entries appended before the subscription are not its business
    Journal::Follower fn;
    bool cancelled = false;
  };
  std::list<Follower> followers;  // stable: callbacks may subscribe while one runs
  uint64_t next_id = 1;
  bool delivering = false;

  void Remove(uint64_t id) {
    for (auto it = followers.begin(); it != followers.end(); ++it) {
      if (it->id != id) continue;
      if (delivering)
        it->cancelled = true;  // its callback may be the one running
      else
        followers.erase(it);
      return;
    }
  }
};

JournalSubscription& JournalSubscription::operator=(JournalSubscription&& other) noexcept {
  if (this != &other) {
    Cancel();
    registry_ = std::move(other.registry_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void JournalSubscription::Cancel() {
  if (auto registry = registry_.lock()) registry->Remove(id_);
  registry_.reset();
  id_ = 0;
}

struct Journal::Impl {
  Impl(base::Fs& fs, std::string dir, const base::Clock& clock, JournalOptions options)
      : fs(fs), dir(std::move(dir)), clock(clock), options(options) {}

  base::Fs& fs;
  const std::string dir;
  const base::Clock& clock;
  const JournalOptions options;

  std::deque<Segment> segments;              // oldest first
  std::unique_ptr<base::WritableFile> file;  // appends to segments.back(); null: start anew
  bool file_synced = true;
  bool dir_synced = true;
  bool closed = false;
  uint64_t next_seqnum = 1;
  uint64_t next_seq = 1;
  uint64_t total_bytes = 0;
  std::vector<std::string> notes;

  std::shared_ptr<FollowerRegistry> registry = std::make_shared<FollowerRegistry>();
  std::deque<JournalEntry> undelivered;

  Status StartSegment();
  void FinishSegment();
  bool RemoveOldest();
  Status Store(const JournalEntry& e);
  Status SyncAll();
  void Deliver();
  // The entries of `seg` for which keep(entry) holds, in file order.
  Result<std::vector<JournalEntry>> Read(
      const Segment& seg, const std::function<bool(const JournalEntry&)>& keep) const;
  Status LoadSegment(uint64_t seq, uint64_t first_seqnum, bool last);  // Open
};

Status Journal::Impl::StartSegment() {
  std::string name = storage::NumberedName(next_seq, next_seqnum, kSegmentSuffix);
  std::string path = base::JoinPath(dir, name);
  auto f = fs.OpenAppend(path);
  if (!f.ok()) return f.status().WithContext("start journal segment");
  ++next_seq;
  std::string header;
  EncodeJournalHeader(header);
  Status st = (*f)->Append(header);
  if (!st.ok()) {
    (void)(*f)->Close();
    (void)fs.Remove(path);  // if it stays, Open drops a segment with no whole header
    return st.WithContext("start journal segment");
  }
  Segment seg;
  seg.seq = next_seq - 1;
  seg.first_seqnum = next_seqnum;
  seg.path = std::move(path);
  seg.file_bytes = seg.valid_bytes = header.size();
  segments.push_back(std::move(seg));
  total_bytes += header.size();
  file = std::move(*f);
  file_synced = false;
  dir_synced = false;
  return Status::Ok();
}

// A finished segment is synced so that a power cut costs at most the newest
// segment's unsynced lines. Failures cost durability only: logged, not fatal.
void Journal::Impl::FinishSegment() {
  Status st = SyncAll();
  if (st.ok()) st = file->Close();
  if (!st.ok()) FLOG_WARN("journal: finishing segment {}: {}", segments.back().path, st.ToString());
  file.reset();
}

bool Journal::Impl::RemoveOldest() {
  Segment& old = segments.front();
  Status st = fs.Remove(old.path);
  if (!st.ok()) {
    FLOG_WARN("journal: cannot delete old segment: {}", st.ToString());
    return false;
  }
  total_bytes -= old.file_bytes;
  segments.pop_front();
  return true;
}

Status Journal::Impl::Store(const JournalEntry& e) {
  std::string rec;
  EncodeJournalRecord(rec, e);
  if (file && segments.back().entries > 0 &&
      segments.back().file_bytes + rec.size() > options.segment_bytes)
    FinishSegment();
  if (!file) FLOTILLA_RETURN_IF_ERROR(StartSegment());
  while (total_bytes + rec.size() > options.max_bytes && segments.size() > 1 && RemoveOldest()) {
  }

  Segment& seg = segments.back();
  Status st = file->Append(rec);
  uint64_t size = file->Size();
  total_bytes += size - seg.file_bytes;
  seg.file_bytes = size;
  file_synced = false;
  if (!st.ok()) {
    // Part of the record may have reached the file: cut it off and go on in
    // this segment, or, if even that fails, in a new one.
    (void)file->Close();
    file.reset();
    if (fs.Truncate(seg.path, seg.valid_bytes).ok()) {
      total_bytes -= seg.file_bytes - seg.valid_bytes;
      seg.file_bytes = seg.valid_bytes;
      if (auto f = fs.OpenAppend(seg.path); f.ok()) file = std::move(*f);
    }
    return st.WithContext(fmt::format("journal segment {}", seg.path));
  }
  seg.valid_bytes = size;
  seg.Add(e);
  return Status::Ok();
}

Status Journal::Impl::SyncAll() {
  if (file && !file_synced) {
    FLOTILLA_RETURN_IF_ERROR(file->Sync());
    file_synced = true;
  }
  if (!dir_synced) {
    FLOTILLA_RETURN_IF_ERROR(fs.SyncDir(dir));
    dir_synced = true;
  }
  return Status::Ok();
}

void Journal::Impl::Deliver() {
  FollowerRegistry& r = *registry;
  if (r.delivering) return;  // a follower appended: the outer loop delivers it
  r.delivering = true;
  while (!undelivered.empty()) {
    JournalEntry e = std::move(undelivered.front());
    undelivered.pop_front();
    for (auto& f : r.followers) {
      if (f.cancelled || e.seqnum < f.first_seqnum) continue;
      if (f.unit.empty() || f.unit == e.unit) f.fn(e);
    }
  }
  r.followers.remove_if([](const FollowerRegistry::Follower& f) { return f.cancelled; });
  r.delivering = false;
}

Result<std::vector<JournalEntry>> Journal::Impl::Read(
    const Segment& seg, const std::function<bool(const JournalEntry&)>& keep) const {
  auto bytes = fs.ReadFile(seg.path);
  if (!bytes.ok()) return bytes.status().WithContext("read journal segment");
  if (bytes->size() < seg.valid_bytes)
    return Status(Code::kCorruption, fmt::format("journal segment {} shrank from {} to {} bytes",
                                                 seg.path, seg.valid_bytes, bytes->size()));
  storage::RecordReader reader(std::string_view(*bytes).substr(0, seg.valid_bytes));
  std::vector<JournalEntry> out;
  storage::Record rec;
  bool header = true;
  while (reader.Next(rec) == storage::RecordReader::Outcome::kRecord) {
    if (std::exchange(header, false)) continue;
    auto e = DecodeJournalRecord(rec);
    if (!e.ok())
      return e.status().WithContext(
          fmt::format("journal segment {} at offset {}", seg.path, rec.offset));
    if (keep(*e)) out.push_back(std::move(*e));
  }
  if (reader.offset() != seg.valid_bytes)
    return Status(Code::kCorruption, fmt::format("journal segment {} changed: {} at offset {}",
                                                 seg.path, reader.problem(), reader.offset()));
  return out;
}

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Journal::~Journal() {
  if (impl_->file) (void)impl_->file->Close();
}

Status Journal::Append(JournalEntry entry) {
  Impl& s = *impl_;
  if (s.closed) return Status(Code::kInternal, "journal append after Close");
  std::string text = std::exchange(entry.message, {});
  FLOTILLA_RETURN_IF_ERROR(ValidateJournalEntry(entry).WithContext("journal append"));
  entry.time = s.clock.Now();
  Status result;
  for (std::string_view line : SplitJournalLines(text)) {
    entry.seqnum = s.next_seqnum++;
    entry.message.assign(line);
    Status st = s.Store(entry);
    if (!st.ok() && result.ok()) result = st;
    s.undelivered.push_back(entry);
  }
  if (entry.priority && *entry.priority <= kPriorityCrit && result.ok()) result = s.SyncAll();
  s.Deliver();
  return result;
}

Status Journal::AppendEvent(std::string_view unit, std::string_view message, uint8_t priority) {
  JournalEntry e;
  e.unit.assign(unit);
  e.stream = JournalStream::kManager;
  e.priority = priority;
  e.message.assign(message);
  return Append(std::move(e));
}

Result<std::vector<JournalEntry>> Journal::Tail(std::string_view unit, size_t n) const {
  std::vector<JournalEntry> out;
  if (n == 0) return out;
  // Newest segments first, until they hold n entries of the unit.
  std::vector<const Segment*> chosen;
  uint64_t have = 0;
  for (auto it = impl_->segments.rbegin(); it != impl_->segments.rend() && have < n; ++it) {
    uint64_t count = it->EntriesOf(unit);
    if (count == 0) continue;
    chosen.push_back(&*it);
    have += count;
  }
  auto keep = [unit](const JournalEntry& e) { return unit.empty() || e.unit == unit; };
  for (auto it = chosen.rbegin(); it != chosen.rend(); ++it) {
    auto part = impl_->Read(**it, keep);
    if (!part.ok()) return part.status();
    out.insert(out.end(), std::make_move_iterator(part->begin()),
               std::make_move_iterator(part->end()));
  }
  if (out.size() > n) out.erase(out.begin(), out.end() - static_cast<ptrdiff_t>(n));
  return out;
}

Result<std::vector<JournalEntry>> Journal::Since(std::string_view unit,
                                                 base::UnixNanos since) const {
  std::vector<JournalEntry> out;
  auto keep = [unit, since](const JournalEntry& e) {
    return e.time >= since && (unit.empty() || e.unit == unit);
  };
  for (const Segment& seg : impl_->segments) {
    if (seg.EntriesOf(unit) == 0 || seg.max_time < since) continue;
    auto part = impl_->Read(seg, keep);
    if (!part.ok()) return part.status();
    out.insert(out.end(), std::make_move_iterator(part->begin()),
               std::make_move_iterator(part->end()));
  }
  return out;
}

JournalSubscription Journal::Follow(std::string_view unit, Follower follower) {
  FollowerRegistry& r = *impl_->registry;
  uint64_t id = r.next_id++;
  r.followers.push_back({id, std::string(unit), impl_->next_seqnum, std::move(follower)});
  return JournalSubscription(impl_->registry, id);
}

Status Journal::Sync() {
  return impl_->SyncAll().WithContext("sync journal");
}

Status Journal::Close() {
  Impl& s = *impl_;
  if (s.closed) return Status::Ok();
  s.closed = true;
  Status st = s.SyncAll();
  if (s.file) {
    Status close = s.file->Close();
    if (st.ok()) st = close;
    s.file.reset();
  }
  return st.ok() ? st : st.WithContext("close journal");
}

JournalStats Journal::stats() const {
  JournalStats st;
  st.segments = impl_->segments.size();
  st.bytes = impl_->total_bytes;
  for (const Segment& seg : impl_->segments) st.entries += seg.entries;
  st.next_seqnum = impl_->next_seqnum;
  return st;
}

const std::vector<std::string>& Journal::recovery_notes() const {
  return impl_->notes;
}

// ---- Recovery ----

// Loads one segment into the index. A segment with no whole header holds no
// entry and is deleted; one whose header is not ours stops Open. Damage after
// the header keeps the records before it; only a torn tail of the last
// segment is cut off so that appending can go on in that segment.
Status Journal::Impl::LoadSegment(uint64_t seq, uint64_t first_seqnum, bool last) {
  std::string path = base::JoinPath(dir, storage::NumberedName(seq, first_seqnum, kSegmentSuffix));
  auto bytes = fs.ReadFile(path);
  if (!bytes.ok()) return bytes.status().WithContext("open journal");
  storage::SegmentScan scan = storage::ScanSegment(*bytes);
  if (scan.records.empty()) {
    notes.push_back(fmt::format("{}: no complete header ({} bytes): deleted", path, bytes->size()));
    return fs.Remove(path).WithContext("open journal: delete headerless segment");
  }
  FLOTILLA_RETURN_IF_ERROR(
      CheckJournalHeader(scan.records[0]).WithContext(fmt::format("open journal: {}", path)));

  Segment seg;
  seg.seq = seq;
  seg.first_seqnum = first_seqnum;
  seg.path = path;
  seg.file_bytes = bytes->size();
  seg.valid_bytes = scan.valid_bytes;
  bool tail_torn = scan.tail == storage::SegmentScan::Tail::kTorn;
  std::string problem = scan.problem;
  for (size_t i = 1; i < scan.records.size(); ++i) {
    auto e = DecodeJournalRecord(scan.records[i]);
    if (!e.ok()) {
      seg.valid_bytes = scan.records[i].offset;
      tail_torn = false;
      problem = e.status().message();
      break;
    }
    seg.Add(*e);
  }

  bool appendable = true;
  if (seg.valid_bytes < seg.file_bytes) {
    if (last && tail_torn) {
      FLOTILLA_RETURN_IF_ERROR(fs.Truncate(path, seg.valid_bytes).WithContext("open journal"));
      notes.push_back(
          fmt::format("{}: torn tail cut at offset {} ({})", path, seg.valid_bytes, problem));
      seg.file_bytes = seg.valid_bytes;
    } else {
      notes.push_back(fmt::format("{}: damaged at offset {} ({}): {} bytes after it skipped", path,
                                  seg.valid_bytes, problem, seg.file_bytes - seg.valid_bytes));
      appendable = false;
    }
  }
  next_seqnum = std::max({next_seqnum, first_seqnum, seg.last_seqnum + 1});
  total_bytes += seg.file_bytes;
  segments.push_back(std::move(seg));
  if (last && appendable) {
    auto f = fs.OpenAppend(path);
    if (!f.ok()) return f.status().WithContext("open journal");
    file = std::move(*f);
    dir_synced = false;  // it may have been created after the last directory sync
  }
  return Status::Ok();
}

Result<std::unique_ptr<Journal>> Journal::Open(base::Fs& fs, const std::string& dir,
                                               const base::Clock& clock,
                                               const JournalOptions& options) {
  JournalOptions opts = options;
  if (opts.segment_bytes == 0) opts.segment_bytes = opts.max_bytes / 8;
  if (opts.max_bytes < (128u << 10) || opts.segment_bytes < (4u << 10) ||
      opts.segment_bytes > opts.max_bytes / 2)
    return Status(Code::kInvalidArgument,
                  fmt::format("journal options: max_bytes {} (>= 128 KiB) and segment_bytes {} "
                              "(4 KiB .. max_bytes/2)",
                              opts.max_bytes, opts.segment_bytes));
  auto impl = std::make_unique<Impl>(fs, dir, clock, opts);
  FLOTILLA_RETURN_IF_ERROR(storage::CreateDirsDurably(fs, dir).WithContext("open journal"));
  auto names = fs.ListDir(dir);
  if (!names.ok()) return names.status().WithContext("open journal");

  std::vector<std::pair<uint64_t, uint64_t>> found;  // seq, first seqnum; names sort by seq
  for (const std::string& name : *names) {
    uint64_t seq, first;
    if (storage::ParseNumberedName(name, kSegmentSuffix, seq, first))
      found.emplace_back(seq, first);
  }
  for (size_t i = 0; i < found.size(); ++i) {
    FLOTILLA_RETURN_IF_ERROR(
        impl->LoadSegment(found[i].first, found[i].second, i + 1 == found.size()));
    impl->next_seq = found[i].first + 1;
  }
  for (const std::string& note : impl->notes) FLOG_WARN("journal: {}", note);
  while (impl->total_bytes > opts.max_bytes && impl->segments.size() > 1 && impl->RemoveOldest()) {
  }
  if (!impl->file) FLOTILLA_RETURN_IF_ERROR(impl->StartSegment().WithContext("open journal"));
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

}  // namespace flotilla::service

// The Wal's write path: segments, appends, sync, cut and release. Recovery
// lives in wal_open.cpp; both share Wal::Impl (wal_impl.h).
#include <fmt/format.h>

#include "storage/durable_dir.h"
#include "storage/log_replay.h"
#include "storage/record.h"
#include "storage/segment.h"
#include "storage/wal_impl.h"

namespace flotilla::storage {

using base::Code;
using base::Status;

namespace {

// Above this the encode buffer is released after use rather than kept.
constexpr size_t kKeepBufferBytes = 4u << 20;

Status CheckBatch(const std::vector<Entry>& entries, uint64_t last) {
  if (!ContinuesLog(last, entries.front().index))
    return Status(Code::kInvalidArgument,
                  fmt::format("wal append: entry {} does not continue the log (last index {})",
                              entries.front().index, last));
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && entries[i].index != entries[i - 1].index + 1)
      return Status(Code::kInvalidArgument,
                    fmt::format("wal append: entry {} follows entry {} in one batch",
                                entries[i].index, entries[i - 1].index));
    if (entries[i].data.size() > kMaxRecordPayload - 16)
      return Status(Code::kInvalidArgument,
                    fmt::format("wal append: entry {} is {} bytes, more than the limit {}",
                                entries[i].index, entries[i].data.size(), kMaxRecordPayload - 16));
  }
  return Status::Ok();
}

}  // namespace

std::string Wal::Impl::SegmentHeader() const {
  std::string out;
  EncodeMetadataRecord(out, metadata);
  if (hard_state != HardState{}) EncodeHardStateRecord(out, hard_state);
  return out;
}

Status Wal::Impl::CreateSegment(uint64_t seq, uint64_t first_index) {
  std::string path = base::JoinPath(dir, SegmentName(seq, first_index));
  std::string tmp = path + ".tmp";
  std::string header = SegmentHeader();
  Status st = [&]() -> Status {
    if (fs.Exists(tmp)) FLOTILLA_RETURN_IF_ERROR(fs.Remove(tmp));
    auto f = fs.OpenAppend(tmp);
    if (!f.ok()) return f.status();
    FLOTILLA_RETURN_IF_ERROR((*f)->Append(header));
    FLOTILLA_RETURN_IF_ERROR((*f)->Sync());
    FLOTILLA_RETURN_IF_ERROR((*f)->Close());
    FLOTILLA_RETURN_IF_ERROR(fs.Rename(tmp, path));
    FLOTILLA_RETURN_IF_ERROR(fs.SyncDir(dir));
    auto g = fs.OpenAppend(path);
    if (!g.ok()) return g.status();
    file = std::move(*g);
    return Status::Ok();
  }();
  if (!st.ok()) return st.WithContext("create wal segment " + path);
  segments.push_back(WalSegment{seq, path, 0});
  return Status::Ok();
}

Status Wal::Impl::Write(std::string_view bytes) {
  if (!failed.ok()) return failed;
  Status st = file->Append(bytes);
  if (!st.ok()) return failed = st.WithContext("wal");
  unsynced += bytes.size();
  return Status::Ok();
}

Status Wal::Impl::SyncFile() {
  if (!failed.ok()) return failed;
  if (unsynced == 0) return Status::Ok();
  Status st = file->Sync();
  if (!st.ok()) return failed = st.WithContext("wal");
  unsynced = 0;
  return Status::Ok();
}

Status Wal::Impl::Cut() {
  FLOTILLA_RETURN_IF_ERROR(SyncFile());
  // The old segment is complete and durable before the next one exists, so
  // recovery may treat damage in any segment but the last as corruption.
  Status st = file->Close();
  if (st.ok()) st = CreateSegment(segments.back().seq + 1, last_index + 1);
  if (!st.ok()) return failed = st;
  return Status::Ok();
}

void Wal::Impl::EncodeEntries(const std::vector<Entry>& entries) {
  size_t total = 0;
  for (const Entry& e : entries) total += kRecordHeaderSize + 16 + e.data.size();
  buffer.reserve(buffer.size() + total);
  for (const Entry& e : entries) EncodeEntryRecord(buffer, e);
}

Status Wal::Impl::Flush() {
  Status st = Write(buffer);
  buffer.clear();
  if (buffer.capacity() > kKeepBufferBytes) buffer.shrink_to_fit();
  return st;
}

void Wal::Impl::NoteIndex(uint64_t index) {
  WalSegment& s = segments.back();
  if (index > s.max_index) s.max_index = index;
}

Wal::Wal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Wal::~Wal() {
  if (impl_ && impl_->file) (void)impl_->file->Close();
}

bool Wal::Exists(base::Fs& fs, const std::string& dir) {
  auto names = fs.ListDir(dir);
  if (!names.ok()) return false;
  uint64_t seq, first;
  for (const std::string& n : *names)
    if (ParseSegmentName(n, seq, first)) return true;
  return false;
}

base::Result<std::unique_ptr<Wal>> Wal::Create(base::Fs& fs, const std::string& dir,
                                               std::string metadata, const WalOptions& options) {
  if (Exists(fs, dir))
    return Status(Code::kAlreadyExists, "create wal: " + dir + " already holds a wal");
  if (metadata.size() > kMaxRecordPayload)
    return Status(Code::kInvalidArgument, "create wal: metadata too large");
  auto impl = std::make_unique<Impl>(fs, dir, options);
  impl->metadata = std::move(metadata);
  FLOTILLA_RETURN_IF_ERROR(CreateDirsDurably(fs, dir).WithContext("create wal directory"));
  FLOTILLA_RETURN_IF_ERROR(impl->CreateSegment(0, 1));
  return std::unique_ptr<Wal>(new Wal(std::move(impl)));
}

Status Wal::Append(const std::vector<Entry>& entries) {
  return Save(impl_->hard_state, entries);
}

Status Wal::SetHardState(const HardState& hs) {
  return Save(hs, {});
}

Status Wal::Save(const HardState& hs, const std::vector<Entry>& entries) {
  Impl& w = *impl_;
  if (!w.failed.ok()) return w.failed;
  if (!entries.empty()) {
    FLOTILLA_RETURN_IF_ERROR(CheckBatch(entries, w.last_index));
    w.EncodeEntries(entries);
  }
  bool new_state = hs != w.hard_state;
  if (new_state) EncodeHardStateRecord(w.buffer, hs);
  if (w.buffer.empty()) return Status::Ok();
  FLOTILLA_RETURN_IF_ERROR(w.Flush());
  if (!entries.empty()) {
    w.last_index = entries.back().index;
    w.NoteIndex(w.last_index);
  }
  if (new_state) w.hard_state = hs;
  return Status::Ok();
}

Status Wal::MarkSnapshot(uint64_t term, uint64_t index) {
  Impl& w = *impl_;
  if (!w.failed.ok()) return w.failed;
  EncodeSnapshotRecord(w.buffer, term, index);
  FLOTILLA_RETURN_IF_ERROR(w.Flush());
  if (index > w.last_index) w.last_index = index;
  w.NoteIndex(index);
  return Status::Ok();
}

Status Wal::Sync() {
  Impl& w = *impl_;
  FLOTILLA_RETURN_IF_ERROR(w.SyncFile());
  if (w.file->Size() >= w.options.segment_bytes) return w.Cut();
  return Status::Ok();
}

Status Wal::Cut() {
  if (!impl_->failed.ok()) return impl_->failed;
  return impl_->Cut();
}

Status Wal::ReleaseTo(uint64_t index) {
  Impl& w = *impl_;
  if (!w.failed.ok()) return w.failed;
  // Only a prefix goes, never the segment in use: replay needs what remains
  // to be contiguous, and every segment repeats the hard state at its head.
  size_t n = 0;
  while (n + 1 < w.segments.size() && w.segments[n].max_index <= index) ++n;
  Status st;
  size_t removed = 0;
  while (removed < n) {
    // One directory sync per removal keeps removals durable in order, so a
    // crash never leaves a hole in the middle of the log.
    st = w.fs.Remove(w.segments[removed].path);
    if (!st.ok()) break;
    ++removed;
    st = w.fs.SyncDir(w.dir);
    if (!st.ok()) break;
  }
  w.segments.erase(w.segments.begin(), w.segments.begin() + static_cast<ptrdiff_t>(removed));
  return st.WithContext("wal release");
}

uint64_t Wal::last_index() const {
  return impl_->last_index;
}
uint64_t Wal::bytes_since_sync() const {
  return impl_->unsynced;
}

}  // namespace flotilla::storage

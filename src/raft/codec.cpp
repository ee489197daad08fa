// The layouts are in docs/formats/raft.md; keep the two in step.
#include "raft/codec.h"

#include <algorithm>

#include "base/codec.h"

namespace flotilla::raft {
namespace {

constexpr uint8_t kVersion = 1;  // of every top-level encoding here
constexpr uint8_t kFlagReject = 1;
constexpr uint8_t kFlagSnapshot = 2;
// Vectors grow with what was actually decoded, not with a claimed count.
constexpr uint64_t kReserveLimit = 1024;

base::Status Corrupt(std::string_view what, const std::string& detail) {
  return base::Status(base::Code::kCorruption, std::string(what) + ": " + detail);
}

bool ValidMessageType(uint8_t t) {
  return t <= static_cast<uint8_t>(MessageType::kPeerDown) ||
         (t >= static_cast<uint8_t>(MessageType::kAppend) &&
          t <= static_cast<uint8_t>(MessageType::kReadIndexResponse));
}

// A count read from the input can never exceed the bytes left, since every
// counted item takes at least one byte; checking it first keeps a garbage
// count from reserving memory or looping long.
bool Count(base::Decoder& d, size_t input_size, uint64_t& n) {
  return d.Varint(n) && n <= input_size - d.position();
}

void PutEntry(base::Encoder& e, const Entry& en) {
  e.Varint(en.term);
  e.Varint(en.index);
  e.U8(static_cast<uint8_t>(en.type));
  e.Bytes(en.data);
}

bool GetEntry(base::Decoder& d, Entry& en) {
  uint8_t type;
  if (!(d.Varint(en.term) && d.Varint(en.index) && d.U8(type) && d.Bytes(en.data))) return false;
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) return false;
  en.type = static_cast<EntryType>(type);
  return true;
}

void PutIds(base::Encoder& e, const std::vector<NodeId>& ids) {
  e.Varint(ids.size());
  for (NodeId id : ids) e.Varint(id);
}

// Ids are non-zero and strictly ascending (message.h: sorted, disjoint).
bool GetIds(base::Decoder& d, size_t input_size, std::vector<NodeId>& ids) {
  uint64_t n;
  if (!Count(d, input_size, n)) return false;
  ids.clear();
  ids.reserve(std::min<uint64_t>(n, kReserveLimit));
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t id;
    if (!d.Varint(id) || id == kNone || (!ids.empty() && id <= ids.back())) return false;
    ids.push_back(id);
  }
  return true;
}

void PutConfState(base::Encoder& e, const ConfState& cs) {
  PutIds(e, cs.voters);
  PutIds(e, cs.learners);
}

bool GetConfState(base::Decoder& d, size_t input_size, ConfState& cs) {
  if (!GetIds(d, input_size, cs.voters) || !GetIds(d, input_size, cs.learners)) return false;
  for (NodeId id : cs.learners) {
    if (std::binary_search(cs.voters.begin(), cs.voters.end(), id)) return false;
  }
  return true;
}

void PutSnapshotMeta(base::Encoder& e, const SnapshotMeta& meta) {
  e.Varint(meta.index);
  e.Varint(meta.term);
  PutConfState(e, meta.conf);
}

bool GetSnapshotMeta(base::Decoder& d, size_t input_size, SnapshotMeta& meta) {
  return d.Varint(meta.index) && d.Varint(meta.term) && GetConfState(d, input_size, meta.conf);
}

bool GetVersion(base::Decoder& d) {
  uint8_t v;
  return d.U8(v) && v == kVersion;
}

// The shared shape of the small standalone encodings: version, body, end.
template <typename T, typename Put>
std::string EncodeSmall(const T& value, Put put) {
  std::string out;
  base::Encoder e(out);
  e.U8(kVersion);
  put(e, value);
  return out;
}

template <typename T, typename Get>
base::Result<T> DecodeSmall(std::string_view in, std::string_view what, Get get) {
  base::Decoder d(in);
  if (!GetVersion(d)) return Corrupt(what, "missing or unknown version");
  T value;
  if (!get(d, value)) return Corrupt(what, "truncated or malformed");
  if (!d.done()) return Corrupt(what, "trailing bytes");
  return value;
}

}  // namespace

void EncodeMessage(const Message& m, std::string& out) {
  base::Encoder e(out);
  e.U8(kVersion);
  e.U8(static_cast<uint8_t>(m.type));
  e.Varint(m.to);
  e.Varint(m.from);
  e.Varint(m.term);
  e.Varint(m.log_term);
  e.Varint(m.index);
  e.Varint(m.commit);
  e.U8((m.reject ? kFlagReject : 0) | (m.snapshot.empty() ? 0 : kFlagSnapshot));
  e.Varint(m.reject_hint);
  e.Bytes(m.context);
  e.Varint(m.entries.size());
  for (const Entry& en : m.entries) PutEntry(e, en);
  if (!m.snapshot.empty()) {
    PutSnapshotMeta(e, m.snapshot.meta);
    e.Bytes(m.snapshot.data);
  }
}

base::Result<Message> DecodeMessage(std::string_view in) {
  constexpr std::string_view kWhat = "raft message";
  base::Decoder d(in);
  if (!GetVersion(d)) return Corrupt(kWhat, "missing or unknown version");
  uint8_t type, flags;
  if (!d.U8(type)) return Corrupt(kWhat, "truncated");
  if (!ValidMessageType(type)) return Corrupt(kWhat, "unknown type " + std::to_string(type));
  Message m;
  m.type = static_cast<MessageType>(type);
  if (!(d.Varint(m.to) && d.Varint(m.from) && d.Varint(m.term) && d.Varint(m.log_term) &&
        d.Varint(m.index) && d.Varint(m.commit) && d.U8(flags) && d.Varint(m.reject_hint) &&
        d.Bytes(m.context))) {
    return Corrupt(kWhat, "truncated or malformed header");
  }
  if (flags & ~(kFlagReject | kFlagSnapshot)) {
    return Corrupt(kWhat, "unknown flags " + std::to_string(flags));
  }
  m.reject = flags & kFlagReject;
  uint64_t n;
  if (!Count(d, in.size(), n)) return Corrupt(kWhat, "bad entry count");
  m.entries.reserve(std::min<uint64_t>(n, kReserveLimit));
  for (uint64_t i = 0; i < n; ++i) {
    Entry en;
    if (!GetEntry(d, en)) {
      return Corrupt(kWhat, "truncated or malformed entry " + std::to_string(i));
    }
    m.entries.push_back(std::move(en));
  }
  if (flags & kFlagSnapshot) {
    Snapshot& s = m.snapshot;
    // An empty snapshot (index 0) is never encoded, so it is never decoded.
    if (!GetSnapshotMeta(d, in.size(), s.meta) || !d.Bytes(s.data) || s.meta.index == 0) {
      return Corrupt(kWhat, "truncated or malformed snapshot");
    }
  }
  if (!d.done()) return Corrupt(kWhat, "trailing bytes");
  return m;
}

std::string EncodeConfChange(const ConfChange& cc) {
  return EncodeSmall(cc, [](base::Encoder& e, const ConfChange& c) {
    e.U8(static_cast<uint8_t>(c.type));
    e.Varint(c.node);
    e.Bytes(c.context);
  });
}

base::Result<ConfChange> DecodeConfChange(std::string_view in) {
  return DecodeSmall<ConfChange>(in, "conf change", [](base::Decoder& d, ConfChange& c) {
    uint8_t type;
    if (!(d.U8(type) && d.Varint(c.node) && d.Bytes(c.context))) return false;
    if (type > static_cast<uint8_t>(ConfChangeType::kAddLearner)) return false;
    c.type = static_cast<ConfChangeType>(type);
    return true;
  });
}

std::string EncodeConfState(const ConfState& cs) {
  return EncodeSmall(cs, PutConfState);
}

base::Result<ConfState> DecodeConfState(std::string_view in) {
  return DecodeSmall<ConfState>(in, "conf state", [&](base::Decoder& d, ConfState& cs) {
    return GetConfState(d, in.size(), cs);
  });
}

std::string EncodeSnapshotMeta(const SnapshotMeta& meta) {
  return EncodeSmall(meta, PutSnapshotMeta);
}

base::Result<SnapshotMeta> DecodeSnapshotMeta(std::string_view in) {
  return DecodeSmall<SnapshotMeta>(in, "snapshot meta", [&](base::Decoder& d, SnapshotMeta& m) {
    return GetSnapshotMeta(d, in.size(), m);
  });
}

std::string EncodeHardState(const HardState& hs) {
  return EncodeSmall(hs, [](base::Encoder& e, const HardState& h) {
    e.Varint(h.term);
    e.Varint(h.vote);
    e.Varint(h.commit);
  });
}

base::Result<HardState> DecodeHardState(std::string_view in) {
  return DecodeSmall<HardState>(in, "hard state", [](base::Decoder& d, HardState& h) {
    return d.Varint(h.term) && d.Varint(h.vote) && d.Varint(h.commit);
  });
}

std::string EncodeEntry(const Entry& en) {
  return EncodeSmall(en, PutEntry);
}

base::Result<Entry> DecodeEntry(std::string_view in) {
  return DecodeSmall<Entry>(in, "raft entry", GetEntry);
}

}  // namespace flotilla::raft

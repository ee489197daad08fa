// Store::Save and Store::Recover: the whole replicated state of the key space
// in the compact binary form described in docs/formats/snapshot-kv.md.
#include <vector>

#include "base/codec.h"
#include "kv/path.h"
#include "kv/signed_varint.h"
#include "kv/store_impl.h"

namespace flotilla::kv {
namespace {

constexpr uint8_t kSnapshotVersion = 1;

enum NodeFlag : uint8_t { kNodeDir = 1, kNodeExpires = 2, kNodeFlags = 3 };
enum ViewFlag : uint8_t { kViewDir = 1, kViewValue = 2, kViewExpires = 4, kViewFlags = 7 };
enum EventFlag : uint8_t { kEventRefresh = 1, kEventPrev = 2, kEventFlags = 3 };

// The saved counters: everything but local reads and watchers, which differ
// between replicas.
uint64_t StoreStats::*const kSavedStats[] = {
    &StoreStats::gets_success,
    &StoreStats::gets_fail,
    &StoreStats::sets_success,
    &StoreStats::sets_fail,
    &StoreStats::delete_success,
    &StoreStats::delete_fail,
    &StoreStats::update_success,
    &StoreStats::update_fail,
    &StoreStats::create_success,
    &StoreStats::create_fail,
    &StoreStats::compare_and_swap_success,
    &StoreStats::compare_and_swap_fail,
    &StoreStats::compare_and_delete_success,
    &StoreStats::compare_and_delete_fail,
    &StoreStats::expire_count,
};

void EncodeTree(base::Encoder& enc, const Node& root) {
  // Pre-order with an explicit stack: each dir's child count, then its
  // children, each followed by its own subtree.
  struct Frame {
    Children::const_iterator next, end;
  };
  std::vector<Frame> stack;
  enc.Varint(root.children->size());
  stack.push_back({root.children->cbegin(), root.children->cend()});
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.end) {
      stack.pop_back();
      continue;
    }
    const auto& [name, n] = *top.next++;
    enc.Bytes(name);
    enc.U8((n.is_dir() ? kNodeDir : 0) | (n.permanent() ? 0 : kNodeExpires));
    if (!n.is_dir()) enc.Bytes(n.value);
    enc.Varint(n.created_index);
    enc.Varint(n.modified_index);
    if (!n.permanent()) PutSigned(enc, n.expiration);
    if (n.is_dir()) {
      enc.Varint(n.children->size());
      stack.push_back({n.children->cbegin(), n.children->cend()});
    }
  }
}

void EncodeView(base::Encoder& enc, const NodeView& v) {
  enc.Bytes(v.key);
  bool expires = v.expiration != 0;
  enc.U8((v.dir ? kViewDir : 0) | (v.value ? kViewValue : 0) | (expires ? kViewExpires : 0));
  if (v.value) enc.Bytes(*v.value);
  if (expires) {
    PutSigned(enc, v.expiration);
    PutSigned(enc, v.ttl);
  }
  enc.Varint(v.modified_index);
  enc.Varint(v.created_index);
}

// Reads the fields of a snapshot, remembering the first thing wrong with it.
class Reader {
 public:
  explicit Reader(std::string_view in) : dec_(in) {}

  bool Fail(const char* what) {
    if (!error_) error_ = what;
    return false;
  }
  bool Check(bool ok, const char* what) { return ok || Fail(what); }
  bool Truncated(bool ok) { return Check(ok, "truncated"); }

  base::Decoder& dec() { return dec_; }
  base::Status status() const {
    return base::Status(base::Code::kCorruption, std::string("kv snapshot: ") +
                                                     (error_ ? error_ : "malformed") + " at byte " +
                                                     std::to_string(dec_.position()));
  }

 private:
  base::Decoder dec_;
  const char* error_ = nullptr;
};

bool IsValidName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

bool DecodeTree(Reader& r, Tree& tree, Index max_index) {
  base::Decoder& dec = r.dec();
  struct Frame {
    Node* dir;
    uint64_t remaining;
    size_t path_length;
  };
  std::string path = "/";  // the path of the dir on top of the stack
  std::vector<Frame> stack;
  uint64_t count;
  if (!r.Truncated(dec.Varint(count))) return false;
  stack.push_back({&tree.root(), count, path.size()});
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.remaining == 0) {
      stack.pop_back();
      if (!stack.empty()) path.resize(stack.back().path_length);
      continue;
    }
    --top.remaining;
    Node* dir = top.dir;

    std::string_view name;
    uint8_t flags;
    if (!r.Truncated(dec.Bytes(name) && dec.U8(flags))) return false;
    if (!r.Check(IsValidName(name), "bad node name")) return false;
    if (!r.Check(dir->children->empty() || dir->children->rbegin()->first < name,
                 "node names out of order")) {
      return false;
    }
    if (!r.Check((flags & ~kNodeFlags) == 0, "unknown node flags")) return false;
    Node n;
    if (flags & kNodeDir) {
      n.children = std::make_unique<Children>();
    } else if (!r.Truncated(dec.Bytes(n.value))) {
      return false;
    }
    if (!r.Truncated(dec.Varint(n.created_index) && dec.Varint(n.modified_index))) return false;
    if (!r.Check(n.created_index <= max_index && n.modified_index <= max_index,
                 "node index beyond store index")) {
      return false;
    }
    if (flags & kNodeExpires) {
      if (!r.Truncated(GetSigned(dec, n.expiration))) return false;
      if (!r.Check(n.expiration != 0, "zero expiration")) return false;
    }
    uint64_t children = 0;
    if (n.is_dir() && !r.Truncated(dec.Varint(children))) return false;

    Node& added = tree.Insert(*dir, path, name, std::move(n));
    if (children > 0) {
      AppendChild(path, name);
      stack.push_back({&added, children, path.size()});
    }
  }
  return true;
}

bool DecodeView(Reader& r, NodeView& v) {
  base::Decoder& dec = r.dec();
  uint8_t flags;
  if (!r.Truncated(dec.Bytes(v.key) && dec.U8(flags))) return false;
  if (!r.Check((flags & ~kViewFlags) == 0, "unknown node view flags")) return false;
  v.dir = flags & kViewDir;
  if ((flags & kViewValue) && !r.Truncated(dec.Bytes(v.value.emplace()))) return false;
  if (flags & kViewExpires) {
    if (!r.Truncated(GetSigned(dec, v.expiration) && GetSigned(dec, v.ttl))) return false;
    if (!r.Check(v.expiration != 0, "zero expiration")) return false;
  }
  return r.Truncated(dec.Varint(v.modified_index) && dec.Varint(v.created_index));
}

bool DecodeHistory(Reader& r, EventHistory& history, Index max_index) {
  base::Decoder& dec = r.dec();
  uint64_t count;
  if (!r.Truncated(dec.Varint(count))) return false;
  if (!r.Check(count <= EventHistory::kCapacity, "history too long")) return false;
  Index expected = 0;
  for (uint64_t i = 0; i < count; ++i) {
    auto e = std::make_shared<Event>();
    uint8_t action, flags;
    if (!r.Truncated(dec.U8(action) && dec.U8(flags))) return false;
    if (!r.Check(action <= static_cast<uint8_t>(Action::kExpire), "unknown action")) return false;
    if (!r.Check((flags & ~kEventFlags) == 0, "unknown event flags")) return false;
    e->action = static_cast<Action>(action);
    e->refresh = flags & kEventRefresh;
    if (!r.Truncated(dec.Varint(e->etcd_index))) return false;
    if (!DecodeView(r, e->node)) return false;
    if ((flags & kEventPrev) && !DecodeView(r, e->prev_node.emplace())) return false;
    Index at = e->index();
    if (!r.Check(i == 0 || at == expected, "history not contiguous")) return false;
    if (!r.Check(at != 0 && at <= max_index && e->etcd_index <= max_index,
                 "event index beyond store index")) {
      return false;
    }
    expected = at + 1;
    history.Add(std::move(e));
  }
  // Every write adds an event, so a history ends at the store's index.
  return r.Check(count == 0 || expected == max_index + 1, "history does not end at store index");
}

}  // namespace

std::string Store::Save() const {
  const Impl& s = *impl_;
  std::string out;
  base::Encoder enc(out);
  enc.U8(kSnapshotVersion);
  enc.Varint(s.index);
  for (auto field : kSavedStats) enc.Varint(s.stats.*field);
  EncodeTree(enc, s.tree.root());
  enc.Varint(s.history.events().size());
  for (const EventPtr& e : s.history.events()) {
    enc.U8(static_cast<uint8_t>(e->action));
    enc.U8((e->refresh ? kEventRefresh : 0) | (e->prev_node ? kEventPrev : 0));
    enc.Varint(e->etcd_index);
    EncodeView(enc, e->node);  // history events never carry child lists
    if (e->prev_node) EncodeView(enc, *e->prev_node);
  }
  return out;
}

base::Result<Store> Store::Recover(std::string_view snapshot) {
  Reader r(snapshot);
  base::Decoder& dec = r.dec();
  uint8_t version;
  if (!r.Truncated(dec.U8(version))) return r.status();
  if (!r.Check(version == kSnapshotVersion, "unknown format version")) return r.status();

  auto impl = std::make_unique<Impl>();
  impl->tree = Tree();  // drop the default namespaces: the snapshot has its own
  if (!r.Truncated(dec.Varint(impl->index))) return r.status();
  for (auto field : kSavedStats) {
    if (!r.Truncated(dec.Varint(impl->stats.*field))) return r.status();
  }
  if (!DecodeTree(r, impl->tree, impl->index)) return r.status();
  if (!DecodeHistory(r, impl->history, impl->index)) return r.status();
  if (!r.Check(dec.done(), "trailing bytes")) return r.status();

  Store store;
  store.impl_ = std::move(impl);
  return store;
}

}  // namespace flotilla::kv

// The write operations of Store::Impl, one per etcd v2store method.
#include <cinttypes>
#include <cstdio>
#include <optional>

#include "kv/path.h"
#include "kv/store_impl.h"

namespace flotilla::kv {
namespace {

// etcd treats expirations before 2000-01-01T00:00:00Z as "no TTL" on create
// and set (store.go minExpireTime).
constexpr base::UnixNanos kMinExpiration = 946'684'800LL * 1'000'000'000;

// The store's root and namespace dirs, which no write may change.
bool IsReadOnly(std::string_view path) {
  return path == "/" || path == "/0" || path == "/1";
}

// The name of an in-order (POST) key: the new index, zero-padded to 20.
std::string UniqueName(Index index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020" PRIu64, index);
  return buf;
}

// Why `n` fails a compare-and-swap/delete test, or nullopt when it passes.
// An empty prevValue and a 0 prevIndex are not tested.
std::optional<std::string> CompareFailure(const Node& n, const Request& req) {
  std::string_view prev_value = req.prev_value ? std::string_view(*req.prev_value) : "";
  bool value_ok = prev_value.empty() || n.value == prev_value;
  bool index_ok = req.prev_index == 0 || n.modified_index == req.prev_index;
  if (value_ok && index_ok) return std::nullopt;
  std::string cause;
  if (!value_ok) cause += "[" + std::string(prev_value) + " != " + n.value + "]";
  if (!value_ok && !index_ok) cause += ' ';
  if (!index_ok) {
    cause += "[" + std::to_string(req.prev_index) + " != " + std::to_string(n.modified_index) + "]";
  }
  return cause;
}

std::shared_ptr<Event> NewEvent(Action action, std::string key, Index modified, Index created) {
  auto e = std::make_shared<Event>();
  e->action = action;
  e->node.key = std::move(key);
  e->node.modified_index = modified;
  e->node.created_index = created;
  return e;
}

void ShowExpiration(NodeView& v, const Node& n, base::UnixNanos now) {
  if (n.permanent()) return;
  v.expiration = n.expiration;
  v.ttl = TtlSeconds(n.expiration, now);
}

}  // namespace

void Store::Impl::Publish(const std::shared_ptr<Event>& e, bool refresh) {
  e->refresh = refresh;
  history.Add(e);
  if (!refresh) hub.Notify(e);
}

void Store::Impl::RemoveNotifying(std::string_view path, const EventPtr& e) {
  tree.Remove(path, [&](const std::string& removed) { hub.NotifyAt(e, removed, true); });
}

Store::Impl::Created Store::Impl::CreateNode(std::string path, bool dir, std::string value,
                                             bool unique, bool replace, base::UnixNanos expiration,
                                             Action action, base::UnixNanos now) {
  Index next = index + 1;
  if (unique) AppendChild(path, UniqueName(next));
  if (IsReadOnly(path)) return Fail(ErrorCode::kRootReadOnly, "/");
  if (expiration < kMinExpiration) expiration = 0;

  auto [dir_path, name] = SplitLast(path);
  auto parent = tree.MakeDirs(dir_path, next);
  if (auto* miss = std::get_if<Tree::Miss>(&parent)) {
    ++stats.sets_fail;  // etcd quirk: counted as a failed set whatever the action
    return Fail(dir_path, *miss);
  }
  Node& d = *std::get<Node*>(parent);

  auto e = NewEvent(action, path, next, next);
  if (auto it = d.children->find(name); it != d.children->end()) {
    if (!replace) return Fail(ErrorCode::kNodeExist, path);
    if (it->second.is_dir()) return Fail(ErrorCode::kNotFile, path);
    e->prev_node = Describe(it->second, path, now);
    tree.Remove(path, nullptr);  // replaced silently: watchers hear of the set
  }

  Node* n;
  if (dir) {
    e->node.dir = true;
    n = &tree.Insert(d, dir_path, name, Node::Dir(next, expiration));
  } else {
    e->node.value = value;
    n = &tree.Insert(d, dir_path, name, Node::File(std::move(value), next, expiration));
  }
  ShowExpiration(e->node, *n, now);
  index = next;
  e->etcd_index = index;
  return e;
}

Outcome Store::Impl::Set(const Request& req) {
  std::string path = CleanPath(req.path);
  auto found = tree.Find(path);
  Node* existing = nullptr;
  if (auto* miss = std::get_if<Tree::Miss>(&found)) {
    if (miss->code != ErrorCode::kKeyNotFound || req.refresh) {
      ++stats.sets_fail;
      return Fail(path, *miss);
    }
  } else {
    existing = std::get<Node*>(found);
  }
  // A refresh keeps the value; only the TTL changes.
  std::string value = req.refresh ? existing->value : req.value;
  auto created = CreateNode(std::move(path), req.dir, std::move(value), /*unique=*/false,
                            /*replace=*/true, req.expiration, Action::kSet, req.time);
  if (auto* err = std::get_if<Error>(&created)) {
    ++stats.sets_fail;
    return std::move(*err);
  }
  auto& e = std::get<std::shared_ptr<Event>>(created);
  Publish(e, req.refresh);
  ++stats.sets_success;
  return EventPtr(e);
}

Outcome Store::Impl::Create(const Request& req) {
  auto created = CreateNode(CleanPath(req.path), req.dir, req.value, req.unique, /*replace=*/false,
                            req.expiration, Action::kCreate, req.time);
  if (auto* err = std::get_if<Error>(&created)) {
    ++stats.create_fail;
    return std::move(*err);
  }
  auto& e = std::get<std::shared_ptr<Event>>(created);
  Publish(e, /*refresh=*/false);  // etcd ignores refresh on create
  ++stats.create_success;
  return EventPtr(e);
}

Outcome Store::Impl::Update(const Request& req) {
  std::string path = CleanPath(req.path);
  if (IsReadOnly(path)) {
    ++stats.update_success;  // etcd quirk
    return Fail(ErrorCode::kRootReadOnly, "/");
  }
  auto found = tree.Find(path);
  if (auto* miss = std::get_if<Tree::Miss>(&found)) {
    ++stats.update_fail;
    return Fail(path, *miss);
  }
  Node& n = *std::get<Node*>(found);
  if (n.is_dir() && !req.value.empty()) {
    ++stats.update_success;  // etcd quirk
    return Fail(ErrorCode::kNotFile, path);
  }

  Index next = index + 1;
  auto e = NewEvent(Action::kUpdate, path, next, n.created_index);
  e->prev_node = Describe(n, path, req.time);
  if (n.is_dir()) {
    // etcd's node.Write refuses dirs, so a dir keeps its modifiedIndex even
    // though the event carries the new one.
    e->node.dir = true;
  } else {
    if (!req.refresh) n.value = req.value;
    n.modified_index = next;
    e->node.value = n.value;
  }
  tree.SetExpiration(n, path, req.expiration);
  ShowExpiration(e->node, n, req.time);
  index = next;
  e->etcd_index = index;
  Publish(e, req.refresh);
  ++stats.update_success;
  return EventPtr(e);
}

Outcome Store::Impl::CompareAndSwap(const Request& req) {
  std::string path = CleanPath(req.path);
  if (IsReadOnly(path)) {
    ++stats.compare_and_swap_success;  // etcd quirk
    return Fail(ErrorCode::kRootReadOnly, "/");
  }
  auto found = tree.Find(path);
  if (auto* miss = std::get_if<Tree::Miss>(&found)) {
    ++stats.compare_and_swap_fail;
    return Fail(path, *miss);
  }
  Node& n = *std::get<Node*>(found);
  if (n.is_dir()) {
    ++stats.compare_and_swap_fail;
    return Fail(ErrorCode::kNotFile, path);
  }
  if (auto cause = CompareFailure(n, req)) {
    ++stats.compare_and_swap_fail;
    return Fail(ErrorCode::kTestFailed, std::move(*cause));
  }

  ++index;
  auto e = NewEvent(Action::kCompareAndSwap, path, index, n.created_index);
  e->etcd_index = index;
  e->prev_node = Describe(n, path, req.time);
  if (!req.refresh) n.value = req.value;
  n.modified_index = index;
  tree.SetExpiration(n, path, req.expiration);
  e->node.value = n.value;
  ShowExpiration(e->node, n, req.time);
  Publish(e, req.refresh);
  ++stats.compare_and_swap_success;
  return EventPtr(e);
}

Outcome Store::Impl::Delete(const Request& req) {
  std::string path = CleanPath(req.path);
  if (IsReadOnly(path)) {
    ++stats.delete_success;  // etcd quirk
    return Fail(ErrorCode::kRootReadOnly, "/");
  }
  bool dir = req.dir || req.recursive;
  auto found = tree.Find(path);
  if (auto* miss = std::get_if<Tree::Miss>(&found)) {
    ++stats.delete_fail;
    return Fail(path, *miss);
  }
  Node& n = *std::get<Node*>(found);
  // A dir goes only with dir=true, and only when empty unless recursive.
  if (n.is_dir() && (!dir || (!n.children->empty() && !req.recursive))) {
    ++stats.delete_fail;
    return Fail(dir ? ErrorCode::kDirNotEmpty : ErrorCode::kNotFile, path);
  }

  Index next = index + 1;
  auto e = NewEvent(Action::kDelete, path, next, n.created_index);
  e->etcd_index = next;
  e->prev_node = Describe(n, path, req.time);
  e->node.dir = n.is_dir();
  RemoveNotifying(path, e);
  index = next;
  Publish(e, /*refresh=*/false);
  ++stats.delete_success;
  return EventPtr(e);
}

Outcome Store::Impl::CompareAndDelete(const Request& req) {
  std::string path = CleanPath(req.path);
  auto found = tree.Find(path);
  if (auto* miss = std::get_if<Tree::Miss>(&found)) {
    ++stats.compare_and_delete_fail;
    return Fail(path, *miss);
  }
  Node& n = *std::get<Node*>(found);
  if (n.is_dir()) {
    ++stats.compare_and_delete_success;  // etcd quirk
    return Fail(ErrorCode::kNotFile, path);
  }
  if (auto cause = CompareFailure(n, req)) {
    ++stats.compare_and_delete_success;  // etcd quirk
    return Fail(ErrorCode::kTestFailed, std::move(*cause));
  }

  ++index;
  auto e = NewEvent(Action::kCompareAndDelete, path, index, n.created_index);
  e->etcd_index = index;
  e->prev_node = Describe(n, path, req.time);
  RemoveNotifying(path, e);
  Publish(e, /*refresh=*/false);
  ++stats.compare_and_delete_success;
  return EventPtr(e);
}

void Store::Impl::Expire(base::UnixNanos cutoff) {
  for (const Tree::TtlEntry* next = tree.NextExpiry(); next && next->first <= cutoff;
       next = tree.NextExpiry()) {
    std::string path = next->second;
    Node& n = *std::get<Node*>(tree.Find(path));
    ++index;
    auto e = NewEvent(Action::kExpire, path, index, n.created_index);
    e->etcd_index = index;
    e->prev_node = Describe(n, path, cutoff);
    e->node.dir = n.is_dir();
    RemoveNotifying(path, e);
    ++stats.expire_count;
    Publish(e, /*refresh=*/false);
  }
}

}  // namespace flotilla::kv

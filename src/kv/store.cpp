#include "kv/store.h"

#include "kv/path.h"
#include "kv/store_impl.h"

namespace flotilla::kv {

// etcd creates the store with its two namespaces: "/0" (cluster metadata)
// and "/1" (user keys), both at index 0.
Store::Impl::Impl() {
  tree.Insert(tree.root(), "/", "0", Node::Dir(0, 0));
  tree.Insert(tree.root(), "/", "1", Node::Dir(0, 0));
}

Outcome Store::Impl::Get(std::string_view raw_path, bool recursive, base::UnixNanos now,
                         Reader reader) {
  auto count = [&](uint64_t& replicated, uint64_t& local) {
    if (reader == Reader::kReplicated) ++replicated;
    if (reader == Reader::kLocal) ++local;
  };
  std::string path = CleanPath(raw_path);
  auto found = tree.Find(path);
  if (auto* miss = std::get_if<Tree::Miss>(&found)) {
    count(stats.gets_fail, local_gets_fail);
    return Fail(path, *miss);
  }
  auto e = std::make_shared<Event>();
  e->action = Action::kGet;
  e->node = DescribeListing(*std::get<Node*>(found), std::move(path), recursive, now);
  e->etcd_index = index;
  count(stats.gets_success, local_gets_success);
  return EventPtr(std::move(e));
}

Store::Store() : impl_(std::make_unique<Impl>()) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

Outcome Store::Apply(const Request& req) {
  switch (req.op) {
    case Op::kSet:
      return impl_->Set(req);
    case Op::kCreate:
      return impl_->Create(req);
    case Op::kUpdate:
      return impl_->Update(req);
    case Op::kCompareAndSwap:
      return impl_->CompareAndSwap(req);
    case Op::kDelete:
      return impl_->Delete(req);
    case Op::kCompareAndDelete:
      return impl_->CompareAndDelete(req);
    case Op::kGet:
      return impl_->Get(req.path, req.recursive, req.time, Impl::Reader::kReplicated);
    case Op::kSync:
      impl_->Expire(req.time);
      return EventPtr();
  }
  // etcd answers an unknown method with ErrUnknownMethod, shown as a 300.
  return Error{ErrorCode::kRaftInternal, "etcdserver: unknown method", impl_->index};
}

Outcome Store::Get(const std::string& path, bool recursive, bool /*sorted*/, base::UnixNanos now) {
  // Listings always come in key order, so `sorted` changes nothing.
  return impl_->Get(path, recursive, now, Impl::Reader::kLocal);
}

Outcome Store::Peek(const std::string& path, bool recursive, base::UnixNanos now) {
  return impl_->Get(path, recursive, now, Impl::Reader::kInternal);
}

std::variant<uint64_t, Error> Store::Watch(const std::string& path, bool recursive, bool stream,
                                           Index since, WatchSink sink) {
  std::string key = CleanPath(path);
  if (since == 0) since = impl_->index + 1;
  auto scanned = impl_->history.Scan(key, recursive, since);
  if (auto* err = std::get_if<Error>(&scanned)) {
    err->index = impl_->index;
    return std::move(*err);
  }
  if (const EventPtr& hit = std::get<EventPtr>(scanned)) {
    // Answered from history. As in etcd, the watch is not registered, even
    // when streaming: this one event is all it will ever get.
    auto copy = std::make_shared<Event>(*hit);
    copy->etcd_index = impl_->index;
    uint64_t id = impl_->hub.ReserveId();
    sink(copy);
    return id;
  }
  return impl_->hub.Add(std::move(key), recursive, stream, since, std::move(sink));
}

void Store::Cancel(uint64_t watch_id) {
  impl_->hub.Cancel(watch_id);
}

Index Store::index() const {
  return impl_->index;
}

bool Store::HasTtlKeys() const {
  return impl_->tree.NextExpiry() != nullptr;
}

const StoreStats& Store::stats() const {
  StoreStats& v = impl_->view;
  v = impl_->stats;
  v.gets_success += impl_->local_gets_success;
  v.gets_fail += impl_->local_gets_fail;
  v.watchers = impl_->hub.count();
  return v;
}

}  // namespace flotilla::kv

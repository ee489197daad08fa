#include "base/fake_fs.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <random>
#include <set>

namespace flotilla::base {
namespace {

struct Inode {
  std::string data;     // what reads see
  std::string durable;  // what survives a crash
};

struct Node {
  bool dir = false;
  std::shared_ptr<Inode> inode;  // null for directories
};

using Namespace = std::map<std::string, Node>;

// "a//b/" -> "a/b", "./a" -> "a"; the roots "/" and "." stay as they are.
std::string Normalize(std::string_view p) {
  while (p.size() > 2 && p.substr(0, 2) == "./") p.remove_prefix(2);
  std::string out;
  for (char c : p) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.empty()) return std::string(1, '.');
  return out;
}

bool IsRoot(const std::string& p) {
  return DirName(p) == p || p == ".";
}

bool IsDir(const Namespace& ns, const std::string& p) {
  if (IsRoot(p)) return true;
  auto it = ns.find(p);
  return it != ns.end() && it->second.dir;
}

// Every ancestor of `p` is a directory in `ns`.
bool AncestorsExist(const Namespace& ns, const std::string& p) {
  for (std::string q = DirName(p); !IsRoot(q); q = DirName(q))
    if (!IsDir(ns, q)) return false;
  return true;
}

std::string LastComponent(const std::string& p) {
  auto pos = p.find_last_of('/');
  return pos == std::string::npos ? p : p.substr(pos + 1);
}

}  // namespace

struct FakeFsState {
  mutable std::mutex mu;
  Namespace live;
  Namespace durable;
  std::mt19937_64 rng;
  uint64_t generation = 0;  // bumped by Crash; older handles are dead
  bool fail_next_sync = false;
  bool fail_next_sync_dir = false;
  std::optional<uint64_t> write_budget;
  uint64_t syncs = 0;
  uint64_t writes = 0;
};

namespace {

class FakeFile final : public WritableFile {
 public:
  FakeFile(std::shared_ptr<FakeFsState> s, std::shared_ptr<Inode> inode, std::string path,
           uint64_t generation)
      : s_(std::move(s)), inode_(std::move(inode)), path_(std::move(path)), gen_(generation) {}

  Status Append(std::string_view data) override;
  Status Sync() override;
  Status Close() override {
    closed_ = true;
    return Status::Ok();
  }
  uint64_t Size() const override;

 private:
  Status Usable(const char* op) const {
    if (closed_) return Status(Code::kInternal, std::string(op) + " " + path_ + ": file is closed");
    if (gen_ != s_->generation)
      return Status(Code::kIoError, std::string(op) + " " + path_ + ": handle lost in a crash");
    return Status::Ok();
  }

  std::shared_ptr<FakeFsState> s_;
  std::shared_ptr<Inode> inode_;
  std::string path_;
  uint64_t gen_;
  bool closed_ = false;
};

}  // namespace

Status FakeFile::Append(std::string_view data) {
  std::lock_guard lock(s_->mu);
  FLOTILLA_RETURN_IF_ERROR(Usable("write"));
  ++s_->writes;
  size_t n = data.size();
  if (s_->write_budget) {
    n = static_cast<size_t>(std::min<uint64_t>(n, *s_->write_budget));
    *s_->write_budget -= n;
  }
  inode_->data.append(data.data(), n);
  if (n < data.size()) return Status::FromErrno("write " + path_ + " (injected fault)", ENOSPC);
  return Status::Ok();
}

Status FakeFile::Sync() {
  std::lock_guard lock(s_->mu);
  FLOTILLA_RETURN_IF_ERROR(Usable("fdatasync"));
  if (s_->fail_next_sync) {
    s_->fail_next_sync = false;
    return Status::FromErrno("fdatasync " + path_ + " (injected fault)", EIO);
  }
  inode_->durable = inode_->data;
  ++s_->syncs;
  return Status::Ok();
}

uint64_t FakeFile::Size() const {
  std::lock_guard lock(s_->mu);
  return inode_->data.size();
}

FakeFs::FakeFs(uint64_t seed) : state_(std::make_shared<FakeFsState>()) {
  state_->rng.seed(seed);
}
FakeFs::~FakeFs() = default;

Result<std::unique_ptr<WritableFile>> FakeFs::OpenAppend(const std::string& path) {
  std::string p = Normalize(path);
  std::lock_guard lock(state_->mu);
  auto it = state_->live.find(p);
  if (it != state_->live.end()) {
    if (it->second.dir) return Status::FromErrno("open " + path, EISDIR);
  } else {
    if (IsRoot(p)) return Status::FromErrno("open " + path, EISDIR);
    if (!IsDir(state_->live, DirName(p))) return Status::FromErrno("open " + path, ENOENT);
    it = state_->live.emplace(p, Node{false, std::make_shared<Inode>()}).first;
  }
  return std::unique_ptr<WritableFile>(
      new FakeFile(state_, it->second.inode, p, state_->generation));
}

Result<std::string> FakeFs::ReadFile(const std::string& path) {
  std::string p = Normalize(path);
  std::lock_guard lock(state_->mu);
  auto it = state_->live.find(p);
  if (it == state_->live.end()) {
    if (IsRoot(p)) return Status::FromErrno("read " + path, EISDIR);
    return Status::FromErrno("open " + path, ENOENT);
  }
  if (it->second.dir) return Status::FromErrno("read " + path, EISDIR);
  return it->second.inode->data;
}

Result<std::vector<std::string>> FakeFs::ListDir(const std::string& dir) {
  std::string d = Normalize(dir);
  std::lock_guard lock(state_->mu);
  if (!IsDir(state_->live, d)) {
    bool exists = state_->live.count(d) > 0;
    return Status::FromErrno("open directory " + dir, exists ? ENOTDIR : ENOENT);
  }
  std::vector<std::string> names;
  for (const auto& [p, node] : state_->live)
    if (p != d && DirName(p) == d) names.push_back(LastComponent(p));
  std::sort(names.begin(), names.end());
  return names;
}

Status FakeFs::CreateDirs(const std::string& dir) {
  std::string d = Normalize(dir);
  std::lock_guard lock(state_->mu);
  std::vector<std::string> chain;
  for (std::string q = d; !IsRoot(q); q = DirName(q)) chain.push_back(q);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto found = state_->live.find(*it);
    if (found == state_->live.end()) {
      state_->live.emplace(*it, Node{true, nullptr});
    } else if (!found->second.dir) {
      return Status(Code::kAlreadyExists, *it + " exists and is not a directory");
    }
  }
  return Status::Ok();
}

Status FakeFs::Rename(const std::string& from, const std::string& to) {
  std::string f = Normalize(from), t = Normalize(to);
  std::string what = "rename " + from + " to " + to;
  std::lock_guard lock(state_->mu);
  auto it = state_->live.find(f);
  if (it == state_->live.end()) return Status::FromErrno(what, ENOENT);
  if (it->second.dir) return Status(Code::kInvalidArgument, what + ": FakeFs renames files only");
  if (!IsDir(state_->live, DirName(t))) return Status::FromErrno(what, ENOENT);
  if (IsDir(state_->live, t)) return Status::FromErrno(what, EISDIR);
  if (f == t) return Status::Ok();
  Node node = it->second;
  state_->live.erase(it);
  state_->live[t] = std::move(node);
  return Status::Ok();
}

Status FakeFs::Remove(const std::string& path) {
  std::string p = Normalize(path);
  std::lock_guard lock(state_->mu);
  auto it = state_->live.find(p);
  if (it == state_->live.end()) return Status::FromErrno("remove " + path, ENOENT);
  if (it->second.dir) return Status::FromErrno("remove " + path, EISDIR);
  state_->live.erase(it);
  return Status::Ok();
}

Status FakeFs::Truncate(const std::string& path, uint64_t size) {
  std::string p = Normalize(path);
  std::lock_guard lock(state_->mu);
  auto it = state_->live.find(p);
  if (it == state_->live.end()) return Status::FromErrno("truncate " + path, ENOENT);
  if (it->second.dir) return Status::FromErrno("truncate " + path, EISDIR);
  it->second.inode->data.resize(size, '\0');
  return Status::Ok();
}

Status FakeFs::SyncDir(const std::string& dir) {
  std::string d = Normalize(dir);
  std::lock_guard lock(state_->mu);
  if (!IsDir(state_->live, d)) return Status::FromErrno("open directory " + dir, ENOENT);
  if (state_->fail_next_sync_dir) {
    state_->fail_next_sync_dir = false;
    return Status::FromErrno("fsync directory " + dir + " (injected fault)", EIO);
  }
  auto in_dir = [&](const std::string& p) { return p != d && DirName(p) == d; };
  std::erase_if(state_->durable, [&](const auto& kv) { return in_dir(kv.first); });
  for (const auto& [p, node] : state_->live)
    if (in_dir(p)) state_->durable.emplace(p, node);
  return Status::Ok();
}

bool FakeFs::Exists(const std::string& path) {
  std::string p = Normalize(path);
  std::lock_guard lock(state_->mu);
  return IsRoot(p) || state_->live.count(p) > 0;
}

void FakeFs::Crash(CrashMode mode) {
  std::lock_guard lock(state_->mu);
  FakeFsState& s = *state_;
  ++s.generation;
  Namespace survivors;
  for (const auto& [p, node] : s.durable)
    if (AncestorsExist(s.durable, p)) survivors.emplace(p, node);
  // Map order makes the sequence of random draws, hence the outcome, depend
  // only on the seed and the history.
  std::set<const Inode*> done;
  for (auto& [p, node] : survivors) {
    if (node.dir || !done.insert(node.inode.get()).second) continue;
    Inode& f = *node.inode;
    bool extends =
        f.data.size() > f.durable.size() && f.data.compare(0, f.durable.size(), f.durable) == 0;
    if (mode == CrashMode::kTornTail && extends) {
      uint64_t unsynced = f.data.size() - f.durable.size();
      uint64_t keep = s.rng() % (unsynced + 1);
      f.data.resize(f.durable.size() + keep);
      if (keep > 0) {
        switch (s.rng() % 3) {
          case 0:
            break;   // a clean prefix
          case 1: {  // the last sector half written: garbage
            uint64_t g = 1 + s.rng() % std::min<uint64_t>(keep, 8);
            for (uint64_t i = f.data.size() - g; i < f.data.size(); ++i)
              f.data[i] = static_cast<char>(s.rng());
            break;
          }
          default: {  // size updated, data blocks never written: zeros
            uint64_t z = 1 + s.rng() % keep;
            std::fill(f.data.end() - static_cast<std::ptrdiff_t>(z), f.data.end(), '\0');
          }
        }
      }
    } else {
      f.data = f.durable;
    }
    f.durable = f.data;
  }
  s.live = survivors;
  s.durable = std::move(survivors);
}

void FakeFs::FailNextSync() {
  std::lock_guard lock(state_->mu);
  state_->fail_next_sync = true;
}

void FakeFs::FailNextSyncDir() {
  std::lock_guard lock(state_->mu);
  state_->fail_next_sync_dir = true;
}

void FakeFs::FailWritesAfter(uint64_t bytes) {
  std::lock_guard lock(state_->mu);
  state_->write_budget = bytes;
}

void FakeFs::ClearFaults() {
  std::lock_guard lock(state_->mu);
  state_->fail_next_sync = false;
  state_->fail_next_sync_dir = false;
  state_->write_budget.reset();
}

std::optional<std::string> FakeFs::DurableContent(const std::string& path) {
  std::string p = Normalize(path);
  std::lock_guard lock(state_->mu);
  auto it = state_->durable.find(p);
  if (it == state_->durable.end() || it->second.dir || !AncestorsExist(state_->durable, p))
    return std::nullopt;
  return it->second.inode->durable;
}

uint64_t FakeFs::sync_count() const {
  std::lock_guard lock(state_->mu);
  return state_->syncs;
}

uint64_t FakeFs::write_count() const {
  std::lock_guard lock(state_->mu);
  return state_->writes;
}

}  // namespace flotilla::base

#include "container/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "base/fs.h"

namespace flotilla::container {

namespace {

std::string BlobDir(const std::string& root) {
  return root + "/blobs/sha256";
}
std::string IngestDir(const std::string& root) {
  return root + "/ingest";
}

}  // namespace

BlobStore::BlobStore(std::string root) : root_(std::move(root)) {}

base::Status BlobStore::Init() {
  for (const auto& dir : {BlobDir(root_), IngestDir(root_)})
    if (auto st = base::RealFs().CreateDirs(dir); !st.ok()) return st;
  auto names = base::RealFs().ListDir(IngestDir(root_));
  if (!names.ok()) return names.status();
  for (const auto& name : *names) ::unlink((IngestDir(root_) + "/" + name).c_str());
  return base::Status::Ok();
}

BlobStore::Writer::Writer(const BlobStore* store, std::string temp, int fd)
    : store_(store), temp_(std::move(temp)), fd_(fd) {}

BlobStore::Writer::Writer(Writer&& o) noexcept
    : store_(o.store_),
      temp_(std::move(o.temp_)),
      fd_(std::exchange(o.fd_, -1)),
      size_(o.size_),
      existed_(o.existed_),
      hash_(std::move(o.hash_)) {}

BlobStore::Writer::~Writer() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_.c_str());
  }
}

base::Status BlobStore::Writer::Write(std::string_view data) {
  if (fd_ < 0) return base::Status(base::Code::kInternal, "blob writer is closed");
  hash_.Update(data);
  size_ += data.size();
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::Status::FromErrno("write " + temp_, errno);
    }
    data.remove_prefix(size_t(n));
  }
  return base::Status::Ok();
}

base::Result<Digest> BlobStore::Writer::Commit(const std::optional<Digest>& expected,
                                               std::optional<uint64_t> expected_size) {
  if (fd_ < 0) return base::Status(base::Code::kInternal, "blob writer is closed");
  Digest got = hash_.Finish();
  auto fail = [&](base::Status st) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(temp_.c_str());
    return st;
  };
  if (expected_size && *expected_size != size_)
    return fail(base::Status(base::Code::kCorruption,
                             "size mismatch for " + (expected ? expected->str() : got.str()) +
                                 ": want " + std::to_string(*expected_size) + " bytes, got " +
                                 std::to_string(size_)));
  if (expected && *expected != got)
    return fail(base::Status(base::Code::kCorruption,
                             "digest mismatch: want " + expected->str() + ", got " + got.str()));
  if (::fdatasync(fd_) != 0) return fail(base::Status::FromErrno("fdatasync " + temp_, errno));
  ::close(fd_);
  fd_ = -1;
  std::string path = store_->PathOf(got);
  existed_ = store_->Has(got);
  if (::rename(temp_.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_.c_str());
    return base::Status::FromErrno("rename to " + path, err);
  }
  if (auto st = base::RealFs().SyncDir(BlobDir(store_->root_)); !st.ok()) return st;
  return got;
}

base::Result<BlobStore::Writer> BlobStore::Begin() const {
  static std::atomic<uint64_t> counter{0};
  std::string temp = IngestDir(root_) + "/" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter.fetch_add(1));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Status::FromErrno("create " + temp, errno);
  return Writer(this, std::move(temp), fd);
}

base::Result<Digest> BlobStore::Put(std::string_view data) const {
  auto w = Begin();
  if (!w.ok()) return w.status();
  if (auto st = w->Write(data); !st.ok()) return st;
  return w->Commit();
}

std::string BlobStore::PathOf(const Digest& digest) const {
  return BlobDir(root_) + "/" + std::string(digest.hex());
}

bool BlobStore::Has(const Digest& digest) const {
  struct stat st;
  return !digest.empty() && ::stat(PathOf(digest).c_str(), &st) == 0;
}

base::Result<std::string> BlobStore::Read(const Digest& digest) const {
  auto data = base::RealFs().ReadFile(PathOf(digest));
  if (!data.ok() && data.status().code() == base::Code::kNotFound)
    return base::Status(base::Code::kNotFound, "blob " + digest.str() + " is not in the store");
  return data;
}

base::Result<uint64_t> BlobStore::SizeOf(const Digest& digest) const {
  struct stat st;
  if (::stat(PathOf(digest).c_str(), &st) != 0)
    return base::Status(base::Code::kNotFound, "blob " + digest.str() + " is not in the store");
  return uint64_t(st.st_size);
}

base::Status BlobStore::Remove(const Digest& digest) const {
  if (::unlink(PathOf(digest).c_str()) != 0 && errno != ENOENT)
    return base::Status::FromErrno("remove blob " + digest.str(), errno);
  return base::Status::Ok();
}

base::Result<std::vector<Digest>> BlobStore::List() const {
  auto names = base::RealFs().ListDir(BlobDir(root_));
  if (!names.ok()) return names.status();
  std::vector<Digest> out;
  for (const auto& name : *names)
    if (auto d = Digest::Parse("sha256:" + name); d.ok()) out.push_back(*d);
  return out;
}

}  // namespace flotilla::container

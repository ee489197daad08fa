#include "net/socket_file.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace flotilla::net {
namespace {

using base::Code;
using base::Status;

static_assert(SocketFile::kMaxPath + 1 == sizeof(sockaddr_un::sun_path));

// strerror as Go spells it: "address already in use".
std::string ErrnoText(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

Status Errno(const std::string& what, int err) {
  return Status(Code::kIoError, what.empty() ? ErrnoText(err) : what + ": " + ErrnoText(err));
}

// Whether a server accepts on the socket at `path`: 0 (yes), ECONNREFUSED
// (a stale file) or another errno. Non-blocking, so a live server with a
// full backlog answers EAGAIN instead of stalling us.
int Probe(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = rc == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace

Status SocketFile::Prepare(const std::string& path) {
  if (path.empty()) return Status(Code::kInvalidArgument, "empty socket path");
  if (path.size() > kMaxPath) {
    return Status(Code::kInvalidArgument,
                  "socket path too long (at most " + std::to_string(kMaxPath) + " bytes)");
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? Status::Ok() : Errno("", errno);
  }
  if (!S_ISSOCK(st.st_mode)) return Status(Code::kIoError, "file exists and is not a socket");
  switch (int err = Probe(path)) {
    case ECONNREFUSED:
      break;
    case ENOENT:  // gone meanwhile
      return Status::Ok();
    case 0:
    case EAGAIN:
      return Status(Code::kIoError, ErrnoText(EADDRINUSE));
    default:
      return Errno("existing socket: connect", err);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Errno("remove stale socket", errno);
  }
  return Status::Ok();
}

base::Result<SocketFile> SocketFile::Claim(const std::string& path, mode_t mode) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Errno("stat", errno);
  if (!S_ISSOCK(st.st_mode)) return Status(Code::kIoError, "socket file replaced after bind");
  SocketFile file(path, st.st_dev, st.st_ino);
  if (::chmod(path.c_str(), mode) != 0) {
    int err = errno;
    file.Remove();
    return Errno("chmod", err);
  }
  return file;
}

void SocketFile::Remove() {
  if (removed_) return;
  removed_ = true;
  struct stat st {};
  if (::lstat(path_.c_str(), &st) != 0) return;
  if (st.st_dev != dev_ || st.st_ino != ino_) return;
  ::unlink(path_.c_str());
}

}  // namespace flotilla::net

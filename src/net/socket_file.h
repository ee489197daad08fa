// SocketFile: the file a listening unix-domain socket lives at.
//
// A server that dies without cleaning up leaves its socket file behind, and
// the next bind() there fails with "address already in use". Daemons that
// listen on a well-known path (fleet's /var/run/fleet.sock, Docker's
// docker.sock) therefore remove a stale file before binding. The care is in
// telling stale from live: connect() to a socket nobody accepts on fails with
// ECONNREFUSED; a file that is not a socket at all is never removed.
//
// The sequence HttpServer::ListenUnix follows:
//
//   SocketFile::Prepare(path)      nothing there, or a stale socket removed
//   bind(path)                     the kernel creates the file (umask applies)
//   SocketFile::Claim(path, 0660)  chmod, so the mode does not depend on the
//                                  umask; before listen(), so nobody connects
//                                  while the mode is still the umask's
//   listen()
//   ...
//   file.Remove()                  on Close(): only if it is still our socket
//
// Prepare and bind race with another process doing the same; the loser's
// bind() fails with "address already in use". Plain POSIX, no Asio; errors
// carry no path (the caller adds "listen unix PATH").
#pragma once

#include <sys/types.h>

#include <string>

#include "base/status.h"

namespace flotilla::net {

class SocketFile {
 public:
  // The longest path a sockaddr_un holds on Linux (108 bytes with the NUL).
  static constexpr size_t kMaxPath = 107;

  // Makes `path` free for bind(). Ok when nothing is there or a stale socket
  // (connect refused) was removed. kIoError "address already in use" when a
  // server accepts there, "file exists and is not a socket" for anything
  // else at `path` (left as it is), or the errno of a failed check.
  static base::Status Prepare(const std::string& path);

  // Right after bind(): sets the socket file's mode and remembers which file
  // it is (device and inode), for Remove(). If chmod fails the file is
  // removed again.
  static base::Result<SocketFile> Claim(const std::string& path, mode_t mode);

  // Unlinks the file, unless it has been replaced since Claim() (another
  // server's socket there is not ours to remove). Idempotent.
  void Remove();

  const std::string& path() const { return path_; }

 private:
  SocketFile(std::string path, dev_t dev, ino_t ino)
      : path_(std::move(path)), dev_(dev), ino_(ino) {}

  std::string path_;
  dev_t dev_;
  ino_t ino_;
  bool removed_ = false;
};

}  // namespace flotilla::net

#include "store_link.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "cluster_process.h"

namespace flotilla::testing {
namespace {

// One relayed connection: the last of its two relay threads closes both.
struct Conn {
  int client;
  int upstream;
  std::atomic<int> done{0};
};

}  // namespace

std::unique_ptr<StoreLink> StoreLink::Open(uint16_t target_port) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::unique_ptr<StoreLink> link(new StoreLink(FreePort(), target_port));
    if (link->Listen()) return link;
  }
  return nullptr;
}

StoreLink::~StoreLink() {
  Cut();
}

bool StoreLink::Listen() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port_);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return false;
  }
  listener_ = fd;
  acceptor_ = std::thread([this, fd] { Accept(fd); });
  return true;
}

bool StoreLink::Restore() {
  return cut() ? Listen() : true;
}

void StoreLink::Cut() {
  if (listener_ >= 0) {
    ::shutdown(listener_, SHUT_RDWR);  // accept() returns
    acceptor_.join();
    ::close(listener_);
    listener_ = -1;
  }
  std::vector<std::thread> relays;
  {
    std::lock_guard lock(mu_);
    for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
    relays.swap(relays_);
  }
  for (auto& t : relays) t.join();
}

void StoreLink::Accept(int listener) {
  for (;;) {
    int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down by Cut()
    }
    int upstream = ConnectLoopback(target_);
    if (upstream < 0) {
      ::close(client);
      continue;
    }
    auto conn = std::make_shared<Conn>();
    conn->client = client;
    conn->upstream = upstream;
    std::lock_guard lock(mu_);
    sockets_.push_back(client);
    sockets_.push_back(upstream);
    auto finish = [this, conn] {
      if (++conn->done < 2) return;
      std::lock_guard lock(mu_);
      for (int fd : {conn->client, conn->upstream}) {
        sockets_.erase(std::remove(sockets_.begin(), sockets_.end(), fd), sockets_.end());
        ::close(fd);
      }
    };
    relays_.emplace_back([this, conn, finish] {
      Relay(conn->client, conn->upstream);
      finish();
    });
    relays_.emplace_back([this, conn, finish] {
      Relay(conn->upstream, conn->client);
      finish();
    });
  }
}

void StoreLink::Relay(int from, int to) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(from, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t sent = 0; sent < n;) {
      ssize_t w = ::send(to, buf + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ::shutdown(from, SHUT_RDWR);
        return;
      }
      sent += w;
    }
  }
  ::shutdown(to, SHUT_WR);  // pass the half-close on
}

}  // namespace flotilla::testing

// StoreLink: a TCP relay on 127.0.0.1 between one machine's fleet and its
// store, which a test can cut and restore without root. A `flotilla serve`
// started with `--etcd-endpoints <link url>` reaches the store only
// through it, while the store itself (and everyone else) is untouched:
// fleet's "the machine lost etcd" (its functional test blocks etcd's
// ports with iptables REJECT).
//
// Cut() closes every relayed connection and stops listening, so new
// connections are refused at once (REJECT, not DROP); Restore() listens on
// the same port again. Both return once done.
//
// Threads: one accepting, two per relayed connection (one per direction);
// the destructor cuts and joins them all. Cut/Restore from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace flotilla::testing {

class StoreLink {
 public:
  // Relays a free 127.0.0.1 port to 127.0.0.1:target_port; null if the
  // port cannot be bound.
  static std::unique_ptr<StoreLink> Open(uint16_t target_port);
  ~StoreLink();
  StoreLink(const StoreLink&) = delete;
  StoreLink& operator=(const StoreLink&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Cut();
  bool Restore();
  bool cut() const { return listener_ < 0; }

 private:
  StoreLink(uint16_t port, uint16_t target) : port_(port), target_(target) {}
  bool Listen();
  void Accept(int listener);
  void Relay(int from, int to);

  const uint16_t port_;
  const uint16_t target_;
  int listener_ = -1;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> sockets_;  // every relayed socket still open, both ends
  std::vector<std::thread> relays_;
};

}  // namespace flotilla::testing

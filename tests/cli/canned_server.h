// CannedServer: an in-process HTTP/1.1 server on 127.0.0.1 (port 0) that
// answers every request from a fixed function of method and target. Both
// etcdctl implementations can be pointed at it to compare how they handle
// answers a real etcd rarely gives: 5xx, redirects, empty or non-JSON bodies,
// unstarted members. "{SELF}" in a reply body or header is replaced by the
// server's own URL. One thread per connection; stopped when destroyed.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace flotilla::testing {

struct CannedReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"},
                                                              {"X-Etcd-Index", "7"}};
};

class CannedServer {
 public:
  // `answer(method, target)`; target includes the query string.
  using Answer = std::function<CannedReply(const std::string& method, const std::string& target)>;

  explicit CannedServer(Answer answer);
  ~CannedServer();
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;

  const std::string& url() const { return url_; }
  // "METHOD target" of every request so far.
  std::vector<std::string> requests();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string url_;
};

}  // namespace flotilla::testing

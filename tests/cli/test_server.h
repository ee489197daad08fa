// A store server for the CLI tests to talk to, on loopback only.
//
// The differential tests are written against ServerFactory, "something that
// starts a fresh one-member etcd v2 server", so the same scripts can run
// against Debian's etcd (StartRealEtcd) or flotilla's own `flotilla serve`
// (StartFlotillaServer). Both wrap tests/support's ServerProcess, which kills
// the process and removes its data dir when destroyed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cluster_process.h"

namespace flotilla::testing {

class TestServer {
 public:
  explicit TestServer(ServerProcess process);

  const std::string& client_url() const { return process_.url; }  // "http://127.0.0.1:PORT"
  std::string peer_url() const;
  // The first member's id from GET /v2/members ("" if the server does not say).
  std::string MemberId() const;
  // GET/PUT through a plain HTTP client; Get returns the body ("" on failure).
  std::string Get(const std::string& target) const;
  bool Put(const std::string& key, const std::string& value) const;
  // Waits (10 s at most) until /v2/stats/store reports exactly `n` watchers.
  bool WaitForWatchers(int n) const;

 private:
  ServerProcess process_;
};

// Starts a server, or returns nullptr with the reason in *why (shown as the
// GTEST_SKIP message).
using ServerFactory = std::function<std::unique_ptr<TestServer>(std::string* why)>;

// Debian's etcd 3.4 (/usr/bin/etcd --enable-v2).
std::unique_ptr<TestServer> StartRealEtcd(std::string* why);
// `flotilla serve` from this build.
std::unique_ptr<TestServer> StartFlotillaServer(std::string* why);

}  // namespace flotilla::testing

// A real `flotilla serve` under bad input: oversized headers and bodies,
// garbage, slow clients, many idle connections and clients that vanish in the
// middle of a watch. It must answer each as Go's server would (or with a
// clean 4xx), keep serving everyone else, and lose nothing it stored.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "cluster_process.h"
#include "net/http_client.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::StartFlotilla("", testing::kStoreOnly);
    ASSERT_TRUE(server_);
    client_ = std::make_unique<net::HttpClient>(*net::ParseUrl(server_->url));
    auto r =
        client_->Do("PUT", "/v2/keys/keep", "value=safe", "application/x-www-form-urlencoded", 5s);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201);
  }
  // The key written in SetUp is intact and the server still answers.
  void ExpectStoreIntact() {
    net::HttpClient fresh(*net::ParseUrl(server_->url));
    auto r = fresh.Do("GET", "/v2/keys/keep", {}, {}, 5s);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("\"value\":\"safe\""), std::string::npos) << r->body;
  }
  std::optional<testing::ServerProcess> server_;
  std::unique_ptr<net::HttpClient> client_;
};

TEST_F(BadInput, OversizedHeadersGet431) {
  std::string req =
      "GET /v2/keys/keep HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2 << 20, 'a') + "\r\n\r\n";
  auto a = testing::RawExchange(server_->url, req, 10s);
  EXPECT_EQ(a.status, 431) << a.text.substr(0, 200);
  ExpectStoreIntact();
}

TEST_F(BadInput, OversizedBodyGets413AndWritesNothing) {
  std::string req =
      "PUT /v2/keys/keep HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 20000000\r\n\r\nvalue=overwritten";
  auto a = testing::RawExchange(server_->url, req, 10s);
  EXPECT_EQ(a.status, 413) << a.text.substr(0, 200);
  ExpectStoreIntact();
}

TEST_F(BadInput, GarbageGets400AndClose) {
  for (std::string bytes : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
                            std::string("PUT /v2/keys/keep HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
                            std::string("GET /v2/keys/keep HTTP/1.1\r\nBad Header Line\r\n\r\n")}) {
    auto a = testing::RawExchange(server_->url, bytes, 10s);
    EXPECT_EQ(a.status, 400) << a.text;
  }
  ExpectStoreIntact();
}

TEST_F(BadInput, SlowClientIsServedAndDoesNotBlockOthers) {
  int fd = testing::ConnectLoopback(server_->client_port);
  ASSERT_GE(fd, 0);
  std::string req =
      "PUT /v2/keys/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 7\r\nConnection: close\r\n\r\nvalue=s";
  std::thread slow([&] {
    for (char c : req) {
      ASSERT_EQ(::send(fd, &c, 1, MSG_NOSIGNAL), 1);
      std::this_thread::sleep_for(2ms);
    }
  });
  // Meanwhile another client is answered at once.
  auto r = client_->Do("GET", "/v2/keys/keep", {}, {}, 2s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  slow.join();
  std::string got;
  char buf[4096];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 201 Created")) << got;
}

TEST_F(BadInput, ManyIdleConnectionsDoNotStarveOthers) {
  std::vector<int> idle;
  for (int i = 0; i < 500; ++i) {
    int fd = testing::ConnectLoopback(server_->client_port);
    ASSERT_GE(fd, 0) << "connection " << i;
    idle.push_back(fd);
  }
  // Half of them start a request and never finish it.
  for (size_t i = 0; i < idle.size(); i += 2)
    ::send(idle[i], "GET /v2/keys/keep HT", 20, MSG_NOSIGNAL);
  for (int i = 0; i < 20; ++i) {
    auto r = client_->Do("GET", "/v2/keys/keep", {}, {}, 2s);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
  }
  for (int fd : idle) ::close(fd);
  ExpectStoreIntact();
}

TEST_F(BadInput, ClientGoneMidWatchDropsItsWatcher) {
  int fd = testing::ConnectLoopback(server_->client_port);
  ASSERT_GE(fd, 0);
  std::string req = "GET /v2/keys/w?wait=true&recursive=true HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  ASSERT_TRUE(testing::WaitForWatchers(server_->url, 1, 10s)) << "watch never registered";
  ::close(fd);
  ASSERT_TRUE(testing::WaitForWatchers(server_->url, 0, 10s)) << "watcher outlived its client";
  ExpectStoreIntact();
}

}  // namespace
}  // namespace flotilla

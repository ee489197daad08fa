// HttpClient against a tiny in-test server: an Asio acceptor on 127.0.0.1
// port 0, one thread per connection, answering with canned raw bytes.
#include "net/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace flotilla::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using Request = http::request<http::string_body>;

class TestServer {
 public:
  // Answers one request by writing raw bytes to the socket; returns false to
  // close the connection afterwards.
  using Handler = std::function<bool(const Request&, tcp::socket&)>;

  explicit TestServer(Handler handler) : handler_(std::move(handler)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestServer() {
    // A blocking accept() is not woken by close(); wake it with a connection.
    stopping_ = true;
    boost::system::error_code ec;
    {
      tcp::socket wake(ioc_);
      wake.connect({asio::ip::make_address("127.0.0.1"), port()}, ec);
    }
    accept_thread_.join();
    acceptor_.close(ec);
    {
      std::lock_guard lock(mu_);
      for (auto& s : sockets_) s->shutdown(tcp::socket::shutdown_both, ec);
    }
    for (auto& t : conn_threads_) t.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  int connections() const { return connections_; }
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void AcceptLoop() {
    for (;;) {
      auto sock = std::make_shared<tcp::socket>(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(*sock, ec);
      if (ec || stopping_) return;
      ++connections_;
      std::lock_guard lock(mu_);
      sockets_.push_back(sock);
      conn_threads_.emplace_back([this, sock] { Serve(*sock); });
    }
  }
  void Serve(tcp::socket& sock) {
    beast::flat_buffer buf;
    for (;;) {
      Request req;
      boost::system::error_code ec;
      http::read(sock, buf, req, ec);
      if (ec) break;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      if (!handler_(req, sock)) break;
    }
    boost::system::error_code ec;
    sock.shutdown(tcp::socket::shutdown_both, ec);
  }

  Handler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> conn_threads_;
  std::vector<Request> requests_;
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
};

void WriteRaw(tcp::socket& s, std::string_view bytes) {
  boost::system::error_code ec;
  asio::write(s, asio::buffer(bytes.data(), bytes.size()), ec);
}

std::string Ok(std::string_view body, std::string_view extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Etcd-Index: 7\r\n" +
         std::string(extra) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

HttpClient MakeClient(const TestServer& server) {
  auto url = ParseUrl(server.url());
  EXPECT_TRUE(url.ok());
  return HttpClient(*url);
}

TEST(ParseUrl, acceptsHostPortAndPath) {
  auto u = ParseUrl("http://127.0.0.1:2379");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 2379);
  EXPECT_EQ(u->path, "");
  EXPECT_EQ(u->HostPort(), "127.0.0.1:2379");

  u = ParseUrl("HTTP://[::1]:4001/prefix");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 4001);
  EXPECT_EQ(u->path, "/prefix");
  EXPECT_EQ(u->HostPort(), "[::1]:4001");

  u = ParseUrl("http://example");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 80);
}

TEST(ParseUrl, refusesOtherSchemesAndBadPorts) {
  EXPECT_FALSE(ParseUrl("https://a:1").ok());
  EXPECT_FALSE(ParseUrl("127.0.0.1:2379").ok());
  EXPECT_FALSE(ParseUrl("http://:80").ok());
  EXPECT_FALSE(ParseUrl("http://a:99999").ok());
  EXPECT_FALSE(ParseUrl("http://a:1x").ok());
  EXPECT_FALSE(ParseUrl("http://a:1/?q").ok());
}

TEST(HttpClient, do_returnsStatusHeadersAndBody) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, Ok("{\"action\":\"get\"}\n"));
    return true;
  });
  HttpClient client = MakeClient(server);
  auto resp = client.Do("GET", "/v2/keys/a?recursive=false");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "{\"action\":\"get\"}\n");
  ASSERT_NE(resp->Header("x-etcd-index"), nullptr);
  EXPECT_EQ(*resp->Header("X-ETCD-INDEX"), "7");
  EXPECT_EQ(resp->Header("X-Missing"), nullptr);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target(), "/v2/keys/a?recursive=false");
}

TEST(HttpClient, do_sendsMethodTargetHeadersAndFormBody) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
    return true;
  });
  HttpClient client = MakeClient(server);
  auto resp = client.Do("PUT", "/v2/keys/a?prevExist=false", "ttl=5&value=x",
                        "application/x-www-form-urlencoded");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 201);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method_string(), "PUT");
  EXPECT_EQ(reqs[0].target(), "/v2/keys/a?prevExist=false");
  EXPECT_EQ(reqs[0][http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(reqs[0][http::field::content_type], "application/x-www-form-urlencoded");
  EXPECT_EQ(reqs[0][http::field::content_length], "13");
  EXPECT_EQ(reqs[0].body(), "ttl=5&value=x");
}

TEST(HttpClient, do_emptyPutStillSendsContentLength) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, Ok(""));
    return true;
  });
  HttpClient client = MakeClient(server);
  ASSERT_TRUE(client.Do("PUT", "/x").ok());
  ASSERT_TRUE(client.Do("DELETE", "/x").ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0][http::field::content_length], "0");
  EXPECT_EQ(reqs[1].count(http::field::content_length), 0u);
}

TEST(HttpClient, do_reusesOneKeepAliveConnection) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, Ok("ok"));
    return true;
  });
  HttpClient client = MakeClient(server);
  HttpResponse resp;
  for (int i = 0; i < 20; ++i) {
    ClientRequest req;
    req.target = "/n";
    ASSERT_TRUE(client.Do(req, 1s, &resp).ok());
    EXPECT_EQ(resp.body, "ok");
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, do_redialsAfterConnectionClose) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, Ok("bye", "Connection: close\r\n"));
    return false;
  });
  HttpClient client = MakeClient(server);
  for (int i = 0; i < 3; ++i) {
    auto resp = client.Do("GET", "/");
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    EXPECT_EQ(resp->body, "bye");
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClient, do_retriesIdempotentRequestWhenIdleConnectionWasDropped) {
  // The server silently drops every connection after one answer, as servers
  // do with idle keep-alive connections.
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, Ok("one"));
    return false;
  });
  HttpClient client = MakeClient(server);
  ASSERT_TRUE(client.Do("GET", "/").ok());
  auto resp = client.Do("GET", "/");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "one");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, do_assemblesChunkedBody) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s,
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
    return true;
  });
  HttpClient client = MakeClient(server);
  auto resp = client.Do("GET", "/");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "hello world");
}

TEST(HttpClient, do_returnsErrorStatusesAsResponses) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
    return true;
  });
  HttpClient client = MakeClient(server);
  auto resp = client.Do("GET", "/");
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 404);
  EXPECT_EQ(resp->body, "not found");
}

TEST(HttpClient, do_connectionRefusedIsUnavailableWithGoMessage) {
  uint16_t port;
  {
    asio::io_context ioc;
    tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  HttpClient client(*ParseUrl("http://127.0.0.1:" + std::to_string(port)));
  auto resp = client.Do("GET", "/", {}, {}, 2s);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), base::Code::kUnavailable);
  EXPECT_EQ(resp.status().message(),
            "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
}

TEST(HttpClient, do_timesOutWhenServerNeverAnswers) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestServer server([released](const Request&, tcp::socket&) {
    released.wait();
    return false;
  });
  HttpClient client = MakeClient(server);
  auto start = std::chrono::steady_clock::now();
  auto resp = client.Do("GET", "/", {}, {}, 200ms);
  auto took = std::chrono::steady_clock::now() - start;
  release.set_value();
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), base::Code::kTimeout);
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 5s);
}

TEST(HttpClient, do_malformedResponseIsIoError) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, "SPDY/9 what\r\n\r\n");
    return false;
  });
  HttpClient client = MakeClient(server);
  auto resp = client.Do("GET", "/");
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), base::Code::kIoError);
}

TEST(HttpClient, stream_deliversChunksAsTheyArrive) {
  std::promise<void> got_first;
  std::shared_future<void> first = got_first.get_future().share();
  TestServer server([first](const Request&, tcp::socket& s) {
    WriteRaw(s,
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Etcd-Index: 3\r\n\r\n"
             "8\r\n{\"a\":1}\n\r\n");
    // The second event is only sent once the client has seen the first.
    if (first.wait_for(10s) != std::future_status::ready) return false;
    WriteRaw(s, "3\r\n{\"b\r\n5\r\n\":2}\n\r\n0\r\n\r\n");
    return true;
  });
  HttpClient client = MakeClient(server);
  std::vector<std::string> lines;
  LineSplitter splitter;
  bool signalled = false;
  ClientRequest req;
  req.target = "/v2/keys/a?wait=true&stream=true";
  auto head = client.Stream(req, 2s, [&](std::string_view data) {
    return splitter.Feed(data, [&](std::string_view line) {
      lines.emplace_back(line);
      if (!signalled) {
        signalled = true;
        got_first.set_value();
      }
      return true;
    });
  });
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->status, 200);
  ASSERT_NE(head->Header("X-Etcd-Index"), nullptr);
  EXPECT_EQ(*head->Header("X-Etcd-Index"), "3");
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  // The connection stays usable for the next request.
  auto again = client.Stream(req, 2s, [](std::string_view) { return true; });
  EXPECT_TRUE(again.ok());
}

TEST(HttpClient, stream_stopsWhenCallbackSaysSo) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n");
    return true;  // never ends the response
  });
  HttpClient client = MakeClient(server);
  std::string seen;
  auto head = client.Stream({}, 2s, [&](std::string_view data) {
    seen.append(data);
    return false;
  });
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(seen, "one");
}

TEST(HttpClient, stream_cancelFromAnotherThread) {
  TestServer server([](const Request&, tcp::socket& s) {
    WriteRaw(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    return true;  // headers only; the body never comes
  });
  HttpClient client = MakeClient(server);
  std::thread canceller([&] {
    // Cancel once the server has the request: the client is then waiting for
    // the response.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server.requests().empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    client.Cancel();
  });
  auto head = client.Stream({}, 0ms, [](std::string_view) { return true; });
  canceller.join();
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.status().code(), base::Code::kCancelled);
}

TEST(HttpClient, manyThreadsOneClientEach) {
  TestServer server([](const Request& req, tcp::socket& s) {
    WriteRaw(s, Ok(req.target()));
    return true;
  });
  constexpr int kThreads = 8, kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client(*ParseUrl(server.url()));
      HttpResponse resp;
      for (int i = 0; i < kRequests; ++i) {
        std::string target = "/t" + std::to_string(t) + "/" + std::to_string(i);
        ClientRequest req;
        req.target = target;
        if (client.Do(req, 5s, &resp).ok() && resp.body == target) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kThreads * kRequests);
  EXPECT_EQ(server.connections(), kThreads);
}

TEST(LineSplitter, joinsPartialLinesAndStripsCr) {
  LineSplitter s;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  };
  EXPECT_TRUE(s.Feed("ab", collect));
  EXPECT_TRUE(s.Feed("c\r\nd\n\ne", collect));
  EXPECT_EQ(lines, (std::vector<std::string>{"abc", "d", ""}));
  EXPECT_EQ(s.pending(), "e");
  EXPECT_FALSE(s.Feed("\nx\ny\n", [&](std::string_view l) {
    lines.emplace_back(l);
    return l != "x";
  }));
  EXPECT_EQ(lines.back(), "x");
}

}  // namespace
}  // namespace flotilla::net

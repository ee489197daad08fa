// AsyncHttpClient against net::HttpServer on the same EventLoop (pooling,
// keep-alive, timeouts, streams, cancel, destruction), and against a scripted
// raw server for what HttpServer never does (closing a keep-alive connection
// under a request, answering garbage). Everything runs on the test thread;
// waits are RunLoopUntil with a deadline, never sleeps.
#include "net/async_http_client.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <set>

#include "net/http_server.h"
#include "run_loop.h"

namespace flotilla::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using testing::RunLoopUntil;

using Answer = std::optional<base::Result<HttpResponse>>;

// An HttpServer whose handler the test sets; it records requests and keeps
// the exchanges it was told to hold.
class Fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(loop_, [this](HttpRequest&& req, ExchangePtr ex) {
      remotes_.insert(req.remote);
      requests_.push_back(req);
      ex->OnClose([this] { ++closed_exchanges_; });
      if (handler_) {
        handler_(req, ex);
      } else {
        HttpResponse r;
        r.Set("X-Path", req.path);
        r.body = "hello " + req.method + " " + req.body;
        ex->Send(std::move(r));
      }
    });
    auto port = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    server_->Serve();
    url_ = *ParseUrl("http://127.0.0.1:" + std::to_string(*port));
  }

  void TearDown() override { server_->Close(); }

  // Holds every request until Release().
  void HoldRequests() {
    handler_ = [this](const HttpRequest&, ExchangePtr ex) { held_.push_back(ex); };
  }
  void Release() {
    for (auto& ex : held_) {
      HttpResponse r;
      r.body = "released";
      ex->Send(std::move(r));
    }
    held_.clear();
  }

  AsyncHttpClient::ResponseFn Into(Answer* out) {
    return [out](base::Result<HttpResponse> r) { *out = std::move(r); };
  }
  bool Wait(const Answer& a, std::chrono::milliseconds timeout = 10s) {
    return RunLoopUntil(
        loop_, [&] { return a.has_value(); }, timeout);
  }

  EventLoop loop_;
  std::unique_ptr<HttpServer> server_;
  Url url_;
  std::function<void(const HttpRequest&, ExchangePtr)> handler_;
  std::vector<ExchangePtr> held_;
  std::vector<HttpRequest> requests_;
  std::set<std::string> remotes_;  // one per client connection
  int closed_exchanges_ = 0;
};

using AsyncHttpClientTest = Fixture;

TEST_F(AsyncHttpClientTest, Do_returnsStatusHeadersAndBody) {
  AsyncHttpClient client(loop_, url_);
  Answer a;
  AsyncRequest req;
  req.method = "PUT";
  req.target = "/v2/keys/a%20b?x=1";
  req.body = "value=1";
  req.content_type = "application/x-www-form-urlencoded";
  req.headers.emplace_back("X-Test", "yes");
  client.Do(std::move(req), 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_TRUE(a->ok()) << a->status().ToString();
  EXPECT_EQ((*a)->status, 200);
  EXPECT_EQ((*a)->body, "hello PUT value=1");
  ASSERT_NE((*a)->Header("x-path"), nullptr);
  EXPECT_EQ(*(*a)->Header("x-path"), "/v2/keys/a%20b");
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0].query, "x=1");
  ASSERT_NE(requests_[0].Header("Content-Type"), nullptr);
  EXPECT_EQ(*requests_[0].Header("Content-Type"), "application/x-www-form-urlencoded");
  ASSERT_NE(requests_[0].Header("X-Test"), nullptr);
  ASSERT_NE(requests_[0].Header("Host"), nullptr);
  EXPECT_EQ(*requests_[0].Header("Host"), url_.HostPort());
}

TEST_F(AsyncHttpClientTest, Do_nonSuccessStatusIsNotAnError) {
  handler_ = [](const HttpRequest&, ExchangePtr ex) {
    HttpResponse r;
    r.status = 404;
    r.body = "{}";
    ex->Send(std::move(r));
  };
  AsyncHttpClient client(loop_, url_);
  Answer a;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_TRUE(a->ok());
  EXPECT_EQ((*a)->status, 404);
}

TEST_F(AsyncHttpClientTest, KeepAlive_sequentialRequestsReuseOneConnection) {
  AsyncHttpClient client(loop_, url_);
  for (int i = 0; i < 5; ++i) {
    Answer a;
    client.Do({}, 5s, Into(&a));
    ASSERT_TRUE(Wait(a));
    ASSERT_TRUE(a->ok()) << a->status().ToString();
  }
  EXPECT_EQ(client.dials(), 1u);
  EXPECT_EQ(remotes_.size(), 1u);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(AsyncHttpClientTest, Pool_dialsUpToTheLimitThenQueuesInOrder) {
  HoldRequests();
  AsyncClientOptions options;
  options.max_connections = 2;
  AsyncHttpClient client(loop_, url_, options);
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) {
    AsyncRequest req;
    req.target = "/" + std::to_string(i);
    client.Do(std::move(req), 10s, [&order, i](base::Result<HttpResponse> r) {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      order.push_back(i);
    });
  }
  EXPECT_EQ(client.open_connections(), 2u);
  EXPECT_EQ(client.queued(), 3u);
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return held_.size() == 2; }));
  // Answers free connections one at a time; queued requests follow in order.
  while (order.size() < 5) {
    ASSERT_TRUE(RunLoopUntil(loop_, [&] { return !held_.empty(); }));
    Release();
    size_t before = order.size();
    ASSERT_TRUE(RunLoopUntil(loop_, [&] { return order.size() > before; }));
  }
  EXPECT_EQ(client.dials(), 2u);
  EXPECT_EQ(remotes_.size(), 2u);
  std::vector<std::string> targets;
  for (const auto& r : requests_) targets.push_back(r.target);
  EXPECT_EQ(targets, (std::vector<std::string>{"/0", "/1", "/2", "/3", "/4"}));
}

TEST_F(AsyncHttpClientTest, Timeout_serverNeverAnswers) {
  HoldRequests();
  AsyncHttpClient client(loop_, url_);
  Answer a;
  auto start = std::chrono::steady_clock::now();
  client.Do({}, 100ms, Into(&a));
  ASSERT_TRUE(Wait(a));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().code(), base::Code::kTimeout);
  EXPECT_EQ(a->status().message().rfind("read tcp 127.0.0.1:", 0), 0u) << a->status().message();
  EXPECT_TRUE(a->status().message().ends_with("->" + url_.HostPort() + ": i/o timeout"))
      << a->status().message();
  // The connection was closed, so the server drops the exchange.
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return closed_exchanges_ == 1; }));
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST_F(AsyncHttpClientTest, Timeout_countsTimeSpentQueued) {
  HoldRequests();
  AsyncClientOptions options;
  options.max_connections = 1;
  AsyncHttpClient client(loop_, url_, options);
  Answer first, second;
  client.Do({}, 10s, Into(&first));
  client.Do({}, 50ms, Into(&second));
  ASSERT_TRUE(Wait(second));
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->status().code(), base::Code::kTimeout);
  EXPECT_EQ(second->status().message(), "i/o timeout");
  EXPECT_FALSE(first.has_value());
  Release();
  ASSERT_TRUE(Wait(first));
  EXPECT_TRUE(first->ok());
  EXPECT_EQ(requests_.size(), 1u);  // the timed-out request was never sent
}

TEST_F(AsyncHttpClientTest, ConnectionRefused_goStyleMessage) {
  // A port that was free a moment ago and has no listener now.
  uint16_t port;
  {
    tcp::acceptor a(loop_.context(), {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  AsyncHttpClient client(loop_, *ParseUrl("http://127.0.0.1:" + std::to_string(port)));
  Answer a;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().code(), base::Code::kUnavailable);
  EXPECT_EQ(a->status().message(),
            "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
  EXPECT_EQ(client.open_connections(), 0u);
}

// A listener whose accept queue is full and never drained: Linux drops
// further SYNs, so a connect hangs, as it does to a partitioned host.
struct Blackhole {
  explicit Blackhole(asio::io_context& io) : acceptor(io), filler(io) {
    acceptor.open(tcp::v4());
    acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor.listen(0);
    filler.connect(acceptor.local_endpoint());  // takes the one place in the queue
  }
  uint16_t port() const { return acceptor.local_endpoint().port(); }
  tcp::acceptor acceptor;
  tcp::socket filler;
};

TEST_F(AsyncHttpClientTest, DialTimeout_isUnavailableNamingTheAddress) {
  Blackhole hole(loop_.context());
  AsyncClientOptions options;
  options.dial_timeout = 100ms;
  AsyncHttpClient client(loop_, *ParseUrl("http://127.0.0.1:" + std::to_string(hole.port())),
                         options);
  Answer a;
  client.Do({}, 10s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().code(), base::Code::kUnavailable);
  EXPECT_EQ(a->status().message(),
            "dial tcp 127.0.0.1:" + std::to_string(hole.port()) + ": i/o timeout");
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST_F(AsyncHttpClientTest, Timeout_whileDiallingNamesTheDial) {
  Blackhole hole(loop_.context());
  AsyncHttpClient client(loop_, *ParseUrl("http://127.0.0.1:" + std::to_string(hole.port())));
  Answer a;
  client.Do({}, 100ms, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().code(), base::Code::kTimeout);
  EXPECT_EQ(a->status().message(),
            "dial tcp 127.0.0.1:" + std::to_string(hole.port()) + ": i/o timeout");
}

TEST_F(AsyncHttpClientTest, Do_resolvesHostNames) {
  AsyncHttpClient client(loop_, *ParseUrl("http://localhost:" + std::to_string(url_.port)));
  Answer a;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  // localhost may resolve to ::1 first, where nothing listens; either way
  // the answer is a response or a dial error naming the address.
  if (a->ok()) {
    EXPECT_EQ((*a)->status, 200);
  } else {
    EXPECT_EQ(a->status().message().rfind("dial tcp ", 0), 0u) << a->status().message();
  }
}

TEST_F(AsyncHttpClientTest, Stream_deliversChunksAsTheyArrive) {
  ExchangePtr stream;
  handler_ = [&](const HttpRequest&, ExchangePtr ex) {
    Headers h{{"Content-Type", "application/json"}};
    ex->StartStream(200, h);
    ex->WriteChunk("{\"a\":1}\n");
    stream = ex;
  };
  AsyncHttpClient client(loop_, url_);
  std::string data;
  std::optional<int> head_status;
  Answer done;
  client.Stream(
      {}, 5s, [&](const HttpResponse& head) { head_status = head.status; },
      [&](std::string_view d) {
        data.append(d);
        return true;
      },
      Into(&done));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return data == "{\"a\":1}\n"; }));
  EXPECT_EQ(head_status, 200);
  EXPECT_FALSE(done.has_value());
  stream->WriteChunk("{\"b\":2}\n");
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return data == "{\"a\":1}\n{\"b\":2}\n"; }));
  EXPECT_FALSE(done.has_value());
  stream->EndStream();
  ASSERT_TRUE(Wait(done));
  ASSERT_TRUE(done->ok()) << done->status().ToString();
  EXPECT_EQ((*done)->status, 200);
  EXPECT_TRUE((*done)->body.empty());
  ASSERT_NE((*done)->Header("Content-Type"), nullptr);
  // The connection survives a complete stream.
  handler_ = nullptr;
  Answer next;
  client.Do({}, 5s, Into(&next));
  ASSERT_TRUE(Wait(next));
  EXPECT_TRUE(next->ok());
  EXPECT_EQ(client.dials(), 1u);
}

TEST_F(AsyncHttpClientTest, Stream_stopsWhenDataCallbackSaysSo) {
  handler_ = [&](const HttpRequest&, ExchangePtr ex) {
    ex->StartStream(200, {});
    ex->WriteChunk("one\n");
    held_.push_back(ex);
  };
  AsyncHttpClient client(loop_, url_);
  Answer done;
  std::string data;
  client.Stream(
      {}, 5s, nullptr,
      [&](std::string_view d) {
        data.append(d);
        return false;
      },
      Into(&done));
  ASSERT_TRUE(Wait(done));
  ASSERT_TRUE(done->ok());
  EXPECT_EQ(data, "one\n");
  // Stopping mid-body closes the connection: the server sees the client go.
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return closed_exchanges_ == 1; }));
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST_F(AsyncHttpClientTest, Stream_headerTimeoutThenNoLimitOnTheBody) {
  HoldRequests();
  AsyncHttpClient client(loop_, url_);
  Answer done;
  client.Stream(
      {}, 50ms, nullptr, [](std::string_view) { return true; }, Into(&done));
  ASSERT_TRUE(Wait(done));
  ASSERT_FALSE(done->ok());
  EXPECT_EQ(done->status().code(), base::Code::kTimeout);

  // Headers in time, then a body slower than the header timeout.
  held_.clear();
  handler_ = [&](const HttpRequest&, ExchangePtr ex) {
    ex->StartStream(200, {});
    held_.push_back(ex);
  };
  Answer done2;
  bool got_head = false;
  client.Stream(
      {}, 50ms, [&](const HttpResponse&) { got_head = true; },
      [](std::string_view) { return true; }, Into(&done2));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return got_head; }));
  // Well past the header timeout, the stream is still open.
  auto until = std::chrono::steady_clock::now() + 150ms;
  RunLoopUntil(loop_, [&] { return std::chrono::steady_clock::now() >= until; });
  EXPECT_FALSE(done2.has_value());
  held_[0]->WriteChunk("late\n");
  held_[0]->EndStream();
  ASSERT_TRUE(Wait(done2));
  EXPECT_TRUE(done2->ok());
}

TEST_F(AsyncHttpClientTest, Cancel_inFlightCompletesLaterWithCancelled) {
  HoldRequests();
  AsyncHttpClient client(loop_, url_);
  Answer a;
  CallId id = client.Do({}, 0ms, Into(&a));  // a long poll
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return held_.size() == 1; }));
  EXPECT_TRUE(client.Cancel(id));
  EXPECT_FALSE(a.has_value());  // never from inside Cancel()
  ASSERT_TRUE(Wait(a));
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().code(), base::Code::kCancelled);
  EXPECT_FALSE(client.Cancel(id));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return closed_exchanges_ == 1; }));
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST_F(AsyncHttpClientTest, Cancel_queuedRequestIsNeverSent) {
  HoldRequests();
  AsyncClientOptions options;
  options.max_connections = 1;
  AsyncHttpClient client(loop_, url_, options);
  Answer first, second;
  client.Do({}, 0ms, Into(&first));
  CallId id = client.Do({}, 0ms, Into(&second));
  EXPECT_TRUE(client.Cancel(id));
  ASSERT_TRUE(Wait(second));
  EXPECT_EQ(second->status().code(), base::Code::kCancelled);
  Release();
  ASSERT_TRUE(Wait(first));
  EXPECT_TRUE(first->ok());
  EXPECT_EQ(requests_.size(), 1u);
}

TEST_F(AsyncHttpClientTest, Cancel_streamFromInsideItsDataCallback) {
  handler_ = [&](const HttpRequest&, ExchangePtr ex) {
    ex->StartStream(200, {});
    ex->WriteChunk("x");
    held_.push_back(ex);
  };
  AsyncHttpClient client(loop_, url_);
  Answer done;
  CallId id{};
  int pieces = 0;
  id = client.Stream(
      {}, 5s, nullptr,
      [&](std::string_view) {
        ++pieces;
        client.Cancel(id);
        return true;
      },
      Into(&done));
  ASSERT_TRUE(Wait(done));
  EXPECT_EQ(done->status().code(), base::Code::kCancelled);
  EXPECT_EQ(pieces, 1);
}

TEST_F(AsyncHttpClientTest, Destruction_withRequestsInFlightCallsNoCallback) {
  HoldRequests();
  int callbacks = 0;
  auto start = std::chrono::steady_clock::now();
  {
    AsyncClientOptions options;
    options.max_connections = 2;
    AsyncHttpClient client(loop_, url_, options);
    for (int i = 0; i < 4; ++i) {  // two sent, two queued
      client.Do({}, 200ms, [&](base::Result<HttpResponse>) { ++callbacks; });
    }
    client.Stream(
        {}, 200ms, nullptr, [](std::string_view) { return true; },
        [&](base::Result<HttpResponse>) { ++callbacks; });
    ASSERT_TRUE(RunLoopUntil(loop_, [&] { return held_.size() == 2; }));
  }
  // The server notices both connections go; nothing calls back, even after
  // the timeouts would have fired.
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return closed_exchanges_ == 2; }));
  Release();
  auto until = start + 300ms;
  RunLoopUntil(loop_, [&] { return std::chrono::steady_clock::now() >= until; });
  EXPECT_EQ(callbacks, 0);
}

TEST_F(AsyncHttpClientTest, Destruction_fromInsideACallback) {
  auto client = std::make_unique<AsyncHttpClient>(loop_, url_);
  int callbacks = 0;
  HoldRequests();
  client->Do({}, 10s, [&](base::Result<HttpResponse> r) {
    EXPECT_TRUE(r.ok());
    ++callbacks;
    client.reset();
  });
  client->Do({}, 10s, [&](base::Result<HttpResponse>) { ++callbacks; });
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return held_.size() == 2; }));
  // Answer the first only; its callback destroys the client.
  HttpResponse r;
  held_[0]->Send(std::move(r));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return client == nullptr; }));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return closed_exchanges_ == 1; }));
  EXPECT_EQ(callbacks, 1);
}

// A server on the loop that does, for the n-th request (from 0) on the c-th
// connection (from 0), what its script says.
class ScriptedServer {
 public:
  enum class Act { kAnswer, kAnswerThenClose, kCloseWithoutAnswer, kGarbage };
  using Script = std::function<Act(int conn, int n)>;

  ScriptedServer(EventLoop& loop, Script script)
      : acceptor_(loop.context(), {asio::ip::make_address("127.0.0.1"), 0}),
        script_(std::move(script)) {
    Accept();
  }
  ~ScriptedServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& c : conns_) c->socket.close(ec);
  }
  Url url() const {
    return *ParseUrl("http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()));
  }
  int connections() const { return static_cast<int>(conns_.size()); }
  int requests() const { return requests_; }
  int closes() const { return closes_; }

 private:
  struct Conn {
    explicit Conn(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    int index = 0;
    int served = 0;
    std::string out;
  };

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      auto c = std::make_shared<Conn>(std::move(s));
      c->index = static_cast<int>(conns_.size());
      conns_.push_back(c);
      Read(c);
      Accept();
    });
  }

  void Read(std::shared_ptr<Conn> c) {
    c->req = {};
    http::async_read(c->socket, c->buffer, c->req, [this, c](boost::system::error_code ec, size_t) {
      if (ec) return;
      ++requests_;
      Act act = script_(c->index, c->served++);
      boost::system::error_code ignored;
      if (act == Act::kCloseWithoutAnswer) {
        c->socket.close(ignored);
        ++closes_;
        return;
      }
      c->out = act == Act::kGarbage ? "this is not http\r\n\r\n"
                                    : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      asio::async_write(c->socket, asio::buffer(c->out),
                        [this, c, act](boost::system::error_code ec, size_t) {
                          boost::system::error_code ignored;
                          if (ec || act != Act::kAnswer) {
                            c->socket.shutdown(tcp::socket::shutdown_both, ignored);
                            c->socket.close(ignored);
                            ++closes_;
                            return;
                          }
                          Read(c);
                        });
    });
  }

  tcp::acceptor acceptor_;
  Script script_;
  std::vector<std::shared_ptr<Conn>> conns_;
  int requests_ = 0;
  int closes_ = 0;
};

using Act = ScriptedServer::Act;

TEST_F(AsyncHttpClientTest, ServerClosedIdleConnection_nextRequestRedials) {
  // The server answers and then closes (without "Connection: close"), as a
  // server whose idle timeout fired would.
  ScriptedServer server(loop_, [](int, int) { return Act::kAnswerThenClose; });
  AsyncHttpClient client(loop_, server.url());
  Answer a;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_TRUE(a->ok());
  // Once the server has closed its end, loopback has delivered the FIN; the
  // next request (a POST, which may not be resent) must not use that socket.
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return server.closes() == 1; }));
  Answer b;
  AsyncRequest post;
  post.method = "POST";
  post.body = "x";
  client.Do(std::move(post), 5s, Into(&b));
  ASSERT_TRUE(Wait(b));
  ASSERT_TRUE(b->ok()) << b->status().ToString();
  EXPECT_EQ(client.dials(), 2u);
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(AsyncHttpClientTest, ServerClosedUnderTheRequest_idempotentIsResentOnce) {
  // Connection 0 answers its first request and drops the second unanswered;
  // later connections answer everything.
  ScriptedServer server(loop_, [](int conn, int n) {
    return conn == 0 && n == 1 ? Act::kCloseWithoutAnswer : Act::kAnswer;
  });
  AsyncHttpClient client(loop_, server.url());
  Answer a, b;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_TRUE(a->ok());
  client.Do({}, 5s, Into(&b));  // a GET: resent on a fresh connection
  ASSERT_TRUE(Wait(b));
  ASSERT_TRUE(b->ok()) << b->status().ToString();
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests(), 3);
}

TEST_F(AsyncHttpClientTest, ServerClosedUnderTheRequest_postIsNotResent) {
  ScriptedServer server(loop_, [](int conn, int n) {
    return conn == 0 && n == 1 ? Act::kCloseWithoutAnswer : Act::kAnswer;
  });
  AsyncHttpClient client(loop_, server.url());
  Answer a, b;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  AsyncRequest post;
  post.method = "POST";
  client.Do(std::move(post), 5s, Into(&b));
  ASSERT_TRUE(Wait(b));
  ASSERT_FALSE(b->ok());
  EXPECT_EQ(b->status().code(), base::Code::kUnavailable);
  EXPECT_EQ(b->status().message(), "EOF");
  EXPECT_EQ(server.requests(), 2);
}

TEST_F(AsyncHttpClientTest, MalformedResponse_isAnIoError) {
  ScriptedServer server(loop_, [](int, int) { return Act::kGarbage; });
  AsyncHttpClient client(loop_, server.url());
  Answer a;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().code(), base::Code::kIoError);
  EXPECT_EQ(a->status().message().rfind("malformed HTTP response: ", 0), 0u);
}

}  // namespace
}  // namespace flotilla::net

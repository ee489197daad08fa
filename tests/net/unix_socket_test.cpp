// HTTP over unix-domain sockets, as fleetctl (unix:///var/run/fleet.sock)
// and Docker clients use it: HttpServer::ListenUnix and its socket file
// (stale, live, foreign files, mode, removal), and both clients dialling a
// unix:// endpoint (keep-alive, streams, disconnects, errors).
//
// The server and the AsyncHttpClient run on the test thread's EventLoop. A
// blocking HttpClient call runs on a helper thread while the test thread
// drives the loop (OffLoop). Waits are RunLoopUntil with a deadline.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>

#include "net/async_http_client.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "run_loop.h"

namespace flotilla::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::RunLoopUntil;

using Answer = std::optional<base::Result<HttpResponse>>;

// Leaves a socket file at `path` that nobody accepts on, as a server killed
// with SIGKILL does.
void MakeStaleSocket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0)
      << std::strerror(errno);
  ::close(fd);
  ASSERT_TRUE(fs::is_socket(path));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class UnixSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/flotilla-unix-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/api.sock";
    url_ = *ParseUrl("unix://" + path_);
  }

  void TearDown() override {
    if (server_) server_->Close();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<HttpServer> MakeServer() {
    return std::make_unique<HttpServer>(loop_, [this](HttpRequest&& req, ExchangePtr ex) {
      requests_.push_back(req);
      ex->OnClose([this] { ++closed_exchanges_; });
      if (handler_) return handler_(req, ex);
      HttpResponse r;
      r.body = "hello " + req.method + " " + req.path + " " + req.body;
      ex->Send(std::move(r));
    });
  }

  // A server on path_, serving.
  void StartServer() {
    server_ = MakeServer();
    base::Status st = server_->ListenUnix(path_);
    ASSERT_TRUE(st.ok()) << st.ToString();
    server_->Serve();
  }

  // Runs `fn` (a blocking client call) on another thread while the loop
  // runs here, and returns its result.
  template <typename Fn>
  auto OffLoop(Fn fn) -> decltype(fn()) {
    auto future = std::async(std::launch::async, std::move(fn));
    EXPECT_TRUE(
        RunLoopUntil(loop_, [&] { return future.wait_for(0s) == std::future_status::ready; }));
    return future.get();
  }

  AsyncHttpClient::ResponseFn Into(Answer* out) {
    return [out](base::Result<HttpResponse> r) { *out = std::move(r); };
  }
  bool Wait(const Answer& a) {
    return RunLoopUntil(loop_, [&] { return a.has_value(); });
  }

  EventLoop loop_;
  std::string dir_;
  std::string path_;
  Url url_;
  std::unique_ptr<HttpServer> server_;
  std::function<void(const HttpRequest&, ExchangePtr)> handler_;
  std::vector<HttpRequest> requests_;
  int closed_exchanges_ = 0;
};

// --- URLs ---

TEST(ParseUrl, unix_keepsTheSocketPath) {
  auto u = ParseUrl("unix:///var/run/fleet.sock");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "unix");
  EXPECT_TRUE(u->is_unix());
  EXPECT_EQ(u->socket_path, "/var/run/fleet.sock");
  EXPECT_EQ(u->host, "");
  EXPECT_EQ(u->path, "");
  EXPECT_EQ(u->port, 0);
  EXPECT_EQ(u->HostHeader(), "localhost");

  u = ParseUrl("UNIX:///run/docker.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "unix");
  EXPECT_EQ(u->socket_path, "/run/docker.sock");

  u = ParseUrl("http://127.0.0.1:2379");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->is_unix());
  EXPECT_EQ(u->socket_path, "");
  EXPECT_EQ(u->HostHeader(), "127.0.0.1:2379");
}

TEST(ParseUrl, unix_refusesRelativeEmptyLongAndQueries) {
  EXPECT_FALSE(ParseUrl("unix://").ok());
  EXPECT_FALSE(ParseUrl("unix://run/fleet.sock").ok());
  EXPECT_FALSE(ParseUrl("unix:///run/fleet.sock?x=1").ok());
  EXPECT_FALSE(ParseUrl("unix:/run/fleet.sock").ok());
  EXPECT_FALSE(ParseUrl("unix:///" + std::string(107, 'a')).ok());
  EXPECT_TRUE(ParseUrl("unix:///" + std::string(106, 'a')).ok());
  auto bad = ParseUrl("ftp://x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kInvalidArgument);
}

// --- the blocking client ---

TEST_F(UnixSocketTest, HttpClient_getAndPutShareOneKeepAliveConnection) {
  StartServer();
  HttpClient client(url_);
  auto get = OffLoop([&] { return client.Do("GET", "/fleet/v1/units"); });
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "hello GET /fleet/v1/units ");
  auto put = OffLoop([&] {
    return client.Do("PUT", "/fleet/v1/units/web.service", "{\"desiredState\":\"launched\"}",
                     "application/json", 5s);
  });
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->body, "hello PUT /fleet/v1/units/web.service {\"desiredState\":\"launched\"}");
  EXPECT_EQ(server_->connections(), 1u);
  ASSERT_EQ(requests_.size(), 2u);
  for (const auto& r : requests_) {
    ASSERT_NE(r.Header("Host"), nullptr);
    EXPECT_EQ(*r.Header("Host"), "localhost");
    EXPECT_EQ(r.remote, "@");
  }
}

TEST_F(UnixSocketTest, HttpClient_streamsAChunkedBodyAsItArrives) {
  ExchangePtr stream;
  handler_ = [&](const HttpRequest&, ExchangePtr ex) {
    ex->StartStream(200, {{"Content-Type", "application/json"}});
    ex->WriteChunk("{\"a\":1}\n");
    stream = ex;
  };
  StartServer();
  HttpClient client(url_);
  std::mutex mu;
  std::string data;
  auto seen = [&] {
    std::lock_guard lock(mu);
    return data;
  };
  auto future = std::async(std::launch::async, [&] {
    return client.Stream({}, 5s, [&](std::string_view d) {
      std::lock_guard lock(mu);
      data.append(d);
      return true;
    });
  });
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return seen() == "{\"a\":1}\n"; }));
  stream->WriteChunk("{\"b\":2}\n");
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return seen() == "{\"a\":1}\n{\"b\":2}\n"; }));
  stream->EndStream();
  ASSERT_TRUE(
      RunLoopUntil(loop_, [&] { return future.wait_for(0s) == std::future_status::ready; }));
  auto head = future.get();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->status, 200);
  // The connection survives a complete stream.
  handler_ = nullptr;
  auto next = OffLoop([&] { return client.Do("GET", "/"); });
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(server_->connections(), 1u);
}

TEST_F(UnixSocketTest, HttpClient_stoppingAStreamFiresTheServersOnClose) {
  handler_ = [&](const HttpRequest&, ExchangePtr ex) {
    ex->StartStream(200, {});
    ex->WriteChunk("one\n");
  };
  StartServer();
  HttpClient client(url_);
  auto head =
      OffLoop([&] { return client.Stream({}, 5s, [](std::string_view) { return false; }); });
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return closed_exchanges_ == 1; }));
  EXPECT_TRUE(RunLoopUntil(loop_, [&] { return server_->connections() == 0; }));
}

TEST_F(UnixSocketTest, HttpClient_missingSocketIsUnavailableWithGoMessage) {
  HttpClient client(url_);
  auto r = client.Do("GET", "/", {}, {}, 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
  EXPECT_EQ(r.status().message(), "dial unix " + path_ + ": connect: no such file or directory");
}

TEST_F(UnixSocketTest, HttpClient_staleSocketIsConnectionRefused) {
  MakeStaleSocket(path_);
  HttpClient client(url_);
  auto r = client.Do("GET", "/", {}, {}, 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
  EXPECT_EQ(r.status().message(), "dial unix " + path_ + ": connect: connection refused");
}

// --- the async client ---

TEST_F(UnixSocketTest, AsyncHttpClient_getAndPutShareOneKeepAliveConnection) {
  StartServer();
  AsyncHttpClient client(loop_, url_);
  for (const char* method : {"GET", "PUT", "GET"}) {
    AsyncRequest req;
    req.method = method;
    req.target = "/fleet/v1/machines";
    req.body = std::string(method) == "PUT" ? "x" : "";
    Answer a;
    client.Do(std::move(req), 5s, Into(&a));
    ASSERT_TRUE(Wait(a));
    ASSERT_TRUE(a->ok()) << a->status().ToString();
    EXPECT_EQ((*a)->body, std::string("hello ") + method + " /fleet/v1/machines " +
                              (std::string(method) == "PUT" ? "x" : ""));
  }
  EXPECT_EQ(client.dials(), 1u);
  EXPECT_EQ(server_->connections(), 1u);
  ASSERT_EQ(requests_.size(), 3u);
  ASSERT_NE(requests_[0].Header("Host"), nullptr);
  EXPECT_EQ(*requests_[0].Header("Host"), "localhost");
}

TEST_F(UnixSocketTest, AsyncHttpClient_streamDeliversChunksAsTheyArrive) {
  ExchangePtr stream;
  handler_ = [&](const HttpRequest&, ExchangePtr ex) {
    ex->StartStream(200, {});
    ex->WriteChunk("one\n");
    stream = ex;
  };
  StartServer();
  AsyncHttpClient client(loop_, url_);
  std::string data;
  Answer done;
  client.Stream(
      {}, 5s, nullptr,
      [&](std::string_view d) {
        data.append(d);
        return true;
      },
      Into(&done));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return data == "one\n"; }));
  stream->WriteChunk("two\n");
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return data == "one\ntwo\n"; }));
  EXPECT_FALSE(done.has_value());
  stream->EndStream();
  ASSERT_TRUE(Wait(done));
  ASSERT_TRUE(done->ok()) << done->status().ToString();
  EXPECT_EQ((*done)->status, 200);
}

TEST_F(UnixSocketTest, AsyncHttpClient_cancelFiresTheServersOnClose) {
  handler_ = [](const HttpRequest&, ExchangePtr) {};  // a long poll that never answers
  StartServer();
  AsyncHttpClient client(loop_, url_);
  Answer a;
  CallId id = client.Do({}, 0ms, Into(&a));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return requests_.size() == 1; }));
  EXPECT_TRUE(client.Cancel(id));
  ASSERT_TRUE(Wait(a));
  EXPECT_EQ(a->status().code(), base::Code::kCancelled);
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return closed_exchanges_ == 1; }));
  EXPECT_TRUE(RunLoopUntil(loop_, [&] { return server_->connections() == 0; }));
}

TEST_F(UnixSocketTest, AsyncHttpClient_timeoutNamesTheUnixConnection) {
  handler_ = [](const HttpRequest&, ExchangePtr) {};
  StartServer();
  AsyncHttpClient client(loop_, url_);
  Answer a;
  client.Do({}, 100ms, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().code(), base::Code::kTimeout);
  EXPECT_EQ(a->status().message(), "read unix @->" + path_ + ": i/o timeout");
}

TEST_F(UnixSocketTest, AsyncHttpClient_missingSocketIsUnavailableWithGoMessage) {
  AsyncHttpClient client(loop_, url_);
  Answer a;
  client.Do({}, 2s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().code(), base::Code::kUnavailable);
  EXPECT_EQ(a->status().message(), "dial unix " + path_ + ": connect: no such file or directory");
}

TEST_F(UnixSocketTest, AsyncHttpClient_staleSocketIsConnectionRefused) {
  MakeStaleSocket(path_);
  AsyncHttpClient client(loop_, url_);
  Answer a;
  client.Do({}, 2s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_FALSE(a->ok());
  EXPECT_EQ(a->status().message(), "dial unix " + path_ + ": connect: connection refused");
}

// --- the socket file ---

TEST_F(UnixSocketTest, ListenUnix_replacesAStaleSocketFile) {
  MakeStaleSocket(path_);
  StartServer();
  AsyncHttpClient client(loop_, url_);
  Answer a;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  ASSERT_TRUE(a->ok()) << a->status().ToString();
}

TEST_F(UnixSocketTest, ListenUnix_refusesASocketSomeoneListensOn) {
  StartServer();
  auto second = MakeServer();
  base::Status st = second->ListenUnix(path_);
  EXPECT_EQ(st.code(), base::Code::kIoError);
  EXPECT_EQ(st.message(), "listen unix " + path_ + ": address already in use");
  second.reset();  // must not remove the first server's socket
  AsyncHttpClient client(loop_, url_);
  Answer a;
  client.Do({}, 5s, Into(&a));
  ASSERT_TRUE(Wait(a));
  EXPECT_TRUE(a->ok()) << a->status().ToString();
}

TEST_F(UnixSocketTest, ListenUnix_refusesAndKeepsAFileThatIsNotASocket) {
  { std::ofstream(path_) << "precious\n"; }
  auto server = MakeServer();
  base::Status st = server->ListenUnix(path_);
  EXPECT_EQ(st.code(), base::Code::kIoError);
  EXPECT_EQ(st.message(), "listen unix " + path_ + ": file exists and is not a socket");
  server->Close();
  EXPECT_EQ(ReadFile(path_), "precious\n");
}

TEST_F(UnixSocketTest, ListenUnix_refusesAPathTooLongForSockaddrUn) {
  auto server = MakeServer();
  base::Status st = server->ListenUnix(dir_ + "/" + std::string(120, 's'));
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
}

TEST_F(UnixSocketTest, ListenUnix_socketModeIs0660WhateverTheUmask) {
  for (mode_t mask : {mode_t{0}, mode_t{077}}) {
    mode_t old = ::umask(mask);
    auto server = MakeServer();
    base::Status st = server->ListenUnix(path_);
    ::umask(old);
    ASSERT_TRUE(st.ok()) << st.ToString();
    struct stat sb {};
    ASSERT_EQ(::lstat(path_.c_str(), &sb), 0);
    EXPECT_TRUE(S_ISSOCK(sb.st_mode));
    EXPECT_EQ(sb.st_mode & 07777, 0660u) << "umask " << mask;
    server->Close();
  }
}

TEST_F(UnixSocketTest, Close_removesTheSocketFileAndDropsConnections) {
  handler_ = [](const HttpRequest&, ExchangePtr) {};
  StartServer();
  AsyncHttpClient client(loop_, url_);
  Answer a;
  client.Do({}, 0ms, Into(&a));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return requests_.size() == 1; }));
  server_->Close();
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
  ASSERT_TRUE(Wait(a));
  EXPECT_EQ(a->status().code(), base::Code::kUnavailable);
  EXPECT_EQ(closed_exchanges_, 1);
}

TEST_F(UnixSocketTest, Close_byTheDestructorRemovesTheSocketFile) {
  {
    auto server = MakeServer();
    ASSERT_TRUE(server->ListenUnix(path_).ok());
    EXPECT_TRUE(fs::is_socket(path_));
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
}

TEST_F(UnixSocketTest, Close_leavesAFileThatReplacedTheSocketAlone) {
  StartServer();
  ASSERT_TRUE(fs::remove(path_));
  { std::ofstream(path_) << "someone else's\n"; }
  server_->Close();
  EXPECT_EQ(ReadFile(path_), "someone else's\n");
}

TEST_F(UnixSocketTest, ListenUnix_andTcpServeTheSameHandler) {
  StartServer();
  auto port = server_->Listen("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  AsyncHttpClient over_unix(loop_, url_);
  AsyncHttpClient over_tcp(loop_, *ParseUrl("http://127.0.0.1:" + std::to_string(*port)));
  Answer a, b;
  over_unix.Do({}, 5s, Into(&a));
  over_tcp.Do({}, 5s, Into(&b));
  ASSERT_TRUE(Wait(a));
  ASSERT_TRUE(Wait(b));
  ASSERT_TRUE(a->ok() && b->ok());
  EXPECT_EQ((*a)->body, (*b)->body);
  EXPECT_EQ(server_->connections(), 2u);
  ASSERT_EQ(requests_.size(), 2u);
}

}  // namespace
}  // namespace flotilla::net

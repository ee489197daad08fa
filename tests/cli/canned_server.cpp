#include "canned_server.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace flotilla::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

struct CannedServer::Impl {
  Answer answer;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread accept_thread;
  std::mutex mu;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> threads;
  std::vector<std::string> requests;
  std::atomic<bool> stopping{false};
  std::string url;

  void AcceptLoop() {
    for (;;) {
      auto sock = std::make_shared<tcp::socket>(ioc);
      boost::system::error_code ec;
      acceptor.accept(*sock, ec);
      if (ec || stopping) return;
      std::lock_guard lock(mu);
      sockets.push_back(sock);
      threads.emplace_back([this, sock] { Serve(*sock); });
    }
  }

  void Serve(tcp::socket& sock) {
    boost::beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(sock, buf, req, ec);
      if (ec) break;
      std::string method(req.method_string()), target(req.target());
      {
        std::lock_guard lock(mu);
        requests.push_back(method + " " + target);
      }
      CannedReply reply = answer(method, target);
      ReplaceAll(reply.body, "{SELF}", url);
      std::string raw = "HTTP/1.1 " + std::to_string(reply.status) + " Canned\r\n";
      for (auto [k, v] : reply.headers) {
        ReplaceAll(v, "{SELF}", url);
        raw += k + ": " + v + "\r\n";
      }
      raw += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      asio::write(sock, asio::buffer(raw), ec);
      if (ec) break;
    }
    boost::system::error_code ec;
    sock.shutdown(tcp::socket::shutdown_both, ec);
  }
};

CannedServer::CannedServer(Answer answer) : impl_(new Impl) {
  impl_->answer = std::move(answer);
  impl_->acceptor.open(tcp::v4());
  impl_->acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
  impl_->acceptor.listen();
  url_ = "http://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port());
  impl_->url = url_;
  impl_->accept_thread = std::thread([this] { impl_->AcceptLoop(); });
}

CannedServer::~CannedServer() {
  // A blocking accept() is not woken by close(); wake it with a connection.
  impl_->stopping = true;
  boost::system::error_code ec;
  {
    tcp::socket wake(impl_->ioc);
    wake.connect(impl_->acceptor.local_endpoint(), ec);
  }
  impl_->accept_thread.join();
  {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sockets) s->shutdown(tcp::socket::shutdown_both, ec);
  }
  for (auto& t : impl_->threads) t.join();
}

std::vector<std::string> CannedServer::requests() {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

}  // namespace flotilla::testing

#include "etcd/peer_query.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "net/http_client.h"

namespace flotilla::etcd {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// An answer lists members and their URLs; a megabyte is plenty.
constexpr size_t kMaxAnswerBytes = 1u << 20;

base::Result<ClusterInfo> AskOne(const std::string& url, std::chrono::milliseconds timeout) {
  auto parsed = net::ParseTcpUrl(url);
  if (!parsed.ok()) return parsed.status();
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  std::string hello = EncodeHello(PeerHello{});
  std::string answer;
  std::array<char, 4096> chunk;
  boost::system::error_code result = asio::error::timed_out;
  std::function<void()> read;
  read = [&] {
    socket.async_read_some(asio::buffer(chunk), [&](const boost::system::error_code& ec, size_t n) {
      answer.append(chunk.data(), n);
      if (ec == asio::error::eof) {
        result = {};
      } else if (ec) {
        result = ec;
      } else if (answer.size() > kMaxAnswerBytes) {
        result = asio::error::message_size;
      } else {
        read();
      }
    });
  };
  resolver.async_resolve(
      parsed->host, std::to_string(parsed->port),
      [&](const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
        if (ec) return void(result = ec);
        asio::async_connect(socket, results, [&](const boost::system::error_code& ec2, auto&&) {
          if (ec2) return void(result = ec2);
          asio::async_write(socket, asio::buffer(hello),
                            [&](const boost::system::error_code& ec3, size_t) {
                              if (ec3) return void(result = ec3);
                              read();
                            });
        });
      });
  io.run_for(timeout);
  if (result) return base::Status(base::Code::kUnavailable, url + ": " + result.message());
  FrameReader reader(kMaxAnswerBytes);
  reader.Append(answer);
  std::string body;
  base::Status error;
  switch (reader.NextBody(body, error)) {
    case FrameReader::Step::kError:
      return error.WithContext(url);
    case FrameReader::Step::kNeedMore:
      return base::Status(base::Code::kUnavailable,
                          url + ": closed without answering (is it a flotilla member?)");
    case FrameReader::Step::kMessage:
      break;
  }
  auto info = DecodeClusterInfo(body);
  if (!info.ok()) return info.status().WithContext(url);
  return info;
}

}  // namespace

base::Result<ClusterInfo> QueryCluster(const std::vector<std::string>& peer_urls,
                                       std::chrono::milliseconds timeout) {
  std::string why;
  for (const auto& url : peer_urls) {
    auto info = AskOne(url, timeout);
    if (info.ok()) return info;
    why += (why.empty() ? "" : "; ") + info.status().message();
  }
  return base::Status(base::Code::kUnavailable,
                      "could not get the cluster's members from its peers (" +
                          (why.empty() ? std::string("no peer URLs") : why) + ")");
}

}  // namespace flotilla::etcd

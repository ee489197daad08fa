// Internal to the HTTP clients (http_client.cpp, async_http_client.cpp):
// how a failed exchange is classified and worded, as Go's net/http words it,
// and the socket type both dial (TCP or unix-domain).
// Includes Beast; never include it from a public header.
#pragma once

#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>
#include <cstring>
#include <string>
#include <string_view>

namespace flotilla::net::client_errors {

// Go spells system errors as strerror() with a lower-case first letter.
inline std::string GoErrorText(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::eof) return "EOF";
  if (ec == boost::beast::error::timeout) return "i/o timeout";
  std::string s = ec.message();
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// Both clients keep TCP and unix-domain connections in one socket type.
using Socket = boost::asio::generic::stream_protocol::socket;
using Endpoint = boost::asio::generic::stream_protocol::endpoint;

// One end of a connection as Go prints it: "127.0.0.1:2379", "[::1]:2379",
// "/run/fleet.sock", and "@" for an unnamed unix socket (the client's end).
inline std::string AddressText(const Endpoint& ep) {
  if (ep.data()->sa_family == AF_UNIX) {
    boost::asio::local::stream_protocol::endpoint local;
    if (ep.size() > local.capacity()) return "?";
    std::memcpy(local.data(), ep.data(), ep.size());
    local.resize(ep.size());
    std::string path = local.path();
    if (path.empty()) return "@";
    if (path[0] == '\0') path[0] = '@';  // an abstract socket
    return path;
  }
  boost::asio::ip::tcp::endpoint ip;
  if (ep.size() > ip.capacity()) return "?";
  std::memcpy(ip.data(), ep.data(), ep.size());
  ip.resize(ep.size());
  std::string a = ip.address().to_string();
  if (ip.address().is_v6()) a = "[" + a + "]";
  return a + ":" + std::to_string(ip.port());
}

// A connected socket as Go's errors name it: "tcp 127.0.0.1:50412->
// 127.0.0.1:2379", "unix @->/run/fleet.sock"; just `network` if the kernel
// no longer knows the ends.
inline std::string ConnText(const Socket& s, std::string_view network) {
  boost::system::error_code e1, e2;
  auto local = s.local_endpoint(e1);
  auto remote = s.remote_endpoint(e2);
  if (e1 || e2) return std::string(network);
  return std::string(network) + " " + AddressText(local) + "->" + AddressText(remote);
}

// Requests that may be sent again when a reused connection turns out dead.
inline bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

// The connection broke before any byte of the response arrived; on a reused
// keep-alive connection this usually means the server closed it while idle.
inline bool IsStaleConnection(const boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset ||
         ec == boost::asio::error::broken_pipe || ec == http::error::end_of_stream;
}

// The bytes that arrived are not an HTTP response (as opposed to the
// connection failing, which end_of_stream reports).
inline bool IsMalformed(const boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  return ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
         ec != http::error::end_of_stream && ec != http::error::need_buffer;
}

}  // namespace flotilla::net::client_errors

// Internal to the HTTP clients (http_client.cpp, async_http_client.cpp):
// how a failed exchange is classified and worded, as Go's net/http words it.
// Includes Beast; never include it from a public header.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>
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

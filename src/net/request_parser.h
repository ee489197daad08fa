// RequestParser: turns the bytes a client sends into HttpRequests, one at a
// time, with the limits of the server (Boost.Beast's HTTP/1.1 parser inside).
//
// Feed() consumes what it can and says how far it got; bytes past the end of
// a complete request are left for the next one (pipelining). Once a request
// is complete, Take() hands it out and readies the parser for the next.
// Malformed input ends in kError with the HTTP status Go's server would use
// (400, 431 for headers over the limit, 413 for a body over the limit).
// Pure: no sockets, no clocks; the fuzz target drives it directly.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "net/http.h"

namespace flotilla::net {

class RequestParser {
 public:
  enum class State { kNeedMore, kDone, kError };

  RequestParser(size_t max_header_bytes, size_t max_body_bytes);
  ~RequestParser();

  // Parses a prefix of input[pos..]; returns the number of bytes consumed.
  // Bytes not consumed must be offered again, followed by the ones that
  // arrive next: Beast's parser keeps offsets into them between calls (a
  // harness that dropped them made it read out of bounds; see
  // fuzz/http_request_fuzz.cpp).
  size_t Feed(const std::string& input, size_t pos = 0);
  State state() const { return state_; }
  // True once some bytes of the current request were consumed.
  bool started() const { return started_; }
  // The headers are in and ask for "100 Continue" before the body.
  bool WantsContinue() const;
  int error_status() const { return error_status_; }
  // Whether the connection stays open after this request's response.
  bool keep_alive() const;
  bool is_head() const;
  // The complete request (state kDone); resets for the next request.
  HttpRequest Take();

 private:
  void Reset();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t max_header_, max_body_;
  State state_ = State::kNeedMore;
  bool started_ = false;
  int error_status_ = 0;
  size_t waiting_for_more_than_ = 0;  // unconsumed bytes at the last need-more
};

}  // namespace flotilla::net

#include "net/request_parser.h"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

namespace flotilla::net {

namespace beast = boost::beast;
namespace http = beast::http;

struct RequestParser::Impl {
  std::optional<http::request_parser<http::string_body>> parser;
};

RequestParser::RequestParser(size_t max_header_bytes, size_t max_body_bytes)
    : impl_(std::make_unique<Impl>()), max_header_(max_header_bytes), max_body_(max_body_bytes) {
  Reset();
}

RequestParser::~RequestParser() = default;

void RequestParser::Reset() {
  auto& p = impl_->parser.emplace();
  p.header_limit(static_cast<uint32_t>(max_header_));
  p.body_limit(max_body_);
  p.eager(true);
  state_ = State::kNeedMore;
  started_ = false;
  error_status_ = 0;
  waiting_for_more_than_ = 0;
}

size_t RequestParser::Feed(const std::string& input, size_t pos) {
  std::string_view data = std::string_view(input).substr(std::min(pos, input.size()));
  if (state_ != State::kNeedMore || data.empty()) return 0;
  // Beast asks for more than it was last shown before it parses again
  // (it asserts so); offering it the same bytes twice is a no-op here.
  if (data.size() <= waiting_for_more_than_) return 0;
  waiting_for_more_than_ = 0;
  auto& p = *impl_->parser;
  size_t used = 0;
  while (used < data.size() && !p.is_done()) {
    beast::error_code ec;
    size_t n = p.put(boost::asio::const_buffer(data.data() + used, data.size() - used), ec);
    used += n;
    if (n > 0) started_ = true;
    if (ec == http::error::need_more) {
      waiting_for_more_than_ = data.size() - used;
      break;
    }
    if (ec) {
      state_ = State::kError;
      error_status_ = ec == http::error::header_limit ? 431
                      : ec == http::error::body_limit ? 413
                                                      : 400;
      return used;
    }
    if (n == 0) break;
  }
  if (p.is_done()) state_ = State::kDone;
  return used;
}

bool RequestParser::WantsContinue() const {
  auto& p = *impl_->parser;
  if (!p.is_header_done() || p.is_done()) return false;
  auto expect = p.get()[http::field::expect];
  return beast::iequals(expect, "100-continue");
}

bool RequestParser::keep_alive() const {
  auto& p = *impl_->parser;
  return p.is_header_done() && p.get().keep_alive();
}

bool RequestParser::is_head() const {
  auto& p = *impl_->parser;
  return p.is_header_done() && p.get().method() == http::verb::head;
}

HttpRequest RequestParser::Take() {
  auto msg = impl_->parser->release();
  HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.reserve(8);
  for (const auto& f : msg) req.headers.emplace_back(f.name_string(), f.value());
  req.body = std::move(msg.body());
  Reset();
  return req;
}

}  // namespace flotilla::net

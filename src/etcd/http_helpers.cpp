#include <string>

#include "etcd/client_api.h"

namespace flotilla::etcd {

void AddCorsHeaders(net::HttpResponse& r) {
  r.Set("Access-Control-Allow-Headers", "accept, content-type, authorization");
  r.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
  r.Set("Access-Control-Allow-Origin", "*");
}

net::HttpResponse MakeResponse(int status, const char* content_type, std::string body) {
  net::HttpResponse r;
  r.status = status;
  AddCorsHeaders(r);
  r.Set("Content-Type", content_type);
  r.body = std::move(body);
  return r;
}

net::HttpResponse TextResponse(int status, std::string body) {
  return MakeResponse(status, "text/plain; charset=utf-8", std::move(body));
}

net::HttpResponse JsonResponse(int status, std::string body) {
  return MakeResponse(status, "application/json", std::move(body));
}

std::string GoDuration(int64_t d) {
  if (d == 0) return "0s";
  bool neg = d < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  std::string out;
  auto frac = [](uint64_t v, int prec) {
    // v as a decimal fraction with `prec` digits, trailing zeros dropped.
    std::string digits(static_cast<size_t>(prec), '0');
    for (int i = prec - 1; i >= 0; --i) {
      digits[static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    return digits.empty() ? std::string() : "." + digits;
  };
  if (u < 1'000'000'000) {
    if (u < 1000) return (neg ? "-" : "") + std::to_string(u) + "ns";
    if (u < 1'000'000)
      return (neg ? "-" : "") + std::to_string(u / 1000) + frac(u % 1000, 3) + "µs";
    return (neg ? "-" : "") + std::to_string(u / 1'000'000) + frac(u % 1'000'000, 6) + "ms";
  }
  uint64_t secs = u / 1'000'000'000;
  std::string s = std::to_string(secs % 60) + frac(u % 1'000'000'000, 9) + "s";
  uint64_t mins = secs / 60;
  if (mins > 0) {
    s = std::to_string(mins % 60) + "m" + s;
    uint64_t hours = mins / 60;
    if (hours > 0) s = std::to_string(hours) + "h" + s;
  }
  return (neg ? "-" : "") + s;
}

}  // namespace flotilla::etcd

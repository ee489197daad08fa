// Fuzzes the server's HTTP/1.1 request parser, fed in two pieces to exercise
// incremental parsing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  flotilla::net::RequestParser parser(8192, 65536);
  size_t split = size ? data[0] % (size + 1) : 0;
  std::string_view parts[2] = {in.substr(0, split), in.substr(split)};
  for (auto part : parts) {
    while (!part.empty()) {
      size_t used = parser.Feed(part);
      part.remove_prefix(used);
      if (parser.state() == flotilla::net::RequestParser::State::kDone) {
        auto req = parser.Take();
        if (req.method.empty()) __builtin_trap();
        continue;
      }
      if (parser.state() == flotilla::net::RequestParser::State::kError) return 0;
      if (used == 0) break;
    }
  }
  return 0;
}

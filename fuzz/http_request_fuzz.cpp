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
  // Each piece arrives in its own buffer, as reads from a socket do.
  std::string parts[2] = {std::string(in.substr(0, split)), std::string(in.substr(split))};
  for (const auto& part : parts) {
    size_t pos = 0;
    while (pos < part.size()) {
      size_t used = parser.Feed(part, pos);
      pos += used;
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

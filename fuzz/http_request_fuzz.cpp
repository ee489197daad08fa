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
  // Two reads from a socket: the second is appended to what is left of the
  // first, as the server's session does.
  std::string buffer(in.substr(0, split));
  size_t pos = 0;
  for (int read = 0; read < 2; ++read) {
    if (read == 1) buffer.append(in.substr(split));
    while (pos < buffer.size()) {
      size_t used = parser.Feed(buffer, pos);
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

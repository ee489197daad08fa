#include "base/sha1.h"

#include <boost/uuid/detail/sha1.hpp>

namespace flotilla::base {

Sha1Digest Sha1(std::string_view data) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(data.data(), data.size());
  unsigned int words[5];
  sha.get_digest(words);
  Sha1Digest out;
  for (int i = 0; i < 5; ++i) {
    for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<uint8_t>(words[i] >> (24 - 8 * b));
  }
  return out;
}

std::string Sha1Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (uint8_t byte : Sha1(data)) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

}  // namespace flotilla::base

// SHA-1 digests (Boost's implementation), for identities that must match
// etcd's and fleet's: member and cluster ids, unit hashes. Not for security.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace flotilla::base {

using Sha1Digest = std::array<uint8_t, 20>;

Sha1Digest Sha1(std::string_view data);
std::string Sha1Hex(std::string_view data);  // 40 lower-case hex digits

}  // namespace flotilla::base

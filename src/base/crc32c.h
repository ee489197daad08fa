// CRC-32C (Castagnoli), the checksum of WAL records and snapshot files.
// Extend() continues a running checksum so a record can be checksummed in parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flotilla::base {

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(std::string_view s) {
  return Crc32cExtend(0, s.data(), s.size());
}

}  // namespace flotilla::base

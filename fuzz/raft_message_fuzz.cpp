// Fuzzes the raft message decoder (docs/formats/raft.md), the first thing
// that touches bytes from another member. Decode must refuse or succeed
// without crashing; what it accepts must survive Encode and decode again
// unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "raft/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flotilla;
  auto m = raft::DecodeMessage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m.ok()) return 0;
  std::string again;
  raft::EncodeMessage(*m, again);
  auto m2 = raft::DecodeMessage(again);
  if (!m2.ok() || !(*m2 == *m)) std::abort();
  return 0;
}

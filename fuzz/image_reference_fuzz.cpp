// Fuzzes image reference parsing: whatever parses prints back to a string
// that parses to the same reference.
#include <cstdint>
#include <string>

#include "container/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flotilla::container;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto ref = ParseReference(text);
  if (!ref.ok()) return 0;
  auto again = ParseReference(ref->String());
  if (!again.ok() || again->FullName() != ref->FullName() || again->tag != ref->tag ||
      again->digest != ref->digest)
    __builtin_trap();
  return 0;
}

// Fuzzes the decoders of what kv reads back from disk: store snapshots and
// log entries (kv::Request). Garbage must give an error, never a crash, and
// whatever decodes must re-encode to something that decodes the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kv/request.h"
#include "kv/store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto store = flotilla::kv::Store::Recover(in); store.ok()) {
    std::string saved = store->Save();
    auto again = flotilla::kv::Store::Recover(saved);
    if (!again.ok() || again->Save() != saved) __builtin_trap();
  }
  if (auto req = flotilla::kv::Request::Decode(in); req.ok()) {
    std::string enc;
    req->Encode(enc);
    auto again = flotilla::kv::Request::Decode(enc);
    if (!again.ok()) __builtin_trap();
  }
  return 0;
}

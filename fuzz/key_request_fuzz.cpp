// Fuzzes the /v2/keys request decoder: input = method \n key \n query \n
// content-type \n body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "etcd/key_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view parts[5];
  for (int i = 0; i < 4; ++i) {
    auto nl = in.find('\n');
    parts[i] = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  parts[4] = in;
  flotilla::etcd::RawKeyRequest raw{parts[0], parts[1], parts[2], parts[3], parts[4]};
  auto out = flotilla::etcd::DecodeKeyRequest(raw, 1'700'000'000'000'000'000);
  if (auto* kr = std::get_if<flotilla::etcd::KeyRequest>(&out)) {
    // A decoded request always targets the user key space.
    const auto& p = kr->request.path;
    if (p != "/1" && !p.starts_with("/1/")) __builtin_trap();
  }
  return 0;
}

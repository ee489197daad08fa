// Fuzzes the Go-compatible query/form decoder and path helpers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/go_url.h"
#include "etcd/form.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  flotilla::etcd::Form form;
  (void)flotilla::etcd::ParseQuery(in, form);
  (void)form.First("value");
  (void)flotilla::etcd::Unescape(in, false);
  std::string clean = flotilla::base::CanonicalUrlPath(in);
  // Cleaning is idempotent.
  if (flotilla::base::CanonicalUrlPath(clean) != clean) __builtin_trap();
  (void)flotilla::base::EscapePath(in);
  return 0;
}

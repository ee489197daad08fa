// Fuzzes the Go-compatible query/form decoder and path helpers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "etcd/form.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  flotilla::etcd::Form form;
  (void)flotilla::etcd::ParseQuery(in, form);
  (void)form.First("value");
  (void)flotilla::etcd::Unescape(in, false);
  std::string clean = flotilla::etcd::CleanPath(in);
  // Cleaning is idempotent.
  if (flotilla::etcd::CleanPath(clean) != clean) __builtin_trap();
  (void)flotilla::etcd::EscapePath(in);
  return 0;
}

// Fuzzes layer unpacking: any bytes as a layer archive (tar, maybe
// compressed) applied into a fresh directory. Nothing may appear next to
// that directory, and an error is fine; crashes, sanitizer reports and
// writes outside are not.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "container/layer_apply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flotilla::container;
  static std::string base = [] {
    char tmpl[] = "/tmp/flotilla-fuzz-layer-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  std::string root = base + "/root", outside = base + "/outside";
  ::mkdir(root.c_str(), 0755);
  ::mkdir(outside.c_str(), 0755);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first byte picks the whiteout mode.
  WhiteoutMode mode =
      !input.empty() && (input[0] & 1) ? WhiteoutMode::kOverlay : WhiteoutMode::kApply;
  if (!input.empty()) input.remove_prefix(1);
  (void)ApplyLayerBytes(input, root, mode);
  if (::rmdir(outside.c_str()) != 0) __builtin_trap();  // something was written outside
  (void)RemoveTree(root);
  return 0;
}

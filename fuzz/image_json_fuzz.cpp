// Fuzzes the image documents (manifests, indexes, configs): any bytes are
// parsed as each; a manifest or index that parses is written back and must
// parse to the same document.
#include <cstdint>
#include <string>

#include "container/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flotilla::container;
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto m = ParseManifest(text); m.ok()) {
    auto again = ParseManifest(ManifestJson(*m));
    if (!again.ok() || again->config.digest != m->config.digest ||
        again->layers.size() != m->layers.size())
      __builtin_trap();
  }
  if (auto idx = ParseIndex(text); idx.ok()) {
    auto again = ParseIndex(IndexJson(*idx));
    if (!again.ok() || again->manifests.size() != idx->manifests.size()) __builtin_trap();
    (void)PickPlatform(*idx, HostPlatform());
  }
  (void)ParseImageConfig(text);
  (void)PeekMediaType(text);
  return 0;
}

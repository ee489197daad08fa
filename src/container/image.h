// The OCI and Docker image documents (image-spec manifest.md, index.md,
// config.md, descriptor.md; Docker's schema 2 equivalents): parsed from
// JSON others wrote and written as JSON for the store, the registry and
// `docker save`. Pure functions, no I/O; fuzzed through
// fuzz/image_json_fuzz.cpp.
//
// Parsing is strict about what the store relies on (digests, sizes,
// media types of known kinds, the config's rootfs.diff_ids) and tolerant
// of everything else (unknown fields are ignored, and the config's own
// bytes are kept, since its digest is the image ID).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "container/digest.h"

namespace flotilla::container {

namespace media {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
}  // namespace media

bool IsManifestType(std::string_view media_type);
bool IsIndexType(std::string_view media_type);
bool IsLayerType(std::string_view media_type);
// The layer media type for a blob, from its first bytes (gzip, zstd magic).
std::string_view SniffLayerType(std::string_view head);

struct Platform {
  std::string architecture, os, variant;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
};

struct Manifest {
  std::string media_type;  // kOciManifest or kDockerManifest
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct Index {
  std::string media_type;  // kOciIndex or kDockerList
  std::vector<Descriptor> manifests;
};

// What a container needs from an image's config (the rest stays in `raw`).
struct RunConfig {
  std::string user, working_dir, stop_signal;
  std::vector<std::string> env;
  std::optional<std::vector<std::string>> entrypoint, cmd;  // null vs []
  std::vector<std::string> exposed_ports;                   // "80/tcp", sorted
  std::vector<std::string> volumes;                         // sorted
  std::map<std::string, std::string> labels;
};

struct ImageConfig {
  std::string architecture, os, variant, created, author;
  RunConfig config;
  std::vector<Digest> diff_ids;
  std::string raw;  // the document as stored; its digest is the image ID
};

base::Result<Manifest> ParseManifest(std::string_view json);
base::Result<Index> ParseIndex(std::string_view json);
base::Result<ImageConfig> ParseImageConfig(std::string_view json);
// Just the mediaType field (manifests and indexes both carry one; an
// absent one is "").
base::Result<std::string> PeekMediaType(std::string_view json);

std::string ManifestJson(const Manifest& manifest);
std::string IndexJson(const Index& index);
void AppendDescriptorJson(std::string& out, const Descriptor& d);

// This machine's platform in OCI words ("amd64", "linux").
Platform HostPlatform();
// The manifest of `index` for `platform` (variant compared only when both
// have one); NotFound names what is there.
base::Result<Descriptor> PickPlatform(const Index& index, const Platform& platform);

}  // namespace flotilla::container

#include "test_images.h"

#include <cstdio>
#include <cstdlib>

#include "base/json_writer.h"
#include "container/digest.h"
#include "tar_builder.h"

namespace flotilla::testing {

PartsImage LegacyArchive(const std::vector<std::pair<std::string, std::string>>& files,
                         const std::vector<std::string>& tags, const std::string& cmd) {
  PartsImage img;
  TarBuilder layer;
  for (const auto& [path, content] : files) layer.File(path, content, 0755);
  img.layer = layer.Finish();
  auto diff_id = container::Digest::Of(img.layer);
  img.config = R"({"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z",)"
               R"("config":{"Env":["PATH=/bin"],"Cmd":[")" +
               cmd +
               R"("],"ExposedPorts":{"80/tcp":{}},"Labels":{"made":"here"}},)"
               R"("rootfs":{"type":"layers","diff_ids":[")" +
               diff_id.str() + R"("]},"history":[{"created_by":"test"}]})";
  auto config_id = container::Digest::Of(img.config);
  std::string layer_dir = std::string(diff_id.hex());
  std::string manifest =
      "[{\"Config\":\"" + std::string(config_id.hex()) + ".json\",\"RepoTags\":[";
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i) manifest += ",";
    base::AppendJsonString(manifest, tags[i]);
  }
  manifest += "],\"Layers\":[\"" + layer_dir + "/layer.tar\"]}]";
  img.archive = TarBuilder()
                    .File(std::string(config_id.hex()) + ".json", img.config)
                    .Dir(layer_dir)
                    .File(layer_dir + "/layer.tar", img.layer)
                    .File(layer_dir + "/VERSION", "1.0")
                    .File("manifest.json", manifest)
                    .Finish();
  return img;
}

bool HaveImageTools() {
  return Shell("command -v umoci && command -v skopeo && test -x /bin/busybox") == 0;
}

int Shell(const std::string& command, std::string* out) {
  FILE* p = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int rc = ::pclose(p);
  if (out) *out = text;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string BusyboxOciLayout(const std::string& dir) {
  std::string layout = dir + "/oci";
  std::string bundle = dir + "/bundle";
  std::string script =
      "set -e; umoci init --layout " + layout + "; umoci new --image " + layout +
      ":latest; umoci unpack --image " + layout + ":latest " + bundle + "; mkdir -p " + bundle +
      "/rootfs/bin " + bundle + "/rootfs/etc " + bundle + "/rootfs/tmp; cp /bin/busybox " + bundle +
      "/rootfs/bin/busybox; for t in sh echo true false cat ls sleep env id hostname "
      "ps top wc; do ln -s busybox " +
      bundle + "/rootfs/bin/$t; done; echo 'root:x:0:0:root:/root:/bin/sh' > " + bundle +
      "/rootfs/etc/passwd; echo 'root:x:0:' > " + bundle +
      "/rootfs/etc/group; umoci repack --image " + layout + ":latest " + bundle +
      "; umoci config --image " + layout +
      ":latest --config.cmd /bin/sh --config.env PATH=/bin --architecture amd64 --os linux";
  std::string out;
  if (Shell(script, &out) != 0) {
    std::fprintf(stderr, "making the busybox image failed:\n%s\n", out.c_str());
    return "";
  }
  return layout;
}

}  // namespace flotilla::testing

// Images made in a test: a one-layer image as a legacy `docker save`
// archive built from parts (LegacyArchive), and a busybox image made by
// the tools a user would use without Docker Hub (BusyboxOciLayout: umoci
// packs /bin/busybox of busybox-static into an OCI layout; skopeo turns it
// into a docker-archive or oci-archive).
#pragma once

#include <string>
#include <vector>

namespace flotilla::testing {

struct PartsImage {
  std::string layer;    // an uncompressed layer tar
  std::string config;   // its config JSON (diff_ids filled in)
  std::string archive;  // a legacy docker-save tar with manifest.json
};

// `files` are (path, content) pairs of the single layer; `tags` go to
// RepoTags; `cmd` to the config.
PartsImage LegacyArchive(const std::vector<std::pair<std::string, std::string>>& files,
                         const std::vector<std::string>& tags, const std::string& cmd = "/bin/sh");

// True when umoci, skopeo and /bin/busybox are installed.
bool HaveImageTools();
// Runs a command line with /bin/sh; returns its exit code, output in `out`.
int Shell(const std::string& command, std::string* out = nullptr);
// Makes DIR/oci (an OCI layout, tag "latest") holding busybox with
// /bin/sh, /bin/echo, /bin/true ... links and Cmd ["/bin/sh"]; "" on
// failure (with the tools' output on stderr).
std::string BusyboxOciLayout(const std::string& dir);

}  // namespace flotilla::testing

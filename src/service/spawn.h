// Spawn: starts one command of a unit as systemd would, and signals its
// process group. POSIX only; watching the process and its output is
// child.h's.
//
// The child gets: a session and process group of its own (setsid), so that
// KillGroup reaches everything it forks and nothing of ours; stdin from
// /dev/null; stdout and stderr to pipes whose read ends are returned (for
// the journal), or inherited; exactly the given environment; the working
// directory; the user's group list, group and user when set (needs root);
// the default signal mask and dispositions; no other open descriptors.
//
// Any failure between fork and exec (working directory missing, user
// switch refused, executable not found or not executable) is reported back
// through a close-on-exec pipe, so Spawn fails with the reason, e.g.
// "/usr/bin/nosuch: No such file or directory", and no process is left.
//
// The executable is resolved before forking (ResolveExecutable).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace flotilla::service {

struct SpawnOptions {
  std::string path;               // as written in the unit
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // "K=V", the whole environment
  std::string working_directory;  // "" = "/"
  std::optional<uid_t> uid;       // User=
  std::optional<gid_t> gid;       // Group= (or the user's group)
  bool capture_output = true;     // pipes for stdout/stderr, else inherit ours
};

struct Spawned {
  pid_t pid = -1;      // also the process group and session id
  int stdout_fd = -1;  // read ends, non-blocking, close-on-exec; -1 when inherited
  int stderr_fd = -1;
};

base::Result<Spawned> Spawn(const SpawnOptions& options);

// Where the executable `path` of an Exec line is: an absolute path that
// exists and is executable is used as is; a bare name is looked up in
// `search_path` (a PATH value); an absolute path that does not exist falls
// back to its file name in `search_path`, so "/usr/bin/docker" in a
// workshop unit finds docker wherever it is installed. kNotFound names
// what was tried.
base::Result<std::string> ResolveExecutable(const std::string& path,
                                            const std::string& search_path);

// Sends `sig` to the process group `pgid`; a group that is gone is fine.
base::Status KillGroup(pid_t pgid, int sig);
// Whether any process of the group is still alive (zombies count until
// reaped).
bool GroupAlive(pid_t pgid);

}  // namespace flotilla::service

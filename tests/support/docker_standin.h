// Test helper: a stand-in for /usr/bin/docker, until flotilla's container
// engine exists (issue 6), for the tests that run the workshop units as
// written. Put it on PATH as `docker`: the service manager finds a missing
// absolute ExecStart= binary by its name on PATH.
// Header-only.
#pragma once

namespace flotilla::testing {

// docker run --name N IMAGE [CMD...]: prints what it was asked, records its
// pid under N and becomes CMD (or sleeps); stop N: SIGTERM to it and wait;
// kill/rm of an unknown name fail as docker's do; pull prints.
inline constexpr const char* kDockerStandIn = R"(#!/bin/sh
dir=$(dirname "$0")
cmd=$1; shift
case "$cmd" in
run)
  echo "docker run $*"
  [ "$1" = --name ] || exit 125
  name=$2; shift 2
  while [ "${1#-}" != "$1" ]; do shift 2; done
  echo $$ > "$dir/$name.pid"
  shift
  if [ $# -gt 0 ]; then exec "$@"; fi
  exec sleep 1000 ;;
stop)
  pid=$(cat "$dir/$1.pid" 2>/dev/null) || exit 1
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$dir/$1.pid"; echo "$1" ;;
kill|rm)
  [ -f "$dir/$1.pid" ] || { echo "Error: No such container: $1" >&2; exit 1; }
  echo "$1" ;;
pull)
  echo "Pulling from library/$1" ;;
*) exit 125 ;;
esac
)";

}  // namespace flotilla::testing

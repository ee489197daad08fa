// The entry points of the flotilla binary's subcommands. Each returns the
// process exit code. Main() dispatches on argv[0] (etcdctl) or argv[1].
#pragma once

namespace flotilla::cli {

int Main(int argc, char** argv);
int Serve(int argc, char** argv);    // flotilla serve ...
int Etcdctl(int argc, char** argv);  // flotilla etcdctl ... / etcdctl ...

}  // namespace flotilla::cli

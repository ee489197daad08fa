// flotilla: one binary, many commands. Called as `etcdctl` it is etcdctl.
#include "cli/commands.h"

int main(int argc, char** argv) {
  return flotilla::cli::Main(argc, argv);
}

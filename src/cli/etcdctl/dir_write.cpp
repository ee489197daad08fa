// mkdir, setdir, updatedir: create or refresh a directory
// (ctlv2/command/mkdir_command.go, set_dir_command.go, update_dir_command.go).
// In simple output they print nothing.
#include "cli/etcdctl/commands.h"
#include "cli/etcdctl/keys_api.h"
#include "cli/etcdctl/output.h"
#include "cli/etcdctl/session.h"

namespace flotilla::cli::etcdctl {
namespace {

int DirAction(Context& c, PrevExist prev_exist) {
  auto client = MustNewClient(c);
  if (c.args().empty()) HandleError(c, kExitBadArgs, "key required");
  SetOptions opts;
  opts.ttl_seconds = c.Int("ttl");
  opts.dir = true;
  opts.prev_exist = prev_exist;
  auto resp = KeysApi(client.get()).Set(c.args()[0], "", opts, TotalTimeout(c));
  if (!resp.ok()) HandleError(c, kExitServerError, resp.error());
  std::string format = c.GlobalString("output");
  if (format != "simple") PrintResponseKey(resp.value(), format);
  return kExitSuccess;
}

Command DirCommand(std::string name, std::string usage, std::string args_usage,
                   PrevExist prev_exist) {
  Command c;
  c.name = std::move(name);
  c.usage = std::move(usage);
  c.args_usage = std::move(args_usage);
  c.flags = {TtlFlag()};
  c.action = [prev_exist](Context& ctx) { return DirAction(ctx, prev_exist); };
  return c;
}

}  // namespace

Command MakeDirCommand() {
  return DirCommand("mkdir", "make a new directory", "<key>", PrevExist::kNoExist);
}

Command SetDirCommand() {
  return DirCommand("setdir", "create a new directory or update an existing directory TTL", "<key>",
                    PrevExist::kIgnore);
}

Command UpdateDirCommand() {
  return DirCommand("updatedir", "update an existing directory", "<key> <value>",
                    PrevExist::kExist);
}

}  // namespace flotilla::cli::etcdctl

// rm and rmdir (ctlv2/command/rm_command.go, rmdir_command.go). Removing a
// directory prints nothing in simple output.
#include "cli/etcdctl/commands.h"
#include "cli/etcdctl/keys_api.h"
#include "cli/etcdctl/output.h"
#include "cli/etcdctl/session.h"

namespace flotilla::cli::etcdctl {
namespace {

int Remove(Context& c, const DeleteOptions& opts, ClusterClient* client) {
  auto resp = KeysApi(client).Delete(c.args()[0], opts, TotalTimeout(c));
  if (!resp.ok()) HandleError(c, kExitServerError, resp.error());
  std::string format = c.GlobalString("output");
  bool dir = resp->node && resp->node->dir;
  if (!dir || format != "simple") PrintResponseKey(resp.value(), format);
  return kExitSuccess;
}

int RmAction(Context& c) {
  auto client = MustNewClient(c);
  if (c.args().empty()) HandleError(c, kExitBadArgs, "key required");
  DeleteOptions opts;
  opts.recursive = c.Bool("recursive");
  opts.dir = c.Bool("dir");
  opts.prev_value = c.String("with-value");
  opts.prev_index = static_cast<uint64_t>(c.Int("with-index"));
  return Remove(c, opts, client.get());
}

int RmdirAction(Context& c) {
  auto client = MustNewClient(c);
  if (c.args().empty()) HandleError(c, kExitBadArgs, "key required");
  DeleteOptions opts;
  opts.dir = true;
  return Remove(c, opts, client.get());
}

}  // namespace

Command RemoveCommand() {
  Command c;
  c.name = "rm";
  c.usage = "remove a key or a directory";
  c.args_usage = "<key>";
  c.flags = {
      {"dir", FlagKind::kBool, "removes the key if it is an empty directory or a key-value pair"},
      {"recursive, r", FlagKind::kBool, "removes the key and all child keys(if it is a directory)"},
      {"with-value", FlagKind::kString, "previous value"},
      {"with-index", FlagKind::kInt, "previous index", "0"}};
  c.action = RmAction;
  return c;
}

Command RemoveDirCommand() {
  Command c;
  c.name = "rmdir";
  c.usage = "removes the key if it is an empty directory or a key-value pair";
  c.args_usage = "<key>";
  c.action = RmdirAction;
  return c;
}

}  // namespace flotilla::cli::etcdctl

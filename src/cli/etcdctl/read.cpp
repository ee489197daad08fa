// get and ls (ctlv2/command/get_command.go, ls_command.go).
#include "cli/etcdctl/commands.h"
#include "cli/etcdctl/keys_api.h"
#include "cli/etcdctl/output.h"
#include "cli/etcdctl/session.h"

namespace flotilla::cli::etcdctl {
namespace {

const FlagSpec kSortFlag{"sort", FlagKind::kBool, "returns result in sorted order"};
const FlagSpec kQuorumFlag{"quorum, q", FlagKind::kBool, "require quorum for get request"};

int GetAction(Context& c) {
  auto client = MustNewClient(c);
  if (c.args().empty()) HandleError(c, kExitBadArgs, "key required");
  GetOptions opts;
  opts.sort = c.Bool("sort");
  opts.quorum = c.Bool("quorum");
  auto resp = KeysApi(client.get()).Get(c.args()[0], opts, TotalTimeout(c));
  if (!resp.ok()) HandleError(c, kExitServerError, resp.error());
  if (resp->node && resp->node->dir) {
    Err(resp->node->key + ": is a directory\n");
    Exit(kExitBadArgs);
  }
  PrintResponseKey(resp.value(), c.GlobalString("output"));
  return kExitSuccess;
}

// rPrint: the key, then its children depth first.
void PrintTree(const Context& c, const Node& n, std::string& out) {
  out += n.key;
  if (n.dir && c.Bool("p")) out += '/';
  out += '\n';
  if (n.nodes) {
    for (const auto& child : *n.nodes) PrintTree(c, child, out);
  }
}

int LsAction(Context& c) {
  auto client = MustNewClient(c);
  std::string key = c.args().empty() ? "/" : c.args()[0];
  GetOptions opts;
  opts.sort = c.Bool("sort");
  opts.recursive = c.Bool("recursive");
  opts.quorum = c.Bool("quorum");
  auto resp = KeysApi(client.get()).Get(key, opts, TotalTimeout(c));
  if (!resp.ok()) HandleError(c, kExitServerError, resp.error());
  std::string format = c.GlobalString("output");
  if (format != "simple") {
    PrintResponseKey(resp.value(), format);
    return kExitSuccess;
  }
  std::string out;
  if (resp->node) {
    if (!resp->node->dir) out += resp->node->key + "\n";
    if (resp->node->nodes) {
      for (const auto& child : *resp->node->nodes) PrintTree(c, child, out);
    }
  }
  Out(out);
  return kExitSuccess;
}

}  // namespace

Command GetCommand() {
  Command c;
  c.name = "get";
  c.usage = "retrieve the value of a key";
  c.args_usage = "<key>";
  c.flags = {kSortFlag, kQuorumFlag};
  c.action = GetAction;
  return c;
}

Command LsCommand() {
  Command c;
  c.name = "ls";
  c.usage = "retrieve a directory";
  c.args_usage = "[key]";
  c.flags = {
      kSortFlag,
      {"recursive, r", FlagKind::kBool, "returns all key names recursively for the given path"},
      {"p", FlagKind::kBool, "append slash (/) to directories"},
      kQuorumFlag};
  c.action = LsAction;
  return c;
}

}  // namespace flotilla::cli::etcdctl

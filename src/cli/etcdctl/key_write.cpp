// set, mk, update: write a key's value (ctlv2/command/set_command.go,
// mk_command.go, update_command.go). The value comes from the second
// argument or, when absent, from stdin.
#include "cli/etcdctl/commands.h"
#include "cli/etcdctl/keys_api.h"
#include "cli/etcdctl/output.h"
#include "cli/etcdctl/session.h"

namespace flotilla::cli::etcdctl {
namespace {

struct KeyValue {
  std::string key;
  std::string value;
};

KeyValue KeyAndValue(Context& c) {
  if (c.args().empty()) HandleError(c, kExitBadArgs, "key required");
  auto value = ArgOrStdin(c.args(), 1);
  if (!value) HandleError(c, kExitBadArgs, "value required");
  return {c.args()[0], *value};
}

int Finish(Context& c, ClientResult<Response> resp) {
  if (!resp.ok()) HandleError(c, kExitServerError, resp.error());
  PrintResponseKey(resp.value(), c.GlobalString("output"));
  return kExitSuccess;
}

int SetAction(Context& c) {
  auto client = MustNewClient(c);
  KeyValue kv = KeyAndValue(c);
  SetOptions opts;
  opts.ttl_seconds = c.Int("ttl");
  opts.prev_value = c.String("swap-with-value");
  opts.prev_index = static_cast<uint64_t>(c.Int("swap-with-index"));
  return Finish(c, KeysApi(client.get()).Set(kv.key, kv.value, opts, TotalTimeout(c)));
}

int MakeAction(Context& c) {
  auto client = MustNewClient(c);
  KeyValue kv = KeyAndValue(c);
  int64_t ttl = c.Int("ttl");
  KeysApi keys(client.get());
  if (c.Bool("in-order")) {
    return Finish(c, keys.CreateInOrder(kv.key, kv.value, ttl, TotalTimeout(c)));
  }
  SetOptions opts;
  opts.ttl_seconds = ttl;
  opts.prev_exist = PrevExist::kNoExist;
  return Finish(c, keys.Set(kv.key, kv.value, opts, TotalTimeout(c)));
}

int UpdateAction(Context& c) {
  auto client = MustNewClient(c);
  KeyValue kv = KeyAndValue(c);
  SetOptions opts;
  opts.ttl_seconds = c.Int("ttl");
  opts.prev_exist = PrevExist::kExist;
  return Finish(c, KeysApi(client.get()).Set(kv.key, kv.value, opts, TotalTimeout(c)));
}

}  // namespace

FlagSpec TtlFlag() {
  return {"ttl", FlagKind::kInt, "key time-to-live in seconds", "0"};
}

Command SetCommand() {
  Command c;
  c.name = "set";
  c.usage = "set the value of a key";
  c.args_usage = "<key> <value>";
  c.description =
      "Set sets the value of a key.\n\n"
      "   When <value> begins with '-', <value> is interpreted as a flag.\n"
      "   Insert '--' for workaround:\n\n"
      "   $ set -- <key> <value>";
  c.flags = {TtlFlag(),
             {"swap-with-value", FlagKind::kString, "previous value"},
             {"swap-with-index", FlagKind::kInt, "previous index", "0"}};
  c.action = SetAction;
  return c;
}

Command MakeCommand() {
  Command c;
  c.name = "mk";
  c.usage = "make a new key with a given value";
  c.args_usage = "<key> <value>";
  c.flags = {{"in-order", FlagKind::kBool, "create in-order key under directory <key>"}, TtlFlag()};
  c.action = MakeAction;
  return c;
}

Command UpdateCommand() {
  Command c;
  c.name = "update";
  c.usage = "update an existing key with a given value";
  c.args_usage = "<key> <value>";
  c.flags = {TtlFlag()};
  c.action = UpdateAction;
  return c;
}

}  // namespace flotilla::cli::etcdctl

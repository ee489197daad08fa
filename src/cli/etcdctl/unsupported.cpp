// backup, user, role and auth: listed in the help as the Go etcdctl lists
// them, but not implemented (flotilla has no v2 auth, and backup reads an
// etcd data directory). Running one prints a message and exits with 1.
#include "cli/etcdctl/commands.h"
#include "cli/etcdctl/session.h"

namespace flotilla::cli::etcdctl {
namespace {

Action NotImplemented(std::string what) {
  return [what](Context&) -> int {
    Err("flotilla etcdctl: \"" + what + "\" is not implemented\n");
    return kExitBadArgs;
  };
}

Command Leaf(const std::string& group, std::string name, std::string usage,
             std::string args_usage) {
  Command c;
  c.action = NotImplemented(group.empty() ? name : group + " " + name);
  c.name = std::move(name);
  c.usage = std::move(usage);
  c.args_usage = std::move(args_usage);
  return c;
}

}  // namespace

Command BackupCommand() {
  Command c = Leaf("", "backup", "backup an etcd directory", " ");
  c.flags = {{"data-dir", FlagKind::kString, "Path to the etcd data dir"},
             {"wal-dir", FlagKind::kString, "Path to the etcd wal dir"},
             {"backup-dir", FlagKind::kString, "Path to the backup dir"},
             {"backup-wal-dir", FlagKind::kString, "Path to the backup wal dir"},
             {"with-v3", FlagKind::kBool, "Backup v3 backend data"}};
  return c;
}

Command UserCommand() {
  Command c;
  c.name = "user";
  c.usage = "user add, grant and revoke subcommands";
  c.subcommands = {Leaf("user", "add", "add a new user for the etcd cluster", "<user>"),
                   Leaf("user", "get", "get details for a user", "<user>"),
                   Leaf("user", "list", "list all current users", "<user>"),
                   Leaf("user", "remove", "remove a user for the etcd cluster", "<user>"),
                   Leaf("user", "grant", "grant roles to an etcd user", "<user>"),
                   Leaf("user", "revoke", "revoke roles for an etcd user", "<user>"),
                   Leaf("user", "passwd", "change password for a user", "<user>")};
  return c;
}

Command RoleCommand() {
  Command c;
  c.name = "role";
  c.usage = "role add, grant and revoke subcommands";
  c.subcommands = {Leaf("role", "add", "add a new role for the etcd cluster", "<role> "),
                   Leaf("role", "get", "get details for a role", "<role>"),
                   Leaf("role", "list", "list all roles", " "),
                   Leaf("role", "remove", "remove a role from the etcd cluster", "<role>"),
                   Leaf("role", "grant", "grant path matches to an etcd role", "<role>"),
                   Leaf("role", "revoke", "revoke path matches for an etcd role", "<role>")};
  return c;
}

Command AuthCommand() {
  Command c;
  c.name = "auth";
  c.usage = "overall auth controls";
  c.subcommands = {Leaf("auth", "enable", "enable auth access controls", " "),
                   Leaf("auth", "disable", "disable auth access controls", " ")};
  return c;
}

}  // namespace flotilla::cli::etcdctl

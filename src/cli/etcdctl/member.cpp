// member list|add|remove|update (ctlv2/command/member_commands.go). Unlike
// the key commands these check their arguments before building the client,
// and report errors as a bare message with exit code 1.
#include "base/go_strconv.h"
#include "cli/etcdctl/commands.h"
#include "cli/etcdctl/members_api.h"
#include "cli/etcdctl/session.h"

namespace flotilla::cli::etcdctl {
namespace {

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

[[noreturn]] void Fail(const std::string& text) {
  Err(text);
  Exit(kExitBadArgs);
}

int ListAction(Context& c) {
  if (!c.args().empty()) Fail("No arguments accepted\n");
  auto client = MustNewClient(c);
  MembersApi api(client.get());
  Deadline deadline = TotalTimeout(c);
  auto members = api.List(deadline);
  if (!members.ok()) Fail(members.error().message + "\n");
  auto leader = api.Leader(deadline);
  if (!leader.ok()) Fail("Failed to get leader:  " + leader.error().message + "\n");
  std::string out;
  for (const auto& m : members.value()) {
    if (m.name.empty()) {
      out += m.id + "[unstarted]: peerURLs=" + Join(m.peer_urls, ",") + "\n";
    } else {
      out += m.id + ": name=" + m.name + " peerURLs=" + Join(m.peer_urls, ",") +
             " clientURLs=" + Join(m.client_urls, ",") +
             " isLeader=" + (m.id == leader->id ? "true" : "false") + "\n";
    }
  }
  Out(out);
  return kExitSuccess;
}

int AddAction(Context& c) {
  const auto& args = c.args();
  if (args.size() != 2) Fail("Provide a name and a single member peerURL\n");
  auto client = MustNewClient(c);
  MembersApi api(client.get());
  Deadline deadline = TotalTimeout(c);
  auto m = api.Add(args[1], deadline);
  if (!m.ok()) Fail(m.error().message + "\n");
  const std::string& new_name = args[0];
  Out("Added member named " + new_name + " with ID " + m->id + " to cluster\n");
  auto members = api.List(deadline);
  if (!members.ok()) Fail(members.error().message + "\n");
  std::vector<std::string> conf;
  for (const auto& memb : members.value()) {
    for (const auto& u : memb.peer_urls) {
      conf.push_back((memb.id == m->id ? new_name : memb.name) + "=" + u);
    }
  }
  Out("\nETCD_NAME=" + base::GoQuote(new_name) + "\nETCD_INITIAL_CLUSTER=" +
      base::GoQuote(Join(conf, ",")) + "\nETCD_INITIAL_CLUSTER_STATE=\"existing\"\n");
  return kExitSuccess;
}

int RemoveAction(Context& c) {
  if (c.args().size() != 1) Fail("Provide a single member ID\n");
  const std::string id = c.args()[0];
  auto client = MustNewClient(c);
  MembersApi api(client.get());
  Deadline deadline = TotalTimeout(c);
  auto members = api.List(deadline);
  if (!members.ok()) {
    Fail("Error while verifying ID against known members: " + members.error().message + "\n");
  }
  bool found = false;
  for (const auto& m : members.value()) {
    found = found || m.id == id;
    if (m.name == id) {
      Err("Found a member named " + m.name +
          "; if this is correct, please use its ID, eg:\n\tetcdctl member remove " + m.id + "\n");
      Err("For more details, read the documentation at "
          "https://github.com/etcd-io/etcd/blob/master/Documentation/"
          "runtime-configuration.md#remove-a-member\n\n");
    }
  }
  if (!found) Fail("Couldn't find a member in the cluster with an ID of " + id + ".\n");
  if (auto err = api.Remove(id, deadline)) {
    Fail("Received an error trying to remove member " + id + ": " + err->message);
  }
  Out("Removed member " + id + " from cluster\n");
  return kExitSuccess;
}

int UpdateAction(Context& c) {
  const auto& args = c.args();
  if (args.size() != 2) {
    Fail(
        "Provide an ID and a list of comma separated peerURL "
        "(0xabcd http://example.com,http://example1.com)\n");
  }
  auto client = MustNewClient(c);
  std::vector<std::string> urls;
  size_t start = 0;
  for (;;) {
    size_t comma = args[1].find(',', start);
    urls.push_back(args[1].substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (auto err = MembersApi(client.get()).Update(args[0], urls, TotalTimeout(c))) {
    Fail(err->message + "\n");
  }
  Out("Updated member with ID " + args[0] + " in cluster\n");
  return kExitSuccess;
}

Command Sub(std::string name, std::string usage, std::string args_usage, Action action) {
  Command c;
  c.name = std::move(name);
  c.usage = std::move(usage);
  c.args_usage = std::move(args_usage);
  c.action = std::move(action);
  return c;
}

}  // namespace

Command MemberCommand() {
  Command c;
  c.name = "member";
  c.usage = "member add, remove and list subcommands";
  c.subcommands = {
      Sub("list", "enumerate existing cluster members", " ", ListAction),
      Sub("add", "add a new member to the etcd cluster", "<name> <peerURL>", AddAction),
      Sub("remove", "remove an existing member from the etcd cluster", "<memberID>", RemoveAction),
      Sub("update", "update an existing member in the etcd cluster", "<memberID> <peerURLs>",
          UpdateAction),
  };
  return c;
}

}  // namespace flotilla::cli::etcdctl

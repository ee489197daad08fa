// watch and exec-watch (ctlv2/command/watch_command.go,
// exec_watch_command.go): long-poll the key and print each change, or run a
// command per change with ETCD_WATCH_{ACTION,MODIFIED_INDEX,KEY,VALUE} set.
// Ctrl-C (SIGINT) ends either with exit code 0.
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/go_strconv.h"
#include "cli/etcdctl/commands.h"
#include "cli/etcdctl/keys_api.h"
#include "cli/etcdctl/output.h"
#include "cli/etcdctl/session.h"

extern char** environ;

namespace flotilla::cli::etcdctl {
namespace {

void ExitOnInterrupt() {
  std::signal(SIGINT, [](int) { _exit(0); });
}

int WatchAction(Context& c) {
  auto client = MustNewClient(c);
  if (c.args().empty()) HandleError(c, kExitBadArgs, "key required");
  bool recursive = c.Bool("recursive");
  bool forever = c.Bool("forever");
  Watcher w(client.get(), c.args()[0], static_cast<uint64_t>(c.Int("after-index")), recursive);
  ExitOnInterrupt();
  std::string format = c.GlobalString("output");
  for (bool stop = false; !stop;) {
    auto resp = w.Next();
    if (!resp.ok()) HandleError(c, kExitServerError, resp.error());
    if (resp->node && resp->node->dir) continue;
    if (recursive) {
      Out("[" + resp->action + "] " + (resp->node ? resp->node->key : "") + "\n");
    }
    PrintResponseKey(resp.value(), format);
    std::fflush(stdout);
    stop = !forever;
  }
  return kExitSuccess;
}

// exec.LookPath: names with a '/' are used as they are.
std::optional<std::string> LookPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  for (;;) {
    size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string::npos) return std::nullopt;
    start = colon + 1;
  }
}

// Starts the command in the background, as the Go version does from a
// goroutine; a thread reaps it.
void RunForEvent(const std::vector<std::string>& argv, const Response& resp) {
  auto path = LookPath(argv[0]);
  if (!path) {
    Err("exec: " + base::GoQuote(argv[0]) + ": executable file not found in $PATH");
    Exit(kExitBadArgs);
  }
  const Node empty;
  const Node& n = resp.node ? *resp.node : empty;
  std::vector<std::string> vars = {"ETCD_WATCH_ACTION=" + resp.action,
                                   "ETCD_WATCH_MODIFIED_INDEX=" + std::to_string(n.modified_index),
                                   "ETCD_WATCH_KEY=" + n.key, "ETCD_WATCH_VALUE=" + n.value};
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry = *e;
    if (entry.rfind("ETCD_WATCH_", 0) == 0) {
      std::string_view name = entry.substr(0, entry.find('='));
      if (name == "ETCD_WATCH_ACTION" || name == "ETCD_WATCH_MODIFIED_INDEX" ||
          name == "ETCD_WATCH_KEY" || name == "ETCD_WATCH_VALUE") {
        continue;
      }
    }
    env.emplace_back(entry);
  }
  env.insert(env.end(), vars.begin(), vars.end());
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  std::fflush(stdout);
  pid_t pid;
  int rc = posix_spawn(&pid, path->c_str(), nullptr, nullptr, cargv.data(), cenv.data());
  if (rc != 0) {
    Err("fork/exec " + *path + ": " + std::strerror(rc));
    Exit(kExitBadArgs);
  }
  std::thread([pid] {
    int status;
    ::waitpid(pid, &status, 0);
  }).detach();
}

int ExecWatchAction(Context& c) {
  auto client = MustNewClient(c);
  const auto& args = c.args();
  if (args.size() < 2) HandleError(c, kExitBadArgs, "key and command to exec required");
  bool found_sep = false;
  for (size_t i = 1; i < args.size(); ++i) found_sep = found_sep || args[i] == "--";
  std::string key;
  std::vector<std::string> cmd;
  if (found_sep) {
    // As in Go, the command is taken to start after args[1] ("--").
    key = args[0];
    cmd.assign(args.begin() + 2, args.end());
  } else {
    // Without flags urfave leaves "--" out and the key comes last.
    key = args.back();
    cmd.assign(args.begin(), args.end() - 1);
  }
  if (cmd.empty()) {
    Err("panic: runtime error: index out of range [0] with length 0\n");
    Exit(2);
  }
  ExitOnInterrupt();
  Watcher w(client.get(), key, static_cast<uint64_t>(c.Int("after-index")), c.Bool("recursive"));
  for (;;) {
    auto resp = w.Next();
    if (!resp.ok()) HandleError(c, kExitServerError, resp.error());
    if (resp->node && resp->node->dir) {
      Err("Ignored dir " + resp->node->key + " change\n");
      continue;
    }
    RunForEvent(cmd, resp.value());
  }
}

const FlagSpec kAfterIndexFlag{"after-index", FlagKind::kInt, "watch after the given index", "0"};

}  // namespace

Command WatchCommand() {
  Command c;
  c.name = "watch";
  c.usage = "watch a key for changes";
  c.args_usage = "<key>";
  c.flags = {{"forever, f", FlagKind::kBool, "forever watch a key until CTRL+C"},
             kAfterIndexFlag,
             {"recursive, r", FlagKind::kBool, "returns all values for key and child keys"}};
  c.action = WatchAction;
  return c;
}

Command ExecWatchCommand() {
  Command c;
  c.name = "exec-watch";
  c.usage = "watch a key for changes and exec an executable";
  c.args_usage = "<key> <command> [args...]";
  c.flags = {kAfterIndexFlag,
             {"recursive, r", FlagKind::kBool, "watch all values for key and child keys"}};
  c.action = ExecWatchAction;
  return c;
}

}  // namespace flotilla::cli::etcdctl

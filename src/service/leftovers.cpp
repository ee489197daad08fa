#include "service/leftovers.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <thread>

#include "service/proc.h"

namespace flotilla::service {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The value of `key` in a NUL-separated environment block, if set.
std::optional<std::string_view> EnvValue(std::string_view block, std::string_view key) {
  while (!block.empty()) {
    auto end = block.find('\0');
    std::string_view kv = block.substr(0, end);
    if (kv.size() > key.size() && kv.starts_with(key) && kv[key.size()] == '=')
      return kv.substr(key.size() + 1);
    if (end == std::string_view::npos) break;
    block.remove_prefix(end + 1);
  }
  return std::nullopt;
}

}  // namespace

std::vector<Leftover> FindLeftovers(std::string_view manager_id, const std::string& proc) {
  std::map<pid_t, ProcStat> all;
  std::map<pid_t, std::string> marked_sessions;  // session -> unit
  pid_t self = ::getpid(), own_session = ::getsid(0);
  for (pid_t pid : ListPids(proc)) {
    if (pid <= 1 || pid == self) continue;
    auto st = ReadProcStat(pid, proc);
    if (!st || st->session == own_session || st->state == 'Z' || st->state == 'X') continue;
    all[pid] = *st;
    std::string env = ReadAll(proc + "/" + std::to_string(pid) + "/environ");
    auto mark = EnvValue(env, kManagerEnv);
    if (!mark || *mark != manager_id) continue;
    auto unit = EnvValue(env, "FLOTILLA_UNIT");
    auto& known = marked_sessions[st->session];
    if (known.empty() && unit) known = std::string(*unit);
  }
  std::vector<Leftover> out;
  for (const auto& [pid, st] : all) {
    auto it = marked_sessions.find(st.session);
    if (it == marked_sessions.end()) continue;
    out.push_back({pid, st.session, it->second, st.comm});
  }
  return out;
}

void StopLeftovers(const std::vector<Leftover>& leftovers, std::chrono::milliseconds grace) {
  auto wait_gone = [&](std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      bool any = false;
      for (const auto& l : leftovers) any = any || ProcessLive(l.pid);
      if (!any || std::chrono::steady_clock::now() >= deadline) return !any;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling /proc; no event exists
    }
  };
  for (const auto& l : leftovers) {
    ::kill(l.pid, SIGTERM);
    ::kill(l.pid, SIGCONT);
  }
  if (wait_gone(grace)) return;
  for (const auto& l : leftovers) ::kill(l.pid, SIGKILL);
  wait_gone(std::chrono::seconds(5));
}

}  // namespace flotilla::service

#include "service/proc.h"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace flotilla::service {

std::optional<ProcStat> ReadProcStat(pid_t pid, const std::string& proc) {
  std::ifstream in(proc + "/" + std::to_string(pid) + "/stat", std::ios::binary);
  std::string s(std::istreambuf_iterator<char>(in), {});
  // comm may hold anything, ')' included: the fields after it count from
  // its last ')'.
  auto open = s.find('('), close = s.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  ProcStat st;
  st.comm = s.substr(open + 1, close - open - 1);
  int ppid, pgrp, session;
  if (std::sscanf(s.c_str() + close + 1, " %c %d %d %d", &st.state, &ppid, &pgrp, &session) != 4)
    return std::nullopt;
  st.ppid = ppid;
  st.pgrp = pgrp;
  st.session = session;
  return st;
}

bool ProcessLive(pid_t pid) {
  auto st = ReadProcStat(pid);
  return st && st->state != 'Z' && st->state != 'X';
}

std::vector<pid_t> ListPids(const std::string& proc) {
  std::vector<pid_t> out;
  DIR* dir = ::opendir(proc.c_str());
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    char* end;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end == '\0' && pid > 0) out.push_back(pid_t(pid));
  }
  ::closedir(dir);
  return out;
}

}  // namespace flotilla::service

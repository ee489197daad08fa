#include "cli/fleetctl/session.h"

#include <cstdio>

namespace flotilla::cli::fleetctl {

const Machine* Session::CachedMachine(const std::string& id) {
  if (!machines_) {
    machines_.emplace();
    auto all = api().Machines();
    if (all.ok()) {
      for (auto& m : *all) (*machines_)[m.id] = m;
    }
  }
  auto it = machines_->find(id);
  return it == machines_->end() ? nullptr : &it->second;
}

void WriteStdout(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void Stdout(std::string_view text) {
  WriteStdout(std::string(text) + "\n");
}

void Stderr(std::string_view text) {
  std::fflush(stdout);
  std::string s = std::string(text) + "\n";
  std::fwrite(s.data(), 1, s.size(), stderr);
  std::fflush(stderr);
}

std::string MachineIdLegend(const Machine& m, bool full) {
  if (full) return m.id;
  return m.id.substr(0, 8) + "...";
}

std::string MachineFullLegend(const Machine& m, bool full) {
  std::string legend = MachineIdLegend(m, full);
  if (!m.primary_ip.empty()) legend += "/" + m.primary_ip;
  return legend;
}

}  // namespace flotilla::cli::fleetctl

// Fuzzes fleet's reading of [X-Fleet] (src/fleet): the input's first line is
// a unit name, the rest a unit file. Nothing may crash: parsing, the API's
// validation, the globs, and placing the unit in a small cluster whose
// machines carry the metadata the unit asks for. Checked on the way: a glob
// is malformed for every name or for none (glob.h), and Place answers the
// same for the same input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fleet/glob.h"
#include "fleet/placement.h"
#include "fleet/requirements.h"
#include "unit/unit_file.h"

namespace {

using namespace flotilla::fleet;

std::string Describe(const Placement& p) {
  std::string out;
  for (const auto& d : p.decisions) out += d.job + d.machine.value + d.reason + "\n";
  for (const auto& u : p.unplaced) out += u.job + u.reason + "\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string name(in.substr(0, std::min(nl, size_t{300})));
  std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  (void)ValidateUnitName(name);
  auto unit = flotilla::unit::ParseUnitFile(body, "fuzz.service");
  if (!unit.ok()) return 0;
  Requirements r = ParseRequirements(*unit, name);
  (void)ValidateRequirements(r);

  for (const auto* globs : {&r.conflicts, &r.replaces}) {
    for (const auto& g : *globs) {
      bool bad = !GlobPatternError(g).ok();
      for (std::string_view n : {std::string_view(name), std::string_view("a.service"),
                                 std::string_view("x/y"), std::string_view()}) {
        auto m = PathMatch(g, n);
        if (m.ok() == bad) std::abort();  // malformed for some names only
      }
    }
  }

  // A cluster: one machine with the metadata asked for (first values), one
  // with the pinned id, one plain; the unit, a global twin, a peer.
  Machine wants{MachineId{"m-wants"}, {}};
  for (const auto& [k, vs] : r.metadata) wants.metadata[k] = *vs.begin();
  std::vector<Machine> machines = {wants, Machine{MachineId{"m-plain"}, {}}};
  if (r.machine_id) machines.push_back(Machine{MachineId{*r.machine_id}, {}});
  std::vector<Job> jobs;
  jobs.push_back(Job{name, r, JobState::kLaunched, std::nullopt});
  Requirements twin = r;
  twin.global = !twin.global;
  jobs.push_back(Job{name + "-twin.service", twin, JobState::kLoaded, MachineId{"m-plain"}});
  for (const auto& peer : r.machine_of) jobs.push_back(Job{peer, {}, JobState::kLaunched, {}});
  Placement p = Place(machines, jobs);
  if (Describe(p) != Describe(Place(machines, jobs))) std::abort();
  for (const auto& m : machines) (void)AgentDesiredUnits(m, jobs);
  return 0;
}

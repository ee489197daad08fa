// The command language of the placement transcripts (testdata/*.txt): a
// registry of machines and units held in memory, changed one command at a
// time, and Place (src/fleet/placement.h) run on demand with its decisions
// applied, as the engine would write them.
//
//   machine <id> [k=v ...]      a machine joins (or its metadata is replaced)
//   metadata <id> k=v [k= ...]  dynamic metadata: set k, or remove it with k=
//   kill <id>                   the machine goes away (its key expired)
//   unit <name> <state>         submit a unit with that desired state; the
//     <X-Fleet lines>           input lines are its [X-Fleet] section; the
//                               API's checks apply ("rejected: ...")
//   state <name> <state>        change a unit's desired state
//   target <name> <id|->        set (or clear) a unit's target directly
//   destroy <name>              remove a unit
//   place                       run Place, print and apply its decisions
//   schedule                    each machine's units as its agent sees them
//                               (AgentDesiredUnits), then the unscheduled
//   agent <id>                  AgentDesiredUnits of one machine, with states
#pragma once

#include <string>
#include <vector>

#include "fleet/job.h"

namespace flotilla::fleet::testing {

class ClusterEnv {
 public:
  // Runs one command; returns its output (lines ending in '\n', never empty).
  std::string Run(const std::string& command, const std::vector<std::string>& input);

 private:
  std::string Machine_(const std::vector<std::string>& args);
  std::string Metadata(const std::vector<std::string>& args);
  std::string Kill(const std::vector<std::string>& args);
  std::string Unit(const std::vector<std::string>& args, const std::vector<std::string>& input);
  std::string State(const std::vector<std::string>& args);
  std::string Target(const std::vector<std::string>& args);
  std::string Destroy(const std::vector<std::string>& args);
  std::string Place_();
  std::string Schedule();
  std::string Agent(const std::vector<std::string>& args);

  Machine* FindMachine(const std::string& id);
  Job* FindJob(const std::string& name);

  std::vector<Machine> machines_;  // in the order they joined
  std::vector<Job> jobs_;          // in the order submitted
};

}  // namespace flotilla::fleet::testing

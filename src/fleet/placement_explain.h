// Why a job could not be placed: the reason Place (placement.h) reports for
// each job it leaves without a machine. Internal to placement.cpp, in its
// own file because wording a reason is a different concern from deciding.
//
// The reason names the requirement that fails first, in this order: no
// machines at all; a circular Replaces partner already scheduled; a
// MachineID no machine has; MachineMetadata no machine has; a MachineOf
// peer scheduled nowhere ("waiting for MachineOf peer p" while p is itself
// waiting for a machine, "MachineOf peer p is not scheduled" otherwise); and
// then what each remaining machine says (AbleToRun), folded when they agree:
// "conflicts with a.service on every machine".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleet/agent_state.h"

namespace flotilla::fleet {

// The in-memory cluster of a Place call, as the explanation reads it.
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  virtual const std::vector<const Machine*>& machines() const = 0;  // by id
  virtual const AgentState& View(size_t machine_index) = 0;
  virtual const Job* FindJob(std::string_view name) const = 0;
  // A scheduled job that `job` and that replace each other, and its machine.
  virtual std::optional<std::pair<std::string, MachineId>> CircularPartner(
      const Job& job) const = 0;
};

std::string ExplainUnplaced(ClusterView& cluster, const Job& job);

}  // namespace flotilla::fleet

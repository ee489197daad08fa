// Test helper: a Job from its name and [X-Fleet] lines.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "fleet/job.h"
#include "fleet/requirements.h"
#include "unit/unit_file.h"

namespace flotilla::fleet {

inline Job MakeJob(const std::string& name, const std::string& xfleet = "",
                   JobState desired = JobState::kLaunched, std::optional<std::string> target = {}) {
  auto unit = unit::ParseUnitFile("[X-Fleet]\n" + xfleet, name);
  EXPECT_TRUE(unit.ok()) << unit.status().message();
  Job j{name, ParseRequirements(*unit, name), desired, std::nullopt};
  if (target) j.target = MachineId{*target};
  return j;
}

}  // namespace flotilla::fleet

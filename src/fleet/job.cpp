#include "fleet/job.h"

#include "base/go_strconv.h"

namespace flotilla::fleet {

const char* JobStateName(JobState s) {
  switch (s) {
    case JobState::kInactive:
      return "inactive";
    case JobState::kLoaded:
      return "loaded";
    case JobState::kLaunched:
      return "launched";
  }
  return "inactive";
}

base::Result<JobState> ParseJobState(std::string_view s) {
  if (s == "inactive") return JobState::kInactive;
  if (s == "loaded") return JobState::kLoaded;
  if (s == "launched") return JobState::kLaunched;
  return base::Status(base::Code::kInvalidArgument,
                      "invalid value " + base::GoQuote(s) + " for JobState");
}

}  // namespace flotilla::fleet

// FileText: a file's whole content, or "" when it cannot be read (so a
// test comparing it fails with a readable message instead of crashing).
#pragma once

#include <string>

#include "base/fs.h"

namespace flotilla::testing {

inline std::string FileText(const std::string& path) {
  auto text = base::RealFs().ReadFile(path);
  return text.ok() ? *text : std::string();
}

}  // namespace flotilla::testing

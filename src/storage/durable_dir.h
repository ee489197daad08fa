// CreateDirsDurably: mkdir -p whose result survives a crash.
//
// Creating a directory changes its parent's entries, which are durable only
// after an fsync of the parent. This creates the missing part of `dir` and
// syncs the parent of every directory it created. Thread-compatible.
#pragma once

#include <string>

#include "base/fs.h"
#include "base/status.h"

namespace flotilla::storage {

base::Status CreateDirsDurably(base::Fs& fs, const std::string& dir);

}  // namespace flotilla::storage

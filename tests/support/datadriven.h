// Transcript files (testdata/*.txt) in the format of etcd's datadriven
// package, as etcd-io/raft's tests use it, with optional input lines:
//
//   # comments and blank lines between blocks are kept as they are
//   command arg key=value
//   input line (optional, any number: e.g. a fleet unit's [X-Fleet] lines)
//   ----
//   expected output, one or more lines
//   (a blank line or the end of the file ends the block)
//
// An output never contains a blank line. A block whose output is still
// empty ("----" followed by a blank line) is how a new command is written
// before its output is generated. transcript.h runs a directory of them
// as a parameterized test.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace flotilla::testing {

struct TranscriptBlock {
  int line = 0;  // 1-based line of the command
  std::string command;
  std::vector<std::string> input;
  std::string expected;  // lines each ending in '\n'
  // [begin, end) of the expected output in Transcript::lines.
  size_t out_begin = 0;
  size_t out_end = 0;
};

struct Transcript {
  std::vector<std::string> lines;
  std::vector<TranscriptBlock> blocks;
};

base::Result<Transcript> ParseTranscript(const std::string& text);
// The file again, with each block's output replaced by `actual[i]`.
std::string RewriteTranscript(const Transcript& t, const std::vector<std::string>& actual);
// A line diff of two outputs: " " common, "-" expected only, "+" actual only.
std::string LineDiff(const std::string& expected, const std::string& actual);

}  // namespace flotilla::testing

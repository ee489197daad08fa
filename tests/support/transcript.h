// Transcript tests: every testdata/*.txt of a directory is a script of
// commands with the output they must print (datadriven.h). A test binary
// instantiates them with FLOTILLA_TRANSCRIPT_TESTS and checks each file
// with CheckTranscript, giving how one block's command runs.
//
// After a deliberate change of behaviour or of the output format, the
// golden output is regenerated with FLOTILLA_REWRITE=1 in the environment,
// which writes each file back with the actual output (the test passes).
// Read the diff before keeping it: a transcript is only as good as the
// scrutiny its output got.
//
// Header-only: it uses GoogleTest, which the support library does not link.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "datadriven.h"

namespace flotilla::testing {

// The *.txt files of `dir`, sorted.
inline std::vector<std::string> TranscriptFiles(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".txt") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string TranscriptTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// Runs every block of the transcript at `path` through `run` (a fresh
// environment per file is the caller's) and compares with the golden
// output; the first difference is shown as a line diff, later ones by line.
inline void CheckTranscript(const std::filesystem::path& path,
                            const std::function<std::string(const TranscriptBlock&)>& run) {
  const char* rewrite_env = std::getenv("FLOTILLA_REWRITE");
  bool rewrite = rewrite_env != nullptr && std::string(rewrite_env) == "1";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  auto script = ParseTranscript(text.str());
  ASSERT_TRUE(script.ok()) << path.string() << ": " << script.status().message();

  std::vector<std::string> actual;
  size_t mismatches = 0;
  std::string later;  // lines of the mismatches after the first
  for (const auto& block : script->blocks) {
    actual.push_back(run(block));
    if (actual.back() == block.expected) continue;
    // Later blocks run on regardless: their state does not depend on the
    // expected text, and a rewrite needs every output.
    if (++mismatches > 1) later += " " + std::to_string(block.line);
    if (mismatches == 1 && !rewrite) {
      ADD_FAILURE_AT(path.c_str(), block.line)
          << "output of `" << block.command << "` differs (- expected, + actual):\n"
          << LineDiff(block.expected, actual.back())
          << "(FLOTILLA_REWRITE=1 regenerates the golden output; see transcript.h)";
    }
  }
  if (mismatches == 0) return;
  if (rewrite) {
    std::ofstream(path) << RewriteTranscript(*script, actual);
    std::printf("rewrote %s (%zu blocks changed)\n", path.c_str(), mismatches);
  } else if (mismatches > 1) {
    ADD_FAILURE() << path.string() << ": " << mismatches - 1 << " later blocks differ too, at lines"
                  << later;
  }
}

}  // namespace flotilla::testing

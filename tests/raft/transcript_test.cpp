// Transcript tests: each tests/raft/testdata/*.txt is a script of
// InteractionEnv commands (interaction.h) with the output they must print,
// in the format of etcd-io/raft's datadriven interaction tests
// (datadriven.h). A transcript pins a whole interaction, message by
// message, and opens with the paper section or behaviour it is about.
//
// After a deliberate change of behaviour or of the output format, the
// golden output is regenerated with
//
//   FLOTILLA_REWRITE=1 ./flotilla_raft_test --gtest_filter='Raft/Transcript*'
//
// which writes each file back with the actual output (the test passes).
// Read the diff before keeping it: a transcript is only as good as the
// scrutiny its output got.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "datadriven.h"
#include "interaction.h"

namespace flotilla::raft::testing {
namespace {

namespace fs = std::filesystem;

fs::path TestdataDir() {
  return fs::path(FLOTILLA_SOURCE_DIR) / "tests" / "raft" / "testdata";
}

std::vector<std::string> TranscriptFiles() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(TestdataDir(), ec)) {
    if (e.path().extension() == ".txt") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Rewrite() {
  const char* v = std::getenv("FLOTILLA_REWRITE");
  return v != nullptr && std::string(v) == "1";
}

class TranscriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptTest, matchesGoldenOutput) {
  fs::path path = TestdataDir() / GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  auto script = ParseTranscript(text.str());
  ASSERT_TRUE(script.ok()) << path.string() << ": " << script.status().message();

  InteractionEnv env;
  std::vector<std::string> actual;
  size_t mismatches = 0;
  std::string later;  // lines of the mismatches after the first
  for (const auto& block : script->blocks) {
    auto cmd = ParseCommand(block.command);
    actual.push_back(cmd.ok() ? env.Run(*cmd) : "error: " + cmd.status().message() + "\n");
    if (actual.back() == block.expected) continue;
    // Later blocks run on regardless: their state does not depend on the
    // expected text, and a rewrite needs every output.
    if (++mismatches > 1) later += " " + std::to_string(block.line);
    if (mismatches == 1 && !Rewrite()) {
      ADD_FAILURE_AT(path.c_str(), block.line)
          << "output of `" << block.command << "` differs (- expected, + actual):\n"
          << LineDiff(block.expected, actual.back())
          << "(FLOTILLA_REWRITE=1 regenerates the golden output; see transcript_test.cpp)";
    }
  }
  if (mismatches == 0) return;
  if (Rewrite()) {
    std::ofstream(path) << RewriteTranscript(*script, actual);
    std::printf("rewrote %s (%zu blocks changed)\n", path.c_str(), mismatches);
  } else if (mismatches > 1) {
    ADD_FAILURE() << path.string() << ": " << mismatches - 1 << " later blocks differ too, at lines"
                  << later;
  }
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Raft, TranscriptTest, ::testing::ValuesIn(TranscriptFiles()), TestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TranscriptTest);

TEST(TranscriptFiles, testdataHasTranscripts) {
  EXPECT_FALSE(TranscriptFiles().empty()) << "no *.txt in " << TestdataDir();
}

}  // namespace
}  // namespace flotilla::raft::testing

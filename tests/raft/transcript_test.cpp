// Transcript tests: each tests/raft/testdata/*.txt is a script of
// InteractionEnv commands (interaction.h) with the output they must print,
// in the format of etcd-io/raft's datadriven interaction tests
// (tests/support/datadriven.h, run by transcript.h). A transcript pins a whole interaction, message
// by message, and opens with the paper section or behaviour it is about.
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

#include <filesystem>

#include "interaction.h"
#include "transcript.h"

namespace flotilla::raft::testing {
namespace {

namespace fs = std::filesystem;
using flotilla::testing::TranscriptBlock;

fs::path TestdataDir() {
  return fs::path(FLOTILLA_SOURCE_DIR) / "tests" / "raft" / "testdata";
}

class TranscriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptTest, matchesGoldenOutput) {
  InteractionEnv env;
  flotilla::testing::CheckTranscript(TestdataDir() / GetParam(), [&](const TranscriptBlock& block) {
    auto cmd = ParseCommand(block.command);
    return cmd.ok() ? env.Run(*cmd) : "error: " + cmd.status().message() + "\n";
  });
}

INSTANTIATE_TEST_SUITE_P(Raft, TranscriptTest,
                         ::testing::ValuesIn(flotilla::testing::TranscriptFiles(TestdataDir())),
                         flotilla::testing::TranscriptTestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TranscriptTest);

TEST(TranscriptFiles, testdataHasTranscripts) {
  EXPECT_FALSE(flotilla::testing::TranscriptFiles(TestdataDir()).empty())
      << "no *.txt in " << TestdataDir();
}

}  // namespace
}  // namespace flotilla::raft::testing

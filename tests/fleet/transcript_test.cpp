// Transcript tests of the placement function: each
// tests/fleet/testdata/*.txt is a script of ClusterEnv commands
// (cluster_env.h) with the output they must print (tests/support/datadriven.h, run by
// transcript.h). A transcript pins a whole scenario, decision by decision, and opens with the fleet
// behaviour (functional test, issue or fleet.md section) it is about.
//
// After a deliberate change of behaviour or of the output format, the
// golden output is regenerated with
//
//   FLOTILLA_REWRITE=1 ./flotilla_fleet_test --gtest_filter='Fleet/Transcript*'
//
// which writes each file back with the actual output (the test passes).
// Read the diff before keeping it: a transcript is only as good as the
// scrutiny its output got.
#include <gtest/gtest.h>

#include <filesystem>

#include "cluster_env.h"
#include "transcript.h"

namespace flotilla::fleet::testing {
namespace {

namespace fs = std::filesystem;
using flotilla::testing::TranscriptBlock;

fs::path TestdataDir() {
  return fs::path(FLOTILLA_SOURCE_DIR) / "tests" / "fleet" / "testdata";
}

class TranscriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptTest, matchesGoldenOutput) {
  ClusterEnv env;
  flotilla::testing::CheckTranscript(TestdataDir() / GetParam(), [&](const TranscriptBlock& block) {
    return env.Run(block.command, block.input);
  });
}

INSTANTIATE_TEST_SUITE_P(Fleet, TranscriptTest,
                         ::testing::ValuesIn(flotilla::testing::TranscriptFiles(TestdataDir())),
                         flotilla::testing::TranscriptTestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TranscriptTest);

TEST(TranscriptFiles, testdataHasTranscripts) {
  EXPECT_FALSE(flotilla::testing::TranscriptFiles(TestdataDir()).empty())
      << "no *.txt in " << TestdataDir();
}

}  // namespace
}  // namespace flotilla::fleet::testing

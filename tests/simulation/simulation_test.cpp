// The simulation suite: whole raft clusters under a harsh, seeded network,
// crashing disks, membership changes and leader transfers, checked for
// safety after every simulated millisecond, for liveness once the faults
// stop, and for linearizability of what the clients saw (docs/testing.md).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "simulation.h"

namespace flotilla::sim {
namespace {

// Sanitizer builds (Debug, ASan + UBSan) are ~20x slower: shorter runs there
// keep the 300 seeds within a few minutes.
#if defined(__SANITIZE_ADDRESS__)
constexpr SimTime kChaos = 4000;
#else
constexpr SimTime kChaos = 8000;
#endif
constexpr uint64_t kSeeds = 300;

Options SuiteOptions(uint64_t seed) {
  Options o;
  o.seed = seed;
  o.chaos = kChaos;
  return o;
}

std::string FilterFor(uint64_t seed) {
  return "flotilla_simulation_test --gtest_filter='Seeds/SimulationSeed.*/seed_" +
         std::to_string(seed) + "'";
}

class SimulationSeed : public ::testing::TestWithParam<uint64_t> {};

TEST_P(SimulationSeed, StaysSafeLiveAndLinearizable) {
  Report r = Simulate(SuiteOptions(GetParam()));
  ASSERT_TRUE(r.ok) << r.FailureMessage() << "  or rerun this test: " << FilterFor(r.seed);
  EXPECT_GT(r.committed, 0u);
  EXPECT_GE(r.liveness, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SimulationSeed, ::testing::Range<uint64_t>(1, kSeeds + 1),
                         [](const ::testing::TestParamInfo<uint64_t>& info) {
                           return "seed_" + std::to_string(info.param);
                         });

TEST(Simulation, SameSeedReplaysExactly) {
  Options o = SuiteOptions(7);
  Report a = Simulate(o);
  Report b = Simulate(o);
  EXPECT_EQ(a.Summary(), b.Summary());
}

TEST(Simulation, DifferentSeedsDiffer) {
  EXPECT_NE(Simulate(SuiteOptions(1)).Summary(), Simulate(SuiteOptions(2)).Summary());
}

}  // namespace
}  // namespace flotilla::sim

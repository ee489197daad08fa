// Rng: the simulation's only source of randomness. One instance, seeded from
// the seed under test, drives every choice (delays, losses, faults, client
// ops, the members' election timeouts), so a seed replays exactly.
#pragma once

#include <cstdint>
#include <vector>

#include "raft/rand.h"

namespace flotilla::sim {

// Simulated time in milliseconds since the start of a run.
using SimTime = int64_t;

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}

  uint64_t Next() { return gen_.Next(); }
  // Uniform in [0, n); 0 when n == 0.
  uint64_t Below(uint64_t n) { return gen_.Below(n); }
  // Uniform in [lo, hi], inclusive.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return p > 0 && Unit() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }

 private:
  raft::SplitMix64 gen_;
};

}  // namespace flotilla::sim

// The load generator of bench/kv: closed-loop HTTP clients, bounded in
// requests and time, against one URL.
#pragma once

#include <cstdint>
#include <string>

namespace flotilla::bench {

struct Result {
  double ops_per_sec = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t errors = 0;
};

// Runs `clients` threads for `seconds` (at most `max_requests` in all), each
// PUTting 256-byte values (write) or GETting keys /bench/k<0..key_space>,
// with `query` appended to every target (e.g. "?quorum=true").
Result Load(const std::string& url, int clients, double seconds, bool write, int64_t max_requests,
            int key_space, const std::string& query = "");

// Both sides of a cluster benchmark (cluster.cpp): writes to the leader,
// linearizable reads, and time to a new leader after SIGKILL.
int RunCluster(int members, double seconds);

}  // namespace flotilla::bench

// Recorded etcd v2 client operations over HTTP, for process tests that check
// what their clients observed with CheckLinearizability().
//
// RunRecordedOp() sends one Operation to a member (a get is a quorum=true
// read) and records it in a HistoryRecorder: Call() just before the request,
// then its result. A timeout, a dropped connection or a 5xx answer (no
// leader, request timed out) leaves the outcome unknown (Lost): the write may
// still take effect.
//
// RecordingClients runs concurrent clients, each issuing a random mix of
// get, set, create, compare-and-swap and delete on a few keys through a
// random member per operation, one operation at a time, until told to stop
// or out of operations or time.
//
// Thread-safe as HistoryRecorder is. A RecordingClients object belongs to
// the thread that made it; its clients are its own threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "history_recorder.h"
#include "linearizability.h"

namespace flotilla::testing::lin {

// What the client learned of a recorded operation (a get that answered,
// found or not, succeeded).
enum class Outcome { kSucceeded, kFailed, kUnknown };

// etcd's errorCode in an error body (0 when it has none).
int64_t EtcdErrorCode(const std::string& body);

// Sends `op` to the member at `url`, recording it in `rec`.
Outcome RunRecordedOp(HistoryRecorder& rec, const std::string& url, Operation op,
                      std::chrono::milliseconds timeout = std::chrono::seconds(3));

struct ClientMix {
  int clients = 4;
  std::vector<std::string> keys = {"a", "b", "c"};
  int max_ops = 400;                                 // per client
  std::chrono::milliseconds max_time{60'000};        // per client
  std::chrono::milliseconds timeout{3000};           // per operation
  std::chrono::milliseconds pause_after_unknown{0};  // before the next operation
  uint32_t seed = 1000;                              // client c draws from seed + c
};

// Client `client`'s n-th operation of the mix: 40% get, 20% set, 10% create,
// 20% compare-and-swap (against a value some client may have written
// recently), 10% delete. Values are unique: "c<client>-<n>".
Operation RandomOperation(std::mt19937& rng, int client, int n, const ClientMix& mix);

class RecordingClients {
 public:
  // Starts mix.clients clients (ids 0..clients-1) against `urls`.
  RecordingClients(HistoryRecorder& rec, std::vector<std::string> urls, ClientMix mix = {});
  ~RecordingClients();  // Stop()
  RecordingClients(const RecordingClients&) = delete;
  RecordingClients& operator=(const RecordingClients&) = delete;

  // Lets each client finish its operation in flight, then joins them.
  void Stop();
  // Operations so far whose outcome a client learned.
  int64_t known() const { return known_; }

 private:
  void Run(int client);

  HistoryRecorder& rec_;
  const std::vector<std::string> urls_;
  const ClientMix mix_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> known_{0};
  std::vector<std::thread> threads_;
};

}  // namespace flotilla::testing::lin

// Concurrent clients against a 3-member cluster of real processes while the
// leader is killed with SIGKILL and restarted, twice: the history every
// client observed must be linearizable (tests/support/linearizability.h),
// which also means no acknowledged write was lost (the final quorum reads
// are part of the history).
#include <gtest/gtest.h>

#include <thread>

#include "cluster_process.h"
#include "history_http.h"
#include "linearizability.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;
namespace lin = testing::lin;

TEST(ClusterHistory, leaderKilledTwice_historyIsLinearizable) {
  auto members = testing::StartCluster(3);
  ASSERT_TRUE(members);
  lin::HistoryRecorder rec;
  std::vector<std::string> urls;
  for (const auto& m : *members) urls.push_back(m.url);
  lin::RecordingClients clients(rec, urls);
  for (int round = 0; round < 2; ++round) {
    std::this_thread::sleep_for(700ms);
    int leader = testing::WaitForLeader(*members, 20s);
    ASSERT_GE(leader, 0);
    (*members)[leader].process.Kill();
    std::this_thread::sleep_for(1500ms);
    ASSERT_TRUE(testing::RestartMember((*members)[leader], false));
  }
  std::this_thread::sleep_for(700ms);
  clients.Stop();
  // Final reads through a member that has a leader again.
  ASSERT_GE(testing::WaitForLeader(*members, 20s), 0);
  for (const char* key : {"a", "b", "c"}) {
    lin::Operation op;
    op.client = 99;
    op.key = key;
    lin::RunRecordedOp(rec, (*members)[0].url, op);
  }
  auto history = rec.History();
  size_t known = 0;
  for (const auto& op : history) known += op.ret != lin::kUnknown;
  EXPECT_GT(known, 200u) << "too few operations completed to mean anything";
  auto result = lin::CheckLinearizability(history);
  EXPECT_EQ(result.verdict, lin::Verdict::kOk) << result.explanation;
}

}  // namespace
}  // namespace flotilla

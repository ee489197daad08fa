// Text forms of the raft core's values for the transcript tests, after
// etcd-io/raft's DescribeMessage/DescribeReady, so a transcript reads like
// etcd's testdata:
//
//   1->2 MsgApp Term:1 Log:1/3 Commit:3 Entries:[1/4 EntryNormal "foo"]
//   2->1 MsgAppResp Term:1 Log:0/4
//   1/1 EntryConfChange v1          (v: add voter, l: add learner, r: remove)
//
// Entries print as term/index; "Log:t/i" is a message's log_term/index.
// Every function is pure; the text is part of the golden files, so changing
// it means regenerating them (FLOTILLA_REWRITE=1, see transcript_test.cpp).
#pragma once

#include <string>
#include <vector>

#include "raft/raw_node.h"

namespace flotilla::raft::testing {

const char* StateName(Role r);  // "StateLeader"
const char* ProposeErrorName(ProposeError e);

std::string DescribeEntry(const Entry& e);
std::string DescribeEntries(const std::vector<Entry>& entries);  // "[a, b]"
std::string DescribeConfChange(const ConfChange& cc);            // "v4", "l4", "r4"
std::string DescribeConfState(const ConfState& cs);              // "Voters:[1 2] Learners:[]"
std::string DescribeSnapshotMeta(const SnapshotMeta& meta);
std::string DescribeHardState(const HardState& hs);
std::string DescribeSoftState(const SoftState& ss);
std::string DescribeMessage(const Message& m);
std::string DescribeProgress(const Progress& pr);
// Several lines, each ending in '\n'; "<empty Ready>" when nothing is set.
std::string DescribeReady(const Ready& rd);

}  // namespace flotilla::raft::testing

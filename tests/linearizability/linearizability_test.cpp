// Hand-written histories with a known answer. Times are small integers; an
// operation is outstanding over [call, ret], ret = kUnknown if the client never
// learned its outcome.
#include <gtest/gtest.h>

#include "history_builders.h"
#include "linearizability.h"

namespace flotilla::testing::lin {
namespace {

using namespace build;

constexpr int64_t kLost = kUnknown;

Verdict Check(const std::vector<Operation>& h) {
  return CheckLinearizability(h).verdict;
}

TEST(Linearizability, EmptyHistoryIsOk) {
  EXPECT_EQ(Check({}), Verdict::kOk);
}

TEST(Linearizability, SequentialHistoryFollowingTheModelIsOk) {
  EXPECT_EQ(Check({
                Get(1, "k", std::nullopt, 1, 2),
                Update(1, "k", "u", false, 3, 4),
                Delete(1, "k", false, 5, 6),
                Create(1, "k", "a", true, 7, 8),
                Create(2, "k", "b", false, 9, 10),
                Get(2, "k", "a", 11, 12),
                Cas(1, "k", "a", "b", true, 13, 14),
                Cas(2, "k", "a", "c", false, 15, 16, Failure::kCompareFailed),
                Update(2, "k", "c", true, 17, 18),
                Cad(1, "k", "b", false, 19, 20),
                Cad(1, "k", "c", true, 21, 22),
                Cas(2, "k", "c", "d", false, 23, 24, Failure::kKeyNotFound),
                Set(1, "k", "e", 25, 26),
                Delete(2, "k", true, 27, 28),
                Get(1, "k", std::nullopt, 29, 30),
            }),
            Verdict::kOk);
}

TEST(Linearizability, StaleReadAfterCompletedWriteIsIllegal) {
  CheckResult r = CheckLinearizability({
      Set(1, "x", "1", 1, 2),
      Set(1, "x", "2", 3, 4),
      Get(2, "x", "1", 5, 6),
  });
  ASSERT_EQ(r.verdict, Verdict::kIllegal);
  EXPECT_EQ(r.key, "x");
  ASSERT_EQ(r.prefix.size(), 2u);
  EXPECT_EQ(r.prefix[1].value, "2");
  ASSERT_EQ(r.stuck.size(), 1u);
  EXPECT_EQ(r.stuck[0].kind, Kind::kGet);
  EXPECT_NE(r.explanation.find("read \"1\" but the key holds \"2\""), std::string::npos)
      << r.explanation;
}

TEST(Linearizability, ReadOfValueNeverWrittenIsIllegal) {
  EXPECT_EQ(Check({Set(1, "x", "1", 1, 2), Get(2, "x", "zzz", 0, 9)}), Verdict::kIllegal);
  EXPECT_EQ(Check({Get(2, "x", "1", 1, 2)}), Verdict::kIllegal);
}

TEST(Linearizability, ReadOverlappingWriteMaySeeEitherValue) {
  std::vector<Operation> base = {Set(1, "x", "old", 1, 2), Set(1, "x", "new", 5, 10)};
  auto with = [&](std::vector<Operation> reads) {
    std::vector<Operation> h = base;
    h.insert(h.end(), reads.begin(), reads.end());
    return Check(h);
  };
  EXPECT_EQ(with({Get(2, "x", "old", 6, 7)}), Verdict::kOk);
  EXPECT_EQ(with({Get(2, "x", "new", 6, 7)}), Verdict::kOk);
  EXPECT_EQ(with({Get(2, "x", "old", 6, 7), Get(3, "x", "new", 8, 9)}), Verdict::kOk);
  // Once a read saw the new value, a later read may not see the old one.
  EXPECT_EQ(with({Get(2, "x", "new", 6, 7), Get(3, "x", "old", 8, 9)}), Verdict::kIllegal);
}

TEST(Linearizability, OverlappingWritesMayApplyInEitherOrder) {
  std::vector<Operation> writes = {Set(1, "x", "a", 1, 10), Set(2, "x", "b", 2, 9)};
  for (const char* v : {"a", "b"}) {
    std::vector<Operation> h = writes;
    h.push_back(Get(3, "x", v, 11, 12));
    EXPECT_EQ(Check(h), Verdict::kOk) << v;
  }
  std::vector<Operation> flip = writes;
  flip.push_back(Get(3, "x", "a", 11, 12));
  flip.push_back(Get(3, "x", "b", 13, 14));
  EXPECT_EQ(Check(flip), Verdict::kIllegal);
}

TEST(Linearizability, TwoCasFromSamePrevBothSucceedingIsIllegal) {
  std::vector<Operation> h = {Set(1, "x", "0", 1, 2), Cas(1, "x", "0", "a", true, 3, 8),
                              Cas(2, "x", "0", "b", true, 4, 9)};
  EXPECT_EQ(Check(h), Verdict::kIllegal);
}

TEST(Linearizability, CasRaceWithOneWinnerIsOk) {
  EXPECT_EQ(Check({Set(1, "x", "0", 1, 2), Cas(1, "x", "0", "a", true, 3, 8),
                   Cas(2, "x", "0", "b", false, 4, 9, Failure::kCompareFailed),
                   Get(3, "x", "a", 10, 11)}),
            Verdict::kOk);
  // The loser saw the winner's value, so the key existed: not "key not found".
  EXPECT_EQ(Check({Set(1, "x", "0", 1, 2), Cas(1, "x", "0", "a", true, 3, 8),
                   Cas(2, "x", "0", "b", false, 4, 9, Failure::kKeyNotFound)}),
            Verdict::kIllegal);
}

TEST(Linearizability, CreateTwiceBothOkIsIllegal) {
  EXPECT_EQ(Check({Create(1, "x", "a", true, 1, 5), Create(2, "x", "b", true, 2, 6)}),
            Verdict::kIllegal);
  EXPECT_EQ(Check({Create(1, "x", "a", true, 1, 5), Create(2, "x", "b", false, 2, 6),
                   Get(3, "x", "a", 7, 8)}),
            Verdict::kOk);
  // A delete in between makes room for the second create.
  EXPECT_EQ(Check({Create(1, "x", "a", true, 1, 5), Delete(3, "x", true, 2, 7),
                   Create(2, "x", "b", true, 3, 8)}),
            Verdict::kOk);
}

TEST(Linearizability, LostWriteMayOrMayNotHaveHappened) {
  Operation lost = Set(1, "x", "1", 3, kLost);
  EXPECT_EQ(Check({lost, Get(2, "x", "1", 10, 11)}), Verdict::kOk);
  EXPECT_EQ(Check({lost, Get(2, "x", std::nullopt, 10, 11)}), Verdict::kOk);
  // It may take effect long after its client gave up on it.
  EXPECT_EQ(Check({lost, Get(2, "x", std::nullopt, 10, 11), Get(2, "x", "1", 90, 91)}),
            Verdict::kOk);
}

TEST(Linearizability, LostWriteSeenThenUnseenWithoutOtherWriterIsIllegal) {
  EXPECT_EQ(
      Check({Set(1, "x", "1", 3, kLost), Get(2, "x", "1", 5, 6), Get(2, "x", std::nullopt, 7, 8)}),
      Verdict::kIllegal);
  // A lost delete can explain it.
  EXPECT_EQ(Check({Set(1, "x", "1", 3, kLost), Get(2, "x", "1", 5, 6),
                   Delete(3, "x", true, 4, kLost), Get(2, "x", std::nullopt, 7, 8)}),
            Verdict::kOk);
}

TEST(Linearizability, LostWriteCannotTakeEffectBeforeItsCall) {
  EXPECT_EQ(Check({Get(2, "x", "1", 1, 2), Set(1, "x", "1", 3, kLost)}), Verdict::kIllegal);
}

TEST(Linearizability, LostCasAppliesOnlyIfTheCompareHolds) {
  std::vector<Operation> h = {Set(1, "x", "0", 1, 2), Cas(1, "x", "9", "a", false, 3, kLost),
                              Get(2, "x", "a", 5, 6)};
  EXPECT_EQ(Check(h), Verdict::kIllegal);
  h[1].prev_value = "0";
  EXPECT_EQ(Check(h), Verdict::kOk);
}

TEST(Linearizability, ReadWithUnknownOutcomeIsIgnored) {
  EXPECT_EQ(Check({Set(1, "x", "1", 1, 2), Get(2, "x", "garbage", 3, kLost)}), Verdict::kOk);
}

TEST(Linearizability, EqualTimestampsCountAsOverlapping) {
  EXPECT_EQ(Check({Set(1, "x", "1", 1, 5), Get(2, "x", std::nullopt, 5, 6)}), Verdict::kOk);
  EXPECT_EQ(Check({Set(1, "x", "1", 1, 5), Get(2, "x", std::nullopt, 6, 7)}), Verdict::kIllegal);
}

TEST(Linearizability, KeysAreCheckedIndependently) {
  // Each key's history is fine on its own, which is all linearizability asks
  // (locality, Herlihy & Wing 1990); an illegal key is reported by name.
  EXPECT_EQ(Check({Set(1, "a", "1", 1, 10), Set(2, "b", "1", 1, 10),
                   Get(1, "b", std::nullopt, 2, 3), Get(2, "a", std::nullopt, 2, 3)}),
            Verdict::kOk);
  CheckResult r = CheckLinearizability({
      Set(1, "a", "1", 1, 2),
      Get(2, "a", "1", 3, 4),
      Set(1, "b", "1", 1, 2),
      Get(2, "b", "2", 3, 4),
  });
  EXPECT_EQ(r.verdict, Verdict::kIllegal);
  EXPECT_EQ(r.key, "b");
  for (const Operation& op : r.prefix) EXPECT_EQ(op.key, "b");
}

TEST(Linearizability, MalformedHistoryIsUnknown) {
  CheckResult r = CheckLinearizability({Write(1, Kind::kSet, "x", "1", "", false, 1, 2)});
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.explanation.find("a set cannot fail"), std::string::npos) << r.explanation;
  EXPECT_EQ(Check({Get(1, "x", std::nullopt, 5, 4)}), Verdict::kUnknown);
  EXPECT_EQ(Check({Write(1, Kind::kCreate, "x", "1", "", false, 1, 2, Failure::kKeyNotFound)}),
            Verdict::kUnknown);
}

TEST(Linearizability, ExhaustedStepBudgetIsUnknownNotAGuess) {
  std::vector<Operation> h;
  for (int i = 0; i < 20; ++i) h.push_back(Set(i, "x", std::to_string(i), 1, 100));
  h.push_back(Get(0, "x", "nope", 101, 102));
  CheckResult r = CheckLinearizability(h, {.max_steps_per_key = 1000});
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.key, "x");
  EXPECT_NE(r.explanation.find("gave up after 1000"), std::string::npos) << r.explanation;
}

TEST(Linearizability, IllegalKeyWinsOverUnknownKey) {
  std::vector<Operation> h;
  for (int i = 0; i < 20; ++i) h.push_back(Set(i, "a", std::to_string(i), 1, 100));
  h.push_back(Get(0, "a", "nope", 101, 102));
  h.push_back(Get(0, "b", "never", 1, 2));
  CheckResult r = CheckLinearizability(h, {.max_steps_per_key = 1000});
  EXPECT_EQ(r.verdict, Verdict::kIllegal);
  EXPECT_EQ(r.key, "b");
}

TEST(Linearizability, DescribeNamesClientCallResultAndInterval) {
  EXPECT_EQ(Describe(Cas(2, "k", "a", "b", false, 14, 19, Failure::kCompareFailed)),
            "c2 cas(\"k\", prev=\"a\", value=\"b\") -> compare failed [14, 19]");
  EXPECT_EQ(Describe(Get(1, "k", std::nullopt, 3, 8)), "c1 get(\"k\") -> not found [3, 8]");
  EXPECT_EQ(Describe(Set(0, "k", "v\n", 3, kLost)), "c0 set(\"k\", \"v\\x0a\") -> unknown [3, ?]");
  EXPECT_EQ(Describe(Verdict::kIllegal), "Illegal");
}

}  // namespace
}  // namespace flotilla::testing::lin

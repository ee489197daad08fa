// The journal: appends and queries, rotation and the size cap, reopening
// after a clean close, short writes and power cuts (FakeFs), followers; and
// journal_format: the record codec, line splitting and journalctl text.
#include "service/journal.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "base/fake_fs.h"
#include "base/log.h"
#include "storage/record.h"

namespace flotilla::service {
namespace {

using base::FakeFs;

constexpr char kDir[] = "/var/journal";

JournalEntry Line(std::string unit, int32_t pid, std::string message,
                  JournalStream stream = JournalStream::kStdout) {
  JournalEntry e;
  e.unit = std::move(unit);
  e.pid = pid;
  e.stream = stream;
  e.identifier = e.unit.substr(0, e.unit.find('.'));
  e.message = std::move(message);
  return e;
}

std::vector<std::string> Messages(const std::vector<JournalEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.message);
  return out;
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { base::SetLogLevel(base::LogLevel::kOff); }

  std::unique_ptr<Journal> OpenJournal(JournalOptions options = {}) {
    auto j = Journal::Open(fs_, kDir, clock_, options);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    return j.ok() ? std::move(*j) : nullptr;
  }
  void Append(Journal& j, std::string unit, std::string message) {
    clock_.Advance(1'000'000);
    ASSERT_TRUE(j.Append(Line(std::move(unit), 42, std::move(message))).ok());
  }
  std::vector<std::string> TailMessages(Journal& j, std::string_view unit, size_t n) {
    auto t = j.Tail(unit, n);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? Messages(*t) : std::vector<std::string>{};
  }

  FakeFs fs_{7};
  base::ManualClock clock_;
};

TEST_F(JournalTest, Tail_lastLinesOfOneUnitOrAll) {
  auto j = OpenJournal();
  Append(*j, "a.service", "a1");
  Append(*j, "b.service", "b1");
  Append(*j, "a.service", "a2");
  Append(*j, "a.service", "a3");
  EXPECT_EQ(TailMessages(*j, "a.service", 2), (std::vector<std::string>{"a2", "a3"}));
  EXPECT_EQ(TailMessages(*j, "a.service", 10), (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_EQ(TailMessages(*j, "b.service", 10), (std::vector<std::string>{"b1"}));
  EXPECT_EQ(TailMessages(*j, "", 3), (std::vector<std::string>{"b1", "a2", "a3"}));
  EXPECT_TRUE(TailMessages(*j, "c.service", 10).empty());
  EXPECT_TRUE(TailMessages(*j, "a.service", 0).empty());
}

TEST_F(JournalTest, Append_storesTimePidStreamAndSeqnum) {
  auto j = OpenJournal();
  clock_.Set(1'733'136'463'000'000'000);
  JournalEntry e = Line("hello.service", 1234, "oops", JournalStream::kStderr);
  e.priority = 3;
  ASSERT_TRUE(j->Append(e).ok());
  ASSERT_TRUE(j->AppendEvent("hello.service", "Started hello.service.").ok());
  auto t = j->Tail("hello.service", 5);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].time, 1'733'136'463'000'000'000);
  EXPECT_EQ((*t)[0].pid, 1234);
  EXPECT_EQ((*t)[0].stream, JournalStream::kStderr);
  EXPECT_EQ((*t)[0].priority, 3);
  EXPECT_EQ((*t)[0].identifier, "hello");
  EXPECT_EQ((*t)[1].stream, JournalStream::kManager);
  EXPECT_EQ((*t)[1].pid, 0);
  EXPECT_EQ((*t)[1].priority, 6);
  EXPECT_EQ((*t)[1].seqnum, (*t)[0].seqnum + 1);
}

TEST_F(JournalTest, Append_splitsTextIntoLines) {
  auto j = OpenJournal();
  Append(*j, "a.service", "one\ntwo\n\nfour\n");
  Append(*j, "a.service", std::string(kMaxJournalMessage + 10, 'x'));
  auto t = j->Tail("a.service", 10);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 6u);
  EXPECT_EQ(Messages(*t)[0], "one");
  EXPECT_EQ(Messages(*t)[1], "two");
  EXPECT_EQ(Messages(*t)[2], "");
  EXPECT_EQ(Messages(*t)[3], "four");
  EXPECT_EQ((*t)[4].message.size(), kMaxJournalMessage);
  EXPECT_EQ((*t)[5].message, std::string(10, 'x'));
}

TEST_F(JournalTest, Append_refusesBadFields) {
  auto j = OpenJournal();
  JournalEntry e = Line(std::string(300, 'u'), 1, "x");
  EXPECT_EQ(j->Append(e).code(), base::Code::kInvalidArgument);
  e = Line("a.service", -1, "x");
  EXPECT_EQ(j->Append(e).code(), base::Code::kInvalidArgument);
  e = Line("a.service", 1, "x");
  e.priority = 8;
  EXPECT_EQ(j->Append(e).code(), base::Code::kInvalidArgument);
  EXPECT_EQ(j->stats().entries, 0u);
}

TEST_F(JournalTest, Since_entriesAtOrAfterTime) {
  auto j = OpenJournal();
  Append(*j, "a.service", "early");
  base::UnixNanos mark = clock_.Now() + 1'000'000;
  Append(*j, "a.service", "late1");
  Append(*j, "b.service", "other");
  Append(*j, "a.service", "late2");
  auto s = j->Since("a.service", mark);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Messages(*s), (std::vector<std::string>{"late1", "late2"}));
  s = j->Since("", mark);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Messages(*s), (std::vector<std::string>{"late1", "other", "late2"}));
}

TEST_F(JournalTest, Reopen_seesOldEntriesAndContinuesSeqnums) {
  {
    auto j = OpenJournal();
    Append(*j, "a.service", "before");
    ASSERT_TRUE(j->Close().ok());
  }
  auto j = OpenJournal();
  EXPECT_TRUE(j->recovery_notes().empty());
  Append(*j, "a.service", "after");
  auto t = j->Tail("a.service", 10);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Messages(*t), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ((*t)[1].seqnum, (*t)[0].seqnum + 1);
  EXPECT_EQ(j->stats().segments, 1u);  // appending went on in the same segment
}

TEST_F(JournalTest, Rotation_keepsTotalUnderCapAndDropsOldestFirst) {
  JournalOptions opts;
  opts.max_bytes = 128 << 10;
  opts.segment_bytes = 16 << 10;
  auto j = OpenJournal(opts);
  std::string pad(100, 'p');
  for (int i = 0; i < 5000; ++i) {
    Append(*j, i % 2 ? "odd.service" : "even.service", fmt::format("{} {}", i, pad));
    ASSERT_LE(j->stats().bytes, opts.max_bytes);
  }
  JournalStats st = j->stats();
  EXPECT_GE(st.segments, 7u);
  EXPECT_LE(st.segments, 9u);
  EXPECT_GT(st.bytes, opts.max_bytes - 2 * opts.segment_bytes);
  auto names = fs_.ListDir(kDir);
  ASSERT_TRUE(names.ok());
  uint64_t on_disk = 0;
  for (const auto& n : *names) on_disk += fs_.ReadFile(std::string(kDir) + "/" + n)->size();
  EXPECT_EQ(on_disk, st.bytes);
  EXPECT_EQ(names->size(), st.segments);

  // The newest lines survive, the oldest are gone, and what is left is contiguous.
  auto all = j->Tail("", 1'000'000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), st.entries);
  EXPECT_EQ(all->back().message, "4999 " + pad);
  for (size_t i = 1; i < all->size(); ++i) EXPECT_EQ((*all)[i].seqnum, (*all)[i - 1].seqnum + 1);
  EXPECT_EQ(TailMessages(*j, "odd.service", 1), (std::vector<std::string>{"4999 " + pad}));
  EXPECT_EQ(TailMessages(*j, "even.service", 1), (std::vector<std::string>{"4998 " + pad}));

  // And the same after a restart.
  j.reset();
  j = OpenJournal(opts);
  EXPECT_EQ(j->stats().entries, st.entries);
  EXPECT_EQ(TailMessages(*j, "odd.service", 1), (std::vector<std::string>{"4999 " + pad}));
}

TEST_F(JournalTest, Tail_readsOnlySegmentsHoldingTheUnit) {
  JournalOptions opts;
  opts.max_bytes = 1 << 20;
  opts.segment_bytes = 4 << 10;
  auto j = OpenJournal(opts);
  Append(*j, "rare.service", "needle");
  for (int i = 0; i < 500; ++i) Append(*j, "chatty.service", std::string(100, 'c'));
  ASSERT_GT(j->stats().segments, 10u);
  // Every segment but the first is damaged on disk: a Tail that read them
  // would fail.
  auto names = fs_.ListDir(kDir);
  ASSERT_TRUE(names.ok());
  for (size_t i = 1; i < names->size(); ++i)
    ASSERT_TRUE(fs_.Truncate(std::string(kDir) + "/" + (*names)[i], 0).ok());
  EXPECT_EQ(TailMessages(*j, "rare.service", 10), (std::vector<std::string>{"needle"}));
  EXPECT_FALSE(j->Tail("chatty.service", 1).ok());
}

TEST_F(JournalTest, Follow_seesLaterEntriesOfItsUnitUntilCancelled) {
  auto j = OpenJournal();
  Append(*j, "a.service", "old");
  std::vector<std::string> seen_a, seen_all;
  JournalSubscription sub_a =
      j->Follow("a.service", [&](const JournalEntry& e) { seen_a.push_back(e.message); });
  JournalSubscription sub_all =
      j->Follow("", [&](const JournalEntry& e) { seen_all.push_back(e.message); });
  Append(*j, "a.service", "new1");
  Append(*j, "b.service", "b");
  sub_a.Cancel();
  Append(*j, "a.service", "new2");
  EXPECT_EQ(seen_a, (std::vector<std::string>{"new1"}));
  EXPECT_EQ(seen_all, (std::vector<std::string>{"new1", "b", "new2"}));
}

TEST_F(JournalTest, Follow_callbackMayAppendAndUnsubscribeItself) {
  auto j = OpenJournal();
  std::vector<std::string> seen;
  JournalSubscription self;
  self = j->Follow("", [&](const JournalEntry& e) {
    seen.push_back(e.message);
    if (e.message == "ping") {
      ASSERT_TRUE(j->AppendEvent("a.service", "pong").ok());
    }
    if (e.message == "pong") self.Cancel();
  });
  Append(*j, "a.service", "ping");
  Append(*j, "a.service", "after");
  EXPECT_EQ(seen, (std::vector<std::string>{"ping", "pong"}));
  EXPECT_EQ(TailMessages(*j, "a.service", 5), (std::vector<std::string>{"ping", "pong", "after"}));
}

TEST_F(JournalTest, Subscription_mayOutliveJournal) {
  auto j = OpenJournal();
  JournalSubscription sub = j->Follow("", [](const JournalEntry&) {});
  j.reset();
  sub.Cancel();  // no crash, no leak under ASan
}

TEST_F(JournalTest, Crash_losesOnlyUnsyncedLinesAndAppendingGoesOn) {
  {
    auto j = OpenJournal();
    Append(*j, "a.service", "synced");
    ASSERT_TRUE(j->Sync().ok());
    Append(*j, "a.service", "unsynced");
    fs_.Crash(FakeFs::CrashMode::kDropUnsynced);
  }
  auto j = OpenJournal();
  EXPECT_EQ(TailMessages(*j, "a.service", 10), (std::vector<std::string>{"synced"}));
  Append(*j, "a.service", "next");
  EXPECT_EQ(TailMessages(*j, "a.service", 10), (std::vector<std::string>{"synced", "next"}));
}

TEST_F(JournalTest, Crash_tornLastRecordIsCutAndEarlierRecordsKept) {
  auto j = OpenJournal();
  Append(*j, "a.service", "one");
  ASSERT_TRUE(j->Sync().ok());
  j.reset();
  // A half-written record at the end, as a power cut mid-write leaves.
  std::string path = std::string(kDir) + "/" + fs_.ListDir(kDir)->front();
  std::string rec;
  EncodeJournalRecord(rec, Line("a.service", 1, "half written"));
  ASSERT_TRUE((*fs_.OpenAppend(path))->Append(rec.substr(0, rec.size() - 3)).ok());

  j = OpenJournal();
  ASSERT_EQ(j->recovery_notes().size(), 1u);
  EXPECT_NE(j->recovery_notes()[0].find("torn tail"), std::string::npos);
  Append(*j, "a.service", "two");
  j.reset();
  j = OpenJournal();  // the cut was real: the next open finds nothing to repair
  EXPECT_TRUE(j->recovery_notes().empty());
  EXPECT_EQ(TailMessages(*j, "a.service", 10), (std::vector<std::string>{"one", "two"}));
}

TEST_F(JournalTest, Open_corruptionInOldSegmentKeepsRecordsBeforeIt) {
  JournalOptions opts;
  opts.max_bytes = 1 << 20;
  opts.segment_bytes = 4 << 10;
  auto j = OpenJournal(opts);
  for (int i = 0; i < 100; ++i) Append(*j, "a.service", fmt::format("{:0100}", i));
  j.reset();
  std::string first = std::string(kDir) + "/" + fs_.ListDir(kDir)->front();
  std::string bytes = *fs_.ReadFile(first);
  bytes[bytes.size() / 2] ^= 0x55;  // a flipped bit in the middle
  ASSERT_TRUE(fs_.Truncate(first, 0).ok());
  ASSERT_TRUE((*fs_.OpenAppend(first))->Append(bytes).ok());

  j = OpenJournal(opts);
  ASSERT_EQ(j->recovery_notes().size(), 1u);
  EXPECT_NE(j->recovery_notes()[0].find("damaged"), std::string::npos);
  auto all = j->Tail("", 1000);
  ASSERT_TRUE(all.ok());
  EXPECT_GT(all->size(), 60u);
  EXPECT_LT(all->size(), 100u);
  EXPECT_EQ(all->front().message, fmt::format("{:0100}", 0));
  EXPECT_EQ(all->back().message, fmt::format("{:0100}", 99));
}

TEST_F(JournalTest, Open_refusesAForeignHeader) {
  ASSERT_TRUE(fs_.CreateDirs(kDir).ok());
  std::string bytes;
  storage::EncodeMetadataRecord(bytes, "flotilla-journal 99");
  auto f = fs_.OpenAppend(std::string(kDir) + "/0000000000000001-0000000000000001.journal");
  ASSERT_TRUE((*f)->Append(bytes).ok());
  auto j = Journal::Open(fs_, kDir, clock_);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), base::Code::kCorruption);
  EXPECT_NE(j.status().message().find("unknown journal header"), std::string::npos);
}

TEST_F(JournalTest, Open_refusesOptionsThatCannotKeepTheCap) {
  JournalOptions opts;
  opts.max_bytes = 1000;
  EXPECT_EQ(Journal::Open(fs_, kDir, clock_, opts).status().code(), base::Code::kInvalidArgument);
  opts.max_bytes = 1 << 20;
  opts.segment_bytes = 1 << 20;
  EXPECT_EQ(Journal::Open(fs_, kDir, clock_, opts).status().code(), base::Code::kInvalidArgument);
}

TEST_F(JournalTest, WriteFailure_losesTheLineAndAppendingGoesOn) {
  auto j = OpenJournal();
  Append(*j, "a.service", "one");
  fs_.FailWritesAfter(5);  // a short write: 5 bytes of the record reach the file
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(j->Append(Line("a.service", 1, "lost")).code(), base::Code::kIoError);
  fs_.ClearFaults();
  EXPECT_EQ(j->stats().segments, 1u);  // a full disk does not pile up segments
  Append(*j, "a.service", "three");
  EXPECT_EQ(TailMessages(*j, "a.service", 10), (std::vector<std::string>{"one", "three"}));
  j.reset();
  j = OpenJournal();
  EXPECT_EQ(TailMessages(*j, "a.service", 10), (std::vector<std::string>{"one", "three"}));
}

// Many seeded histories of appends, short writes, syncs, rotations,
// reopenings and power cuts: after every recovery the journal holds every synced line, then a
// prefix of the lines written after, in order (nothing invented, nothing
// reordered), minus what the cap deleted from the front.
TEST(JournalCrashTest, RandomHistories_keepSyncedPrefix) {
  base::SetLogLevel(base::LogLevel::kOff);
  JournalOptions opts;
  opts.max_bytes = 128 << 10;
  opts.segment_bytes = 8 << 10;
  int torn_cut = 0, dropped_by_cap = 0;  // the histories must reach both
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    FakeFs fs(seed);
    base::ManualClock clock;
    std::vector<std::string> written;  // every line ever appended, in order
    size_t synced = 0;                 // written[0, synced) are durable
    auto j = Journal::Open(fs, kDir, clock, opts).value();
    for (int step = 0; step < 400; ++step) {
      int op = static_cast<int>(rng() % 100);
      if (op < 85) {
        std::string msg = fmt::format("{}-{}", step, std::string(rng() % 1000, 'x'));
        clock.Advance(1000);
        bool fault = op < 5;  // a short write: the line is lost, or not if it fits
        if (fault) fs.FailWritesAfter(rng() % 600);
        base::Status st = j->Append(Line("u.service", 1, msg));
        fs.ClearFaults();
        if (!fault) {
          ASSERT_TRUE(st.ok()) << st.ToString();
        }
        if (st.ok()) written.push_back(msg);
      } else if (op < 92) {
        ASSERT_TRUE(j->Sync().ok());
        synced = written.size();
      } else {
        fs.Crash(op < 96 ? FakeFs::CrashMode::kDropUnsynced : FakeFs::CrashMode::kTornTail);
        j.reset();
        auto reopened = Journal::Open(fs, kDir, clock, opts);
        ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
        j = std::move(*reopened);
        auto all = j->Tail("", 1'000'000);
        ASSERT_TRUE(all.ok()) << all.status().ToString();
        std::vector<std::string> got = Messages(*all);
        // got = written[k, k + got.size()) for some k (cap), reaching at least `synced`.
        if (got.empty()) {
          ASSERT_EQ(synced, 0u);
        }
        size_t k = got.empty()
                       ? 0
                       : std::find(written.begin(), written.end(), got.front()) - written.begin();
        ASSERT_LE(k + got.size(), written.size());
        for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], written[k + i]);
        ASSERT_GE(k + got.size(), synced);
        ASSERT_LE(j->stats().bytes, opts.max_bytes);
        for (const auto& note : j->recovery_notes()) torn_cut += note.find("torn") != note.npos;
        dropped_by_cap += k > 0;
        // What survived is now the history; lost lines were never written.
        written.resize(k + got.size());
        synced = written.size();  // a crash leaves only durable bytes behind
      }
    }
  }
  EXPECT_GT(torn_cut, 0);
  EXPECT_GT(dropped_by_cap, 0);
}

TEST(JournalRealFsTest, SurvivesReopenOnTheRealFileSystem) {
  char tmpl[] = "/tmp/journal_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = std::string(tmpl) + "/journal";
  base::ManualClock clock;
  {
    auto j = Journal::Open(base::RealFs(), dir, clock).value();
    ASSERT_TRUE(j->Append(Line("a.service", 7, "one\ntwo")).ok());
    ASSERT_TRUE(j->Close().ok());
  }
  auto j = Journal::Open(base::RealFs(), dir, clock).value();
  auto t = j->Tail("a.service", 5);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(Messages(*t), (std::vector<std::string>{"one", "two"}));
  j.reset();
  std::filesystem::remove_all(tmpl);
}

// ---- journal_format: the record codec, line splitting, text ----

TEST(JournalFormatTest, Record_roundTripsEveryField) {
  JournalEntry e =
      Line("web@1.service", 2'000'000'000, "caf\xc3\xa9 \t ok", JournalStream::kStderr);
  e.seqnum = 77;
  e.time = -5;  // before 1970 still round-trips
  e.priority = 0;
  std::string bytes;
  EncodeJournalHeader(bytes);
  EncodeJournalRecord(bytes, e);
  storage::RecordReader reader(bytes);
  storage::Record rec;
  ASSERT_EQ(reader.Next(rec), storage::RecordReader::Outcome::kRecord);
  EXPECT_TRUE(CheckJournalHeader(rec).ok());
  ASSERT_EQ(reader.Next(rec), storage::RecordReader::Outcome::kRecord);
  auto back = DecodeJournalRecord(rec);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);
  EXPECT_FALSE(DecodeJournalRecord(storage::Record{1, "x", 0}).ok());  // a header is no entry
}

TEST(JournalFormatTest, Decode_badFieldsGiveClearErrors) {
  auto decode = [](std::string data) {
    std::string bytes;
    storage::EncodeEntryRecord(bytes, storage::Entry{1, 1, std::move(data)});
    storage::Record rec;
    storage::RecordReader(bytes).Next(rec);
    std::string copy(rec.payload);  // rec points into `bytes`, which dies here
    return DecodeJournalRecord(storage::Record{rec.type, copy, 0}).status().message();
  };
  EXPECT_EQ(decode(""), "malformed journal record: truncated entry fields");
  EXPECT_EQ(decode(std::string("\x09\xff\x01\x00\x00", 5)),
            "malformed journal record: unknown stream 9");
  EXPECT_EQ(decode(std::string("\x01\x09\x01\x00\x00", 5)),
            "malformed journal record: priority 9 > 7");
  EXPECT_EQ(decode(std::string("\x01\xff\xff\xff\xff\xff\x0f\x00\x00", 9)),
            "malformed journal record: pid 4294967295 out of range");
  EXPECT_EQ(decode(std::string("\x01\xff\x01\x00\x00"
                               "a\nb",
                               8)),
            "malformed journal record: message holds a newline");
}

TEST(JournalFormatTest, SplitJournalLines_cutsAtNewlinesAndAtTheLimit) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(SplitJournalLines(""), V{""});
  EXPECT_EQ(SplitJournalLines("a"), V{"a"});
  EXPECT_EQ(SplitJournalLines("a\n"), V{"a"});
  EXPECT_EQ(SplitJournalLines("a\n\nb\n\n"), (V{"a", "", "b", ""}));
  std::string big(2 * kMaxJournalMessage + 1, 'y');
  std::string text = big + "\nz";
  auto parts = SplitJournalLines(text);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].size(), kMaxJournalMessage);
  EXPECT_EQ(parts[1].size(), kMaxJournalMessage);
  EXPECT_EQ(parts[2], "y");
  EXPECT_EQ(parts[3], "z");
}

TEST(JournalFormatTest, FormatShort_asJournalctlPrintsIt) {
  JournalEntry e = Line("hello.service", 1234, "Hello World");
  e.time = 1'733'136'463'500'000'000;  // 2024-12-02 10:47:43.5 UTC
  ShortFormat f{"myhost", TimeZone::Utc()};
  EXPECT_EQ(FormatShort(e, f), "Dec 02 10:47:43 myhost hello[1234]: Hello World");
  f.tz = TimeZone::FixedOffset(-11 * 3600);
  EXPECT_EQ(FormatShort(e, f), "Dec 01 23:47:43 myhost hello[1234]: Hello World");

  JournalEntry ev = Line("hello.service", 0, "", JournalStream::kManager);
  ev.time = e.time;
  ev.identifier.clear();
  ev.message = UnitEventMessage(UnitEvent::kStarted, "hello.service", "Hello World");
  ShortFormat mf{"myhost", TimeZone::Utc(), "flotilla", 812};
  EXPECT_EQ(FormatShort(ev, mf),
            "Dec 02 10:47:43 myhost flotilla[812]: Started hello.service - Hello World.");
  mf.manager_pid = 0;
  EXPECT_EQ(FormatShort(ev, mf),
            "Dec 02 10:47:43 myhost flotilla: Started hello.service - Hello World.");

  e.identifier.clear();  // falls back to the unit's name without its type
  e.message = std::string("\x01\x02 binary", 9);
  EXPECT_EQ(FormatShort(e, f), "Dec 01 23:47:43 myhost hello[1234]: [9B blob data]");
  e.message = std::string(3000, '\xff');
  EXPECT_EQ(FormatShort(e, f), "Dec 01 23:47:43 myhost hello[1234]: [2.9K blob data]");
  e.message = "caf\xc3\xa9\ttab";
  EXPECT_EQ(FormatShort(e, f), "Dec 01 23:47:43 myhost hello[1234]: caf\xc3\xa9\ttab");
}

TEST(JournalFormatTest, UnitEventMessage_wordsEventsAsSystemd) {
  EXPECT_EQ(UnitEventMessage(UnitEvent::kStarting, "a.service", "Thing"),
            "Starting a.service - Thing...");
  EXPECT_EQ(UnitEventMessage(UnitEvent::kStarted, "a.service", ""), "Started a.service.");
  EXPECT_EQ(UnitEventMessage(UnitEvent::kStopping, "a.service", "a.service"),
            "Stopping a.service...");
  EXPECT_EQ(UnitEventMessage(UnitEvent::kStopped, "a.service", "Thing"),
            "Stopped a.service - Thing.");
  EXPECT_EQ(UnitEventMessage(UnitEvent::kFailedToStart, "a.service", "Thing"),
            "Failed to start a.service - Thing.");
  EXPECT_EQ(UnitEventMessage(UnitEvent::kFailed, "a.service", "Thing", "exit-code"),
            "a.service: Failed with result 'exit-code'.");
  EXPECT_EQ(UnitEventMessage(UnitEvent::kDeactivated, "a.service", "Thing"),
            "a.service: Deactivated successfully.");
}

}  // namespace
}  // namespace flotilla::service

#include "storage/record.h"

#include <gtest/gtest.h>

#include "storage/log_replay.h"
#include "storage/segment.h"
#include "test_util.h"

namespace flotilla::storage {
namespace {

using testutil::MakeEntries;
using testutil::MakeEntry;

std::string TwoRecords() {
  std::string out;
  EncodeMetadataRecord(out, "meta");
  EncodeEntryRecord(out, MakeEntry(1));
  return out;
}

TEST(RecordTest, encodeThenRead_roundTripsEveryType) {
  std::string bytes;
  EncodeMetadataRecord(bytes, "cluster=7");
  EncodeEntryRecord(bytes, Entry{3, 9, std::string("a\0b", 3)});
  EncodeHardStateRecord(bytes, HardState{4, 2, 8});
  EncodeSnapshotRecord(bytes, 5, 100);

  RecordReader reader(bytes);
  Record r;
  ASSERT_EQ(reader.Next(r), RecordReader::Outcome::kRecord);
  EXPECT_EQ(r.type, uint8_t(RecordType::kMetadata));
  EXPECT_EQ(r.payload, "cluster=7");
  EXPECT_EQ(r.offset, 0u);

  ASSERT_EQ(reader.Next(r), RecordReader::Outcome::kRecord);
  Entry e;
  ASSERT_TRUE(DecodeEntry(r.payload, e));
  EXPECT_EQ(e.term, 3u);
  EXPECT_EQ(e.index, 9u);
  EXPECT_EQ(e.data, std::string("a\0b", 3));
  EXPECT_EQ(r.offset, kRecordHeaderSize + 9);

  ASSERT_EQ(reader.Next(r), RecordReader::Outcome::kRecord);
  HardState hs;
  ASSERT_TRUE(DecodeHardState(r.payload, hs));
  EXPECT_EQ(hs, (HardState{4, 2, 8}));

  ASSERT_EQ(reader.Next(r), RecordReader::Outcome::kRecord);
  uint64_t term, index;
  ASSERT_TRUE(DecodeSnapshot(r.payload, term, index));
  EXPECT_EQ(term, 5u);
  EXPECT_EQ(index, 100u);
  EXPECT_EQ(reader.Next(r), RecordReader::Outcome::kEnd);
}

TEST(RecordTest, headerLayout_isLengthCrcTypePayload) {
  std::string bytes;
  EncodeMetadataRecord(bytes, "xyz");
  ASSERT_EQ(bytes.size(), kRecordHeaderSize + 3);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x03\x00\x00\x00", 4));
  EXPECT_EQ(bytes[8], char(RecordType::kMetadata));
  EXPECT_EQ(bytes.substr(9), "xyz");
}

TEST(RecordTest, reader_reportsEachKindOfDamage) {
  std::string good = TwoRecords();
  size_t second = kRecordHeaderSize + 4;
  Record r;

  std::string short_header = good.substr(0, second + 5);
  RecordReader a(short_header);
  ASSERT_EQ(a.Next(r), RecordReader::Outcome::kRecord);
  EXPECT_EQ(a.Next(r), RecordReader::Outcome::kDamaged);
  EXPECT_EQ(a.offset(), second);
  EXPECT_NE(a.problem().find("incomplete record header"), std::string::npos);

  std::string short_payload = good.substr(0, good.size() - 1);
  RecordReader b(short_payload);
  ASSERT_EQ(b.Next(r), RecordReader::Outcome::kRecord);
  EXPECT_EQ(b.Next(r), RecordReader::Outcome::kDamaged);
  EXPECT_NE(b.problem().find("runs past the end"), std::string::npos);

  std::string flipped = good;
  flipped[good.size() - 1] ^= 1;
  RecordReader c(flipped);
  ASSERT_EQ(c.Next(r), RecordReader::Outcome::kRecord);
  EXPECT_EQ(c.Next(r), RecordReader::Outcome::kDamaged);
  EXPECT_EQ(c.problem(), "checksum mismatch");
  EXPECT_EQ(c.Next(r), RecordReader::Outcome::kDamaged);  // stays put

  std::string huge = good;
  huge[second + 3] = '\x7f';  // length ~2 GiB
  RecordReader d(huge);
  ASSERT_EQ(d.Next(r), RecordReader::Outcome::kRecord);
  EXPECT_EQ(d.Next(r), RecordReader::Outcome::kDamaged);
  EXPECT_NE(d.problem().find("exceeds the limit"), std::string::npos);
}

TEST(RecordTest, entryPayloadTooShort_isMalformed) {
  Entry e;
  EXPECT_FALSE(DecodeEntry("short", e));
  HardState hs;
  EXPECT_FALSE(DecodeHardState(std::string(25, '\0'), hs));
}

TEST(SegmentTest, names_roundTripAndRejectStrangers) {
  EXPECT_EQ(SegmentName(1, 0x2a), "0000000000000001-000000000000002a.wal");
  uint64_t seq, first;
  ASSERT_TRUE(ParseSegmentName("00000000000000ff-0000000000000100.wal", seq, first));
  EXPECT_EQ(seq, 0xffu);
  EXPECT_EQ(first, 0x100u);
  EXPECT_FALSE(ParseSegmentName("00000000000000ff-0000000000000100.wal.tmp", seq, first));
  EXPECT_FALSE(ParseSegmentName("00000000000000FF-0000000000000100.wal", seq, first));
  EXPECT_FALSE(ParseSegmentName("0000000000000001-000000000000002a.snap", seq, first));
  EXPECT_FALSE(ParseSegmentName("x.wal", seq, first));
}

TEST(SegmentTest, scan_classifiesTails) {
  std::string good = TwoRecords();
  EXPECT_EQ(ScanSegment(good).tail, SegmentScan::Tail::kClean);
  EXPECT_EQ(ScanSegment(good).records.size(), 2u);

  SegmentScan torn = ScanSegment(good.substr(0, good.size() - 3));
  EXPECT_EQ(torn.tail, SegmentScan::Tail::kTorn);
  EXPECT_EQ(torn.valid_bytes, kRecordHeaderSize + 4);

  SegmentScan zeros = ScanSegment(good + std::string(100, '\0'));
  EXPECT_EQ(zeros.tail, SegmentScan::Tail::kTorn);
  EXPECT_EQ(zeros.valid_bytes, good.size());
  EXPECT_NE(zeros.problem.find("zero-filled"), std::string::npos);

  // Damage with a good record after it is corruption, not a torn write.
  std::string middle = good;
  EncodeEntryRecord(middle, MakeEntry(2));
  middle[kRecordHeaderSize + 4 + kRecordHeaderSize + 2] ^= 0x40;
  SegmentScan bad = ScanSegment(middle);
  EXPECT_EQ(bad.tail, SegmentScan::Tail::kCorrupt);
  EXPECT_EQ(bad.valid_bytes, kRecordHeaderSize + 4);
  EXPECT_EQ(bad.problem, "checksum mismatch");
}

TEST(LogReplayTest, overwrite_replacesTheTail) {
  LogReplay log(0);
  for (auto& e : MakeEntries(1, 5)) ASSERT_TRUE(log.AddEntry(std::move(e)));
  for (auto& e : MakeEntries(3, 4, 2)) ASSERT_TRUE(log.AddEntry(std::move(e)));
  EXPECT_EQ(log.last_index(), 4u);
  auto got = log.TakeEntries();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1].term, 1u);
  EXPECT_EQ(got[2].term, 2u);
  EXPECT_EQ(got[3].index, 4u);
}

TEST(LogReplayTest, gap_isRefused) {
  LogReplay log(0);
  ASSERT_TRUE(log.AddEntry(MakeEntry(7)));  // any start on an empty log
  EXPECT_FALSE(log.AddEntry(MakeEntry(9)));
  EXPECT_EQ(log.last_index(), 7u);
}

TEST(LogReplayTest, afterIndex_keepsOnlyNewerEntries) {
  LogReplay log(3);
  for (auto& e : MakeEntries(1, 6)) ASSERT_TRUE(log.AddEntry(std::move(e)));
  EXPECT_TRUE(log.CoversSnapshot());
  auto got = log.TakeEntries();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got.front().index, 4u);
}

TEST(LogReplayTest, snapshotMark_jumpsAhead) {
  LogReplay log(0);
  for (auto& e : MakeEntries(1, 3)) ASSERT_TRUE(log.AddEntry(std::move(e)));
  log.AddSnapshotMark(10);
  EXPECT_FALSE(log.AddEntry(MakeEntry(12)));
  ASSERT_TRUE(log.AddEntry(MakeEntry(11)));
  EXPECT_EQ(log.first_index(), 11u);
  EXPECT_FALSE(log.CoversSnapshot());  // a caller with no snapshot misses 1..10

  LogReplay with_snapshot(10);
  with_snapshot.AddSnapshotMark(10);
  ASSERT_TRUE(with_snapshot.AddEntry(MakeEntry(11)));
  EXPECT_TRUE(with_snapshot.CoversSnapshot());
}

}  // namespace
}  // namespace flotilla::storage

// Wal::Open on damaged logs: torn tails are truncated and logged; any other
// damage is refused with a kCorruption Status naming the file and offset.
#include <gtest/gtest.h>

#include "base/codec.h"
#include "base/crc32c.h"
#include "base/fake_fs.h"
#include "storage/record.h"
#include "storage/wal.h"
#include "test_util.h"

namespace flotilla::storage {
namespace {

using base::Code;
using testutil::MakeEntries;
using testutil::MakeEntry;
using testutil::ReadOrDie;
using testutil::Rewrite;
using testutil::SameEntries;

constexpr char kSeg0[] = "/data/wal/0000000000000000-0000000000000001.wal";
constexpr char kSeg1[] = "/data/wal/0000000000000001-0000000000000006.wal";

// Offset of entry `index`'s record in a segment holding "meta" then entries 1...
uint64_t EntryOffset(uint64_t index) {
  std::string bytes;
  EncodeMetadataRecord(bytes, "meta");
  for (uint64_t i = 1; i < index; ++i) EncodeEntryRecord(bytes, MakeEntry(i));
  return bytes.size();
}

// A record with a valid checksum and any type byte.
std::string RawRecord(uint8_t type, std::string_view payload) {
  std::string out(8, '\0');
  out += static_cast<char>(type);
  out.append(payload);
  uint32_t len = static_cast<uint32_t>(payload.size());
  uint32_t crc = base::Crc32c(std::string_view(out).substr(8));
  std::string header;
  base::Encoder enc(header);
  enc.U32(len);
  enc.U32(crc);
  return out.replace(0, header.size(), header);
}

class WalRecoveryTest : public ::testing::Test {
 protected:
  // A log of entries 1..n in one segment, synced.
  void WriteLog(uint64_t n) {
    auto w = Wal::Create(fs_, dir_, "meta");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(MakeEntries(1, n)).ok());
    ASSERT_TRUE((*w)->Sync().ok());
  }
  // Two segments: entries 1..5 and 6..10.
  void WriteTwoSegments() {
    auto w = Wal::Create(fs_, dir_, "meta");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(MakeEntries(1, 5)).ok());
    ASSERT_TRUE((*w)->Cut().ok());
    ASSERT_TRUE((*w)->Append(MakeEntries(6, 10)).ok());
    ASSERT_TRUE((*w)->Sync().ok());
  }
  base::Status OpenStatus(uint64_t after = 0) {
    Recovered rec;
    return Wal::Open(fs_, dir_, after, &rec).status();
  }
  void ExpectCorruption(const std::string& want) {
    base::Status st = OpenStatus();
    EXPECT_EQ(st.code(), Code::kCorruption) << st.ToString();
    EXPECT_EQ(st.message(), want);
  }
  // Opens, expecting a truncated torn tail and entries 1..last.
  void ExpectTornTail(uint64_t last) {
    Recovered rec;
    auto w = Wal::Open(fs_, dir_, 0, &rec);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_TRUE(rec.truncated_tail);
    EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, last)));
  }

  base::FakeFs fs_{3};
  std::string dir_ = "/data/wal";
};

TEST_F(WalRecoveryTest, tornTail_isTruncatedLoggedAndAppendingContinues) {
  WriteLog(8);
  std::string bytes = ReadOrDie(fs_, kSeg0);
  Rewrite(fs_, kSeg0, bytes.substr(0, bytes.size() - 10));  // entry 8 half written

  ::testing::internal::CaptureStderr();
  Recovered rec;
  auto w = Wal::Open(fs_, dir_, 0, &rec);
  std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_TRUE(rec.truncated_tail);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 7)));
  EXPECT_NE(log.find("truncating torn tail of " + std::string(kSeg0) + " at offset " +
                     std::to_string(EntryOffset(8))),
            std::string::npos)
      << log;
  EXPECT_EQ(ReadOrDie(fs_, kSeg0).size(), EntryOffset(8));

  ASSERT_TRUE((*w)->Append(MakeEntries(8, 9)).ok());
  ASSERT_TRUE((*w)->Sync().ok());
  w->reset();
  auto again = Wal::Open(fs_, dir_, 0, &rec);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(rec.truncated_tail);
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 9)));
}

TEST_F(WalRecoveryTest, tornTail_incompleteHeader) {
  WriteLog(4);
  Rewrite(fs_, kSeg0, ReadOrDie(fs_, kSeg0) + std::string("\x05\x00\x00", 3));
  ExpectTornTail(4);
}

TEST_F(WalRecoveryTest, tornTail_lengthBeyondEndOfFile) {
  WriteLog(4);
  std::string extra;
  EncodeEntryRecord(extra, MakeEntry(5));
  Rewrite(fs_, kSeg0, ReadOrDie(fs_, kSeg0) + extra.substr(0, 20));
  ExpectTornTail(4);
}

TEST_F(WalRecoveryTest, tornTail_checksumMismatchOnTheLastRecord) {
  WriteLog(4);
  std::string bytes = ReadOrDie(fs_, kSeg0);
  bytes.back() ^= 0x01;
  Rewrite(fs_, kSeg0, bytes);
  ExpectTornTail(3);
}

TEST_F(WalRecoveryTest, tornTail_zeroFilled) {
  WriteLog(4);
  Rewrite(fs_, kSeg0, ReadOrDie(fs_, kSeg0) + std::string(4096, '\0'));
  ExpectTornTail(4);
}

TEST_F(WalRecoveryTest, tornTail_garbageAfterTheLastRecord) {
  WriteLog(4);
  Rewrite(fs_, kSeg0, ReadOrDie(fs_, kSeg0) + "\xde\xad\xbe\xef garbage that is not a record");
  ExpectTornTail(4);
}

TEST_F(WalRecoveryTest, checksumMismatchInTheMiddle_isCorruptionWithFileAndOffset) {
  WriteLog(10);
  std::string bytes = ReadOrDie(fs_, kSeg0);
  bytes[EntryOffset(3) + kRecordHeaderSize + 20] ^= 0x10;  // inside entry 3's data
  Rewrite(fs_, kSeg0, bytes);
  ExpectCorruption(std::string("wal segment ") + kSeg0 + ": checksum mismatch at offset " +
                   std::to_string(EntryOffset(3)));
  EXPECT_EQ(ReadOrDie(fs_, kSeg0), bytes);  // nothing truncated
}

TEST_F(WalRecoveryTest, garbageLengthInTheMiddle_isCorruption) {
  WriteLog(10);
  std::string bytes = ReadOrDie(fs_, kSeg0);
  bytes[EntryOffset(5) + 3] = '\x40';  // length ~1 GiB
  Rewrite(fs_, kSeg0, bytes);
  base::Status st = OpenStatus();
  EXPECT_EQ(st.code(), Code::kCorruption);
  EXPECT_NE(st.message().find(std::string(kSeg0) + ": record length"), std::string::npos);
  EXPECT_NE(st.message().find("at offset " + std::to_string(EntryOffset(5))), std::string::npos);
}

TEST_F(WalRecoveryTest, unknownRecordType_isCorruption) {
  WriteLog(3);
  Rewrite(fs_, kSeg0, ReadOrDie(fs_, kSeg0) + RawRecord(42, "from the future"));
  ExpectCorruption(std::string("wal segment ") + kSeg0 + ": unknown record type 42 at offset " +
                   std::to_string(EntryOffset(4)));
}

TEST_F(WalRecoveryTest, gapInIndexes_isCorruption) {
  WriteLog(3);
  std::string bytes = ReadOrDie(fs_, kSeg0);
  EncodeEntryRecord(bytes, MakeEntry(5));
  Rewrite(fs_, kSeg0, bytes);
  ExpectCorruption(std::string("wal segment ") + kSeg0 +
                   ": entry 5 does not follow entry 3 at offset " + std::to_string(EntryOffset(4)));
}

TEST_F(WalRecoveryTest, missingMiddleSegment_isCorruption) {
  auto w = Wal::Create(fs_, dir_, "meta");
  ASSERT_TRUE(w.ok());
  for (uint64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE((*w)->Append({MakeEntry(i)}).ok());
    ASSERT_TRUE((*w)->Cut().ok());
  }
  ASSERT_TRUE(fs_.Remove("/data/wal/0000000000000001-0000000000000002.wal").ok());
  ExpectCorruption(
      "wal /data/wal: segment 0000000000000001 is missing between "
      "/data/wal/0000000000000000-0000000000000001.wal and "
      "/data/wal/0000000000000002-0000000000000003.wal");
}

TEST_F(WalRecoveryTest, tornRecordInAnOlderSegment_isCorruption) {
  WriteTwoSegments();
  std::string bytes = ReadOrDie(fs_, kSeg0);
  Rewrite(fs_, kSeg0, bytes.substr(0, bytes.size() - 4));
  ExpectCorruption(std::string("wal segment ") + kSeg0 +
                   ": record length 30 runs past the end of the file (26 bytes left) at offset " +
                   std::to_string(EntryOffset(5)));
}

TEST_F(WalRecoveryTest, segmentWithoutMetadata_isCorruption) {
  WriteTwoSegments();
  std::string bytes = ReadOrDie(fs_, kSeg1);
  std::string meta;
  EncodeMetadataRecord(meta, "meta");
  Rewrite(fs_, kSeg1, bytes.substr(meta.size()));
  ExpectCorruption(std::string("wal segment ") + kSeg1 +
                   ": first record is not metadata at offset 0");
}

TEST_F(WalRecoveryTest, metadataThatDiffersBetweenSegments_isCorruption) {
  WriteTwoSegments();
  std::string bytes = ReadOrDie(fs_, kSeg1);
  std::string meta, other;
  EncodeMetadataRecord(meta, "meta");
  EncodeMetadataRecord(other, "atem");
  Rewrite(fs_, kSeg1, other + bytes.substr(meta.size()));
  ExpectCorruption(std::string("wal segment ") + kSeg1 +
                   ": metadata differs from the first segment's at offset 0");
}

TEST_F(WalRecoveryTest, open_removesLeftoverTempSegments) {
  WriteLog(2);
  std::string tmp = "/data/wal/0000000000000001-0000000000000003.wal.tmp";
  Rewrite(fs_, kSeg0, ReadOrDie(fs_, kSeg0));
  auto f = fs_.OpenAppend(tmp);
  ASSERT_TRUE(f.ok());
  Recovered rec;
  ASSERT_TRUE(Wal::Open(fs_, dir_, 0, &rec).ok());
  EXPECT_FALSE(fs_.Exists(tmp));
  EXPECT_TRUE(SameEntries(rec.entries, MakeEntries(1, 2)));
}

}  // namespace
}  // namespace flotilla::storage

// The raft codec (docs/formats/raft.md): every message type round-trips with
// every field set, the layout is pinned byte for byte, and damaged input
// (truncated at any length, unknown types, unsorted conf states, trailing
// bytes) is refused with kCorruption instead of crashing.
#include "raft/codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flotilla::raft {
namespace {

const std::vector<MessageType> kAllTypes = {
    MessageType::kHup,
    MessageType::kBeat,
    MessageType::kPropose,
    MessageType::kUnreachable,
    MessageType::kSnapshotStatus,
    MessageType::kCheckQuorum,
    MessageType::kPeerDown,
    MessageType::kAppend,
    MessageType::kAppendResponse,
    MessageType::kVote,
    MessageType::kVoteResponse,
    MessageType::kPreVote,
    MessageType::kPreVoteResponse,
    MessageType::kSnapshot,
    MessageType::kHeartbeat,
    MessageType::kHeartbeatResponse,
    MessageType::kTransferLeader,
    MessageType::kTimeoutNow,
    MessageType::kReadIndex,
    MessageType::kReadIndexResponse,
};

// Every field set, with values that need multi-byte varints.
Message FullMessage(MessageType type) {
  Message m;
  m.type = type;
  m.to = 0x8e9e05c52164694dULL;
  m.from = 0xce45d9a3e5a3ac0ULL;
  m.term = 300;
  m.log_term = 299;
  m.index = 1u << 20;
  m.entries = {Entry{299, (1u << 20) + 1, EntryType::kNormal, "put /a 1"},
               Entry{300, (1u << 20) + 2, EntryType::kConfChange,
                     EncodeConfChange({ConfChangeType::kAddLearner, 7, "{\"name\":\"x\"}"})},
               Entry{300, (1u << 20) + 3, EntryType::kNormal, ""}};
  m.commit = (1u << 20) - 5;
  m.snapshot.meta = SnapshotMeta{1000, 250, ConfState{{1, 2, 3}, {9}}};
  m.snapshot.data = std::string(200, '\0') + "image";
  m.reject = true;
  m.reject_hint = 77;
  m.context = "read-request-42";
  return m;
}

std::string Encoded(const Message& m) {
  std::string out;
  EncodeMessage(m, out);
  return out;
}

TEST(MessageCodec, everyTypeWithEveryField_roundTrips) {
  for (MessageType t : kAllTypes) {
    Message m = FullMessage(t);
    auto got = DecodeMessage(Encoded(m));
    ASSERT_TRUE(got.ok()) << ToString(t) << ": " << got.status().ToString();
    EXPECT_EQ(*got, m) << ToString(t);
  }
}

TEST(MessageCodec, defaultMessage_roundTrips) {
  Message m;
  auto got = DecodeMessage(Encoded(m));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, m);
}

TEST(MessageCodec, encodeAppends_toWhatIsAlreadyThere) {
  std::string out = "prefix";
  EncodeMessage(FullMessage(MessageType::kAppend), out);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  EXPECT_TRUE(DecodeMessage(std::string_view(out).substr(6)).ok());
}

// The layout of docs/formats/raft.md, pinned so a change to it is noticed.
TEST(MessageCodec, heartbeat_layoutIsAsDocumented) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = 2;
  m.from = 1;
  m.term = 3;
  m.commit = 300;
  m.context = "x";
  const std::string want(
      "\x01"          // version
      "\x11"          // type 17, MsgHeartbeat
      "\x02\x01\x03"  // to, from, term
      "\x00\x00"      // log_term, index
      "\xac\x02"      // commit 300
      "\x00"          // flags
      "\x00"          // reject_hint
      "\x01x"         // context
      "\x00",         // no entries
      14);
  EXPECT_EQ(Encoded(m), want);
}

TEST(MessageCodec, truncatedAtEveryLength_isCorruption) {
  std::string full = Encoded(FullMessage(MessageType::kSnapshot));
  for (size_t n = 0; n < full.size(); ++n) {
    auto got = DecodeMessage(std::string_view(full).substr(0, n));
    ASSERT_FALSE(got.ok()) << "length " << n;
    EXPECT_EQ(got.status().code(), base::Code::kCorruption) << "length " << n;
  }
}

TEST(MessageCodec, unknownType_isRefusedByNumber) {
  for (uint8_t t : {7, 8, 9, 23, 200, 255}) {
    std::string bytes = Encoded(FullMessage(MessageType::kAppend));
    bytes[1] = static_cast<char>(t);
    auto got = DecodeMessage(bytes);
    ASSERT_FALSE(got.ok()) << int(t);
    EXPECT_EQ(got.status().code(), base::Code::kCorruption);
    EXPECT_NE(got.status().message().find("unknown type " + std::to_string(t)), std::string::npos)
        << got.status().message();
  }
}

TEST(MessageCodec, unknownVersion_isRefused) {
  std::string bytes = Encoded(FullMessage(MessageType::kAppend));
  bytes[0] = 2;
  auto got = DecodeMessage(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("version"), std::string::npos);
}

TEST(MessageCodec, unknownEntryType_isRefused) {
  Message m;
  m.type = MessageType::kAppend;
  m.entries = {Entry{1, 1, EntryType::kNormal, "abc"}};
  std::string bytes = Encoded(m);
  // The entry is the tail: term, index, type, len, "abc".
  size_t type_at = bytes.size() - 5;
  ASSERT_EQ(bytes[type_at], 0);
  bytes[type_at] = 2;
  auto got = DecodeMessage(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("entry 0"), std::string::npos);
}

TEST(MessageCodec, unknownFlagsAndTrailingBytes_areRefused) {
  Message m;
  m.type = MessageType::kVote;
  std::string bytes = Encoded(m);
  std::string flags = bytes;
  flags[8] = 4;  // after version, type and six one-byte varints
  EXPECT_FALSE(DecodeMessage(flags).ok());
  EXPECT_FALSE(DecodeMessage(bytes + '\0').ok());
}

TEST(MessageCodec, hugeEntryCount_isRefusedWithoutAllocating) {
  Message m;
  m.type = MessageType::kAppend;
  std::string bytes = Encoded(m);
  bytes.pop_back();  // the entry count 0
  bytes += "\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
  auto got = DecodeMessage(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("entry count"), std::string::npos);
}

TEST(ConfChangeCodec, everyType_roundTripsAndTruncationFails) {
  for (auto t :
       {ConfChangeType::kAddNode, ConfChangeType::kRemoveNode, ConfChangeType::kAddLearner}) {
    ConfChange cc{t, 0xabcdef0123ULL, "{\"peerURLs\":[\"http://127.0.0.1:2380\"]}"};
    std::string bytes = EncodeConfChange(cc);
    auto got = DecodeConfChange(bytes);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, cc);
    for (size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(DecodeConfChange(bytes.substr(0, n)).ok()) << n;
    }
  }
  std::string bad = EncodeConfChange({});
  bad[1] = 3;
  EXPECT_FALSE(DecodeConfChange(bad).ok());
}

TEST(ConfStateCodec, roundTripsAndTruncationFails) {
  ConfState cs{{1, 5, 300000}, {2, 9}};
  std::string bytes = EncodeConfState(cs);
  auto got = DecodeConfState(bytes);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, cs);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeConfState(bytes.substr(0, n)).ok()) << n;
  }
  auto empty = DecodeConfState(EncodeConfState({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, ConfState{});
}

// message.h: voters and learners are sorted and disjoint; a decoded conf
// state that is not would break the core's binary searches.
TEST(ConfStateCodec, unsortedDuplicateZeroOrOverlapping_isRefused) {
  for (const ConfState& cs : {ConfState{{2, 1}, {}}, ConfState{{1, 1}, {}}, ConfState{{0, 1}, {}},
                              ConfState{{1, 2}, {2}}}) {
    auto got = DecodeConfState(EncodeConfState(cs));
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), base::Code::kCorruption);
  }
}

TEST(SnapshotMetaCodec, roundTripsAndTruncationFails) {
  SnapshotMeta meta{123456, 42, ConfState{{1, 2, 3}, {4}}};
  std::string bytes = EncodeSnapshotMeta(meta);
  auto got = DecodeSnapshotMeta(bytes);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, meta);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeSnapshotMeta(bytes.substr(0, n)).ok()) << n;
  }
}

TEST(HardStateCodec, roundTripsAndTruncationFails) {
  HardState hs{7, 0x8e9e05c52164694dULL, 1u << 30};
  std::string bytes = EncodeHardState(hs);
  auto got = DecodeHardState(bytes);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, hs);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeHardState(bytes.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DecodeHardState(bytes + "x").ok());
}

TEST(EntryCodec, roundTripsAndUnknownTypeIsRefused) {
  Entry e{3, 9, EntryType::kConfChange, "cc"};
  std::string bytes = EncodeEntry(e);
  auto got = DecodeEntry(bytes);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, e);
  bytes[3] = 5;  // version, term, index, type
  EXPECT_FALSE(DecodeEntry(bytes).ok());
}

TEST(MessageType, namesAndClasses) {
  EXPECT_STREQ(ToString(MessageType::kAppend), "MsgApp");
  EXPECT_STREQ(ToString(MessageType::kSnapshotStatus), "MsgSnapStatus");
  EXPECT_STREQ(ToString(static_cast<MessageType>(99)), "MsgUnknown");
  for (MessageType t : kAllTypes) {
    bool local = t == MessageType::kHup || t == MessageType::kBeat ||
                 t == MessageType::kUnreachable || t == MessageType::kSnapshotStatus ||
                 t == MessageType::kCheckQuorum || t == MessageType::kPeerDown;
    EXPECT_EQ(IsLocal(t), local) << ToString(t);
    EXPECT_STRNE(ToString(t), "MsgUnknown");
  }
  EXPECT_FALSE(IsLocal(MessageType::kPropose));  // forwarded to the leader
  EXPECT_TRUE(IsResponse(MessageType::kAppendResponse));
  EXPECT_TRUE(IsResponse(MessageType::kReadIndexResponse));
  EXPECT_FALSE(IsResponse(MessageType::kAppend));
  EXPECT_FALSE(IsResponse(MessageType::kSnapshotStatus));
}

}  // namespace
}  // namespace flotilla::raft

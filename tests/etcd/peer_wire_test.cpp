// The peer protocol's bytes (docs/formats/raft.md, "Peer protocol"): the
// hello, and a FrameReader that finds every message whatever way the stream
// is cut, and refuses oversized, damaged or undecodable frames.
#include "etcd/peer_wire.h"

#include <gtest/gtest.h>

#include "base/codec.h"
#include "base/crc32c.h"

namespace flotilla::etcd {
namespace {

using Step = FrameReader::Step;

raft::Message Msg(uint64_t i, size_t payload = 0) {
  raft::Message m;
  m.type = raft::MessageType::kAppend;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.index = i;
  if (payload > 0)
    m.entries.push_back({3, i + 1, raft::EntryType::kNormal, std::string(payload, 'v')});
  return m;
}

std::vector<raft::Message> Drain(FrameReader& r, base::Status* error = nullptr) {
  std::vector<raft::Message> out;
  for (;;) {
    raft::Message m;
    base::Status err;
    Step s = r.Next(m, err);
    if (s == Step::kMessage) {
      out.push_back(std::move(m));
      continue;
    }
    if (error) *error = err;
    return out;
  }
}

TEST(PeerHello, roundTripsAndHasTheDocumentedSize) {
  PeerHello h{0xcdf818194e3b2d5aULL, 0x8e9e05c52164694dULL, 7};
  std::string bytes = EncodeHello(h);
  ASSERT_EQ(bytes.size(), kPeerHelloBytes);
  EXPECT_EQ(bytes.substr(0, 5), std::string("FLRP\x01", 5));
  auto got = DecodeHello(bytes);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, h);
}

TEST(PeerHello, badMagicVersionOrSize_isRefused) {
  std::string good = EncodeHello({1, 2, 3});
  std::string magic = good;
  magic[0] = 'G';
  std::string version = good;
  version[4] = 2;
  EXPECT_FALSE(DecodeHello(magic).ok());
  EXPECT_FALSE(DecodeHello(version).ok());
  EXPECT_FALSE(DecodeHello(good.substr(1)).ok());
  EXPECT_FALSE(DecodeHello("GET / HTTP/1.1\r\nHost: x\r\n\r\n").ok());
}

TEST(FrameReader, streamCutAtEveryByte_yieldsEveryMessageInOrder) {
  std::string stream;
  for (uint64_t i = 0; i < 5; ++i) AppendFrame(Msg(i, i * 100), stream);
  FrameReader r(1 << 20);
  std::vector<raft::Message> got;
  for (char c : stream) {
    r.Append(std::string_view(&c, 1));
    for (auto& m : Drain(r)) got.push_back(std::move(m));
  }
  ASSERT_EQ(got.size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(got[i], Msg(i, i * 100));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(FrameReader, manyFramesInOneRead_allComeOut) {
  std::string stream;
  for (uint64_t i = 0; i < 100; ++i) AppendFrame(Msg(i), stream);
  FrameReader r(1 << 20);
  r.Append(stream);
  auto got = Drain(r);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[99], Msg(99));
}

TEST(FrameReader, frameOverTheLimit_isAnErrorBeforeItsBodyArrives) {
  std::string stream;
  AppendFrame(Msg(1, 2000), stream);
  FrameReader r(1024);
  r.Append(stream.substr(0, kFrameHeaderBytes));
  base::Status err;
  EXPECT_TRUE(Drain(r, &err).empty());
  EXPECT_NE(err.message().find("over the limit"), std::string::npos) << err.message();
}

TEST(FrameReader, badChecksum_isAnErrorAndStaysOne) {
  std::string stream;
  AppendFrame(Msg(1), stream);
  stream.back() ^= 1;
  AppendFrame(Msg(2), stream);
  FrameReader r(1 << 20);
  r.Append(stream);
  base::Status err;
  EXPECT_TRUE(Drain(r, &err).empty());
  EXPECT_NE(err.message().find("checksum"), std::string::npos);
  raft::Message m;
  EXPECT_EQ(r.Next(m, err), Step::kError);  // no resynchronising on garbage
}

TEST(FrameReader, checksummedGarbage_isAnUndecodableMessage) {
  std::string body = "\x01\x63garbage";
  std::string stream;
  base::Encoder e(stream);
  e.U32(static_cast<uint32_t>(body.size()));
  e.U32(base::Crc32c(body));
  stream += body;
  FrameReader r(1 << 20);
  r.Append(stream);
  base::Status err;
  EXPECT_TRUE(Drain(r, &err).empty());
  EXPECT_EQ(err.code(), base::Code::kCorruption);
  EXPECT_NE(err.message().find("unknown type 99"), std::string::npos) << err.message();
}

TEST(ClusterInfo, roundTripsThroughAFrame) {
  ClusterInfo info;
  info.cluster_id = 0xcdf818194e3a8c32;
  info.members.push_back({MemberId{0x8e9e05c52164694d},
                          "m1",
                          {"http://127.0.0.1:2380", "http://10.0.0.1:2380"},
                          {"http://127.0.0.1:2379"}});
  info.members.push_back({MemberId{7}, "", {"http://127.0.0.1:2480"}, {}});
  info.removed = {3, 5};
  std::string frame;
  AppendFrame(EncodeClusterInfo(info), frame);
  FrameReader reader(1u << 20);
  reader.Append(frame);
  std::string body;
  base::Status error;
  ASSERT_EQ(reader.NextBody(body, error), Step::kMessage) << error.message();
  auto back = DecodeClusterInfo(body);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->cluster_id, info.cluster_id);
  ASSERT_EQ(back->members.size(), 2u);
  EXPECT_EQ(back->members[0].id, info.members[0].id);
  EXPECT_EQ(back->members[0].name, "m1");
  EXPECT_EQ(back->members[0].peer_urls, info.members[0].peer_urls);
  EXPECT_EQ(back->members[0].client_urls, info.members[0].client_urls);
  EXPECT_EQ(back->removed, info.removed);
}

TEST(ClusterInfo, truncatedOrHugeCounts_areRefused) {
  ClusterInfo info;
  info.cluster_id = 1;
  info.members.push_back({MemberId{2}, "m", {"http://h:1"}, {}});
  std::string bytes = EncodeClusterInfo(info);
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(DecodeClusterInfo(bytes.substr(0, n)).ok()) << n;
  std::string huge(8, '\1');
  huge += "\xff\xff\xff\xff\x0f";  // a member count of 4 billion
  EXPECT_FALSE(DecodeClusterInfo(huge).ok());
  EXPECT_FALSE(DecodeClusterInfo(bytes + "x").ok());
}

TEST(PeerHello, allZero_isAMembershipQuery) {
  EXPECT_TRUE(IsMembershipQuery(*DecodeHello(EncodeHello({}))));
  EXPECT_FALSE(IsMembershipQuery({1, 0, 0}));
}

}  // namespace
}  // namespace flotilla::etcd

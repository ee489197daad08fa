// PeerTransport on loopback: two members on one EventLoop exchange raft
// messages in order, in batches, across a receiver restart; refused hellos,
// garbage and oversized frames close only their own connection; loss is
// reported to raft as kUnreachable / kSnapshotStatus. Every wait runs the
// loop until a condition holds or a deadline passes.
#include "etcd/peer_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <optional>
#include <thread>

#include "base/codec.h"
#include "cluster_process.h"
#include "etcd/peer_query.h"
#include "etcd/peer_wire.h"

namespace flotilla::etcd {
namespace {

using namespace std::chrono_literals;
using raft::Message;
using raft::MessageType;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kCluster = 0xc1;

TransportOptions Options(raft::NodeId self, uint64_t cluster = kCluster) {
  TransportOptions o;
  o.cluster_id = cluster;
  o.self = self;
  o.backoff_min = 10ms;
  o.backoff_max = 100ms;
  return o;
}

std::string Url(uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

Message Heartbeat(raft::NodeId from, raft::NodeId to, uint64_t n) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = from;
  m.to = to;
  m.term = 2;
  m.commit = n;
  m.context = "hb" + std::to_string(n);
  return m;
}

// A member: its transport, what reached it and what it was told locally.
struct Member {
  Member(net::EventLoop& loop, TransportOptions o) : transport(loop, o) {
    transport.SetHandler([this](Message m) {
      (raft::IsLocal(m.type) ? reports : received).push_back(std::move(m));
    });
    port = *transport.Listen("127.0.0.1", 0);
  }
  bool Told(MessageType t, raft::NodeId from, bool reject = false) const {
    for (const Message& m : reports) {
      if (m.type == t && m.from == from && m.reject == reject) return true;
    }
    return false;
  }
  PeerTransport transport;
  uint16_t port = 0;
  std::vector<Message> received;
  std::vector<Message> reports;
};

class PeerTransportTest : public ::testing::Test {
 protected:
  // Runs the loop until `done` or the deadline; returns `done()`.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      loop_.context().run_one_for(5ms);
    }
    return true;
  }
  void RunFor(std::chrono::milliseconds d) {
    RunUntil([] { return false; }, d);
  }

  net::EventLoop loop_;
};

// A raw loopback socket, for what a well-behaved member would never send.
class RawPeer {
 public:
  explicit RawPeer(uint16_t port) : fd_(testing::ConnectLoopback(port)) {}
  ~RawPeer() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  void Write(std::string_view bytes) {
    (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  // True once the other end has closed (EOF or reset).
  bool Closed() {
    char buf[256];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  int fd_;
};

TEST_F(PeerTransportTest, send_deliversInOrderBothWays) {
  Member a(loop_, Options(1)), b(loop_, Options(2));
  a.transport.AddPeer(2, {Url(b.port)});
  b.transport.AddPeer(1, {Url(a.port)});
  std::vector<Message> to_b, to_a;
  for (uint64_t i = 1; i <= 10; ++i) {
    to_b.push_back(Heartbeat(1, 2, i));
    to_a.push_back(Heartbeat(2, 1, 100 + i));
    a.transport.Send({to_b.back()});
    b.transport.Send({to_a.back()});
  }
  ASSERT_TRUE(RunUntil([&] { return b.received.size() == 10 && a.received.size() == 10; }));
  EXPECT_EQ(b.received, to_b);
  EXPECT_EQ(a.received, to_a);
  EXPECT_TRUE(a.reports.empty());
  auto stats = a.transport.Stats().at(2);
  EXPECT_EQ(stats.sent, 10u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_TRUE(stats.connected);
  EXPECT_GT(stats.bytes, 10 * kFrameHeaderBytes + kPeerHelloBytes);
}

TEST_F(PeerTransportTest, manyMessages_goOutInFewWritesAndArriveInOrder) {
  Member a(loop_, Options(1)), b(loop_, Options(2));
  a.transport.AddPeer(2, {Url(b.port)});
  std::vector<Message> sent;
  for (int call = 0; call < 30; ++call) {
    std::vector<Message> batch;
    for (int i = 0; i < 100; ++i) {
      Message m = Heartbeat(1, 2, sent.size());
      if (i % 10 == 0) {
        m.type = MessageType::kAppend;
        m.entries.push_back({2, sent.size(), raft::EntryType::kNormal, std::string(1000, 'x')});
      }
      batch.push_back(m);
      sent.push_back(m);
    }
    a.transport.Send(batch);
    if (call % 10 == 9) loop_.context().poll();  // some while connected, some before
  }
  ASSERT_TRUE(RunUntil([&] { return b.received.size() == sent.size(); }));
  EXPECT_EQ(b.received, sent);
  auto stats = a.transport.Stats().at(2);
  EXPECT_EQ(stats.sent, sent.size());
  EXPECT_LT(stats.writes, 100u) << "messages were not batched";
}

TEST_F(PeerTransportTest, receiverRestartsOnSamePort_senderReconnects) {
  Member a(loop_, Options(1));
  auto b = std::make_unique<Member>(loop_, Options(2));
  uint16_t port = b->port;
  a.transport.AddPeer(2, {Url(port)});
  a.transport.Send({Heartbeat(1, 2, 1)});
  ASSERT_TRUE(RunUntil([&] { return b->received.size() == 1; }));

  b.reset();  // the receiver goes away; the sender notices the close
  ASSERT_TRUE(RunUntil([&] { return a.Told(MessageType::kUnreachable, 2); }));
  EXPECT_FALSE(a.transport.Stats().at(2).connected);

  TransportOptions o = Options(2);
  auto b2 = std::make_unique<PeerTransport>(loop_, o);
  std::vector<Message> got;
  b2->SetHandler([&](Message m) { got.push_back(std::move(m)); });
  ASSERT_EQ(*b2->Listen("127.0.0.1", port), port);
  // Raft keeps sending; some message must get through to the new receiver.
  uint64_t n = 2;
  auto next_send = Clock::now();
  ASSERT_TRUE(RunUntil([&] {
    if (Clock::now() >= next_send) {
      a.transport.Send({Heartbeat(1, 2, n++)});
      next_send += 20ms;
    }
    return !got.empty();
  }));
  EXPECT_EQ(got[0].from, 1u);
  EXPECT_TRUE(a.transport.Stats().at(2).connected);
}

TEST_F(PeerTransportTest, wrongClusterOrReceiver_isRefused) {
  Member a(loop_, Options(1, kCluster)), b(loop_, Options(2, kCluster + 1));
  a.transport.AddPeer(2, {Url(b.port)});
  a.transport.AddPeer(3, {Url(b.port)});  // b is not member 3 either
  a.transport.Send({Heartbeat(1, 2, 1), Heartbeat(1, 3, 1)});
  ASSERT_TRUE(RunUntil([&] {
    return a.Told(MessageType::kUnreachable, 2) && a.Told(MessageType::kUnreachable, 3);
  }));
  RunFor(50ms);
  EXPECT_TRUE(b.received.empty());
  EXPECT_EQ(a.transport.Stats().at(2).sent + a.transport.Stats().at(2).failed, 1u);
}

TEST_F(PeerTransportTest, garbage_closesThatConnectionOnly) {
  Member a(loop_, Options(1)), b(loop_, Options(2));
  std::string hello = EncodeHello({kCluster, 1, 2});
  std::string bad_crc;
  AppendFrame(Heartbeat(1, 2, 1), bad_crc);
  bad_crc[5] ^= 1;
  std::string wrong_sender;
  AppendFrame(Heartbeat(3, 2, 1), wrong_sender);
  std::string local;
  Message hup;
  hup.type = MessageType::kHup;
  hup.from = 1;
  hup.to = 2;
  AppendFrame(hup, local);
  for (const std::string& bytes :
       {std::string("GET /raft HTTP/1.1\r\nHost: x\r\n\r\n"), std::string(4096, '\xff'),
        hello + bad_crc, hello + wrong_sender, hello + local,
        hello + std::string("\x05\0\0\0\0\0\0\0garbage", 15)}) {
    RawPeer raw(b.port);
    ASSERT_TRUE(raw.ok());
    raw.Write(bytes);
    EXPECT_TRUE(RunUntil([&] { return raw.Closed(); })) << bytes.size() << " bytes";
  }
  EXPECT_TRUE(b.received.empty());
  // The listener still serves a well-behaved member.
  a.transport.AddPeer(2, {Url(b.port)});
  a.transport.Send({Heartbeat(1, 2, 7)});
  ASSERT_TRUE(RunUntil([&] { return b.received.size() == 1; }));
  EXPECT_EQ(b.received[0], Heartbeat(1, 2, 7));
}

TEST_F(PeerTransportTest, silentConnection_isClosedAfterTheHelloTimeout) {
  TransportOptions o = Options(2);
  o.hello_timeout = 50ms;
  Member b(loop_, o);
  RawPeer raw(b.port);
  ASSERT_TRUE(raw.ok());
  EXPECT_TRUE(RunUntil([&] { return raw.Closed(); }, 2s));
}

TEST_F(PeerTransportTest, oversizedFrame_closesTheConnection) {
  TransportOptions small = Options(2);
  small.max_message_bytes = 1024;
  Member a(loop_, Options(1)), b(loop_, small);
  {
    RawPeer raw(b.port);
    std::string header;
    base::Encoder e(header);
    e.U32(1025);
    e.U32(0);
    raw.Write(EncodeHello({kCluster, 1, 2}) + header);
    EXPECT_TRUE(RunUntil([&] { return raw.Closed(); }));
  }
  // A sender with a larger limit: the big message costs its connection,
  // raft hears of it, and later small messages get through again.
  a.transport.AddPeer(2, {Url(b.port)});
  Message big = Heartbeat(1, 2, 1);
  big.type = MessageType::kAppend;
  big.entries.push_back({2, 1, raft::EntryType::kNormal, std::string(2000, 'x')});
  a.transport.Send({big});
  ASSERT_TRUE(RunUntil([&] { return a.Told(MessageType::kUnreachable, 2); }));
  uint64_t n = 2;
  auto next_send = Clock::now();
  ASSERT_TRUE(RunUntil([&] {
    if (Clock::now() >= next_send) {
      a.transport.Send({Heartbeat(1, 2, n++)});
      next_send += 20ms;
    }
    return !b.received.empty();
  }));
  EXPECT_EQ(b.received[0].type, MessageType::kHeartbeat);
}

TEST_F(PeerTransportTest, messageOverOwnLimit_isDroppedBeforeSending) {
  TransportOptions small = Options(1);
  small.max_message_bytes = 1024;
  Member a(loop_, small), b(loop_, Options(2));
  a.transport.AddPeer(2, {Url(b.port)});
  Message snap = Heartbeat(1, 2, 1);
  snap.type = MessageType::kSnapshot;
  snap.snapshot.meta = {10, 2, {{1, 2}, {}}};
  snap.snapshot.data = std::string(4096, 's');
  a.transport.Send({snap});
  EXPECT_EQ(a.transport.Stats().at(2).failed, 1u);
  ASSERT_TRUE(RunUntil([&] { return a.Told(MessageType::kSnapshotStatus, 2, true); }));
  EXPECT_TRUE(a.Told(MessageType::kUnreachable, 2));
}

TEST_F(PeerTransportTest, nothingListening_reportsUnreachableAndFailedSnapshot) {
  Member a(loop_, Options(1));
  a.transport.AddPeer(2, {Url(testing::FreePort())});
  Message snap = Heartbeat(1, 2, 1);
  snap.type = MessageType::kSnapshot;
  snap.snapshot.meta = {10, 2, {{1, 2}, {}}};
  a.transport.Send({Heartbeat(1, 2, 1), snap});
  ASSERT_TRUE(RunUntil([&] {
    return a.Told(MessageType::kUnreachable, 2) && a.Told(MessageType::kSnapshotStatus, 2, true);
  }));
  auto stats = a.transport.Stats().at(2);
  EXPECT_EQ(stats.failed, 2u);
  EXPECT_EQ(stats.sent, 0u);
  EXPECT_FALSE(stats.connected);
}

// A peer that accepts but never reads (hung or stopped): once the socket
// buffers are full the write stalls, and after write_timeout the
// connection fails and raft hears that the snapshot did not arrive.
TEST_F(PeerTransportTest, peerThatStopsReading_failsTheWriteAfterTheTimeout) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);  // the kernel accepts; nobody reads
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  TransportOptions o = Options(1);
  o.write_timeout = 200ms;
  Member a(loop_, o);
  a.transport.AddPeer(2, {Url(ntohs(addr.sin_port))});
  Message snap = Heartbeat(1, 2, 1);
  snap.type = MessageType::kSnapshot;
  snap.snapshot.meta = {10, 2, {{1, 2}, {}}};
  snap.snapshot.data = std::string(32u << 20, 's');  // far more than socket buffers hold
  a.transport.Send({snap});
  EXPECT_TRUE(RunUntil([&] { return a.Told(MessageType::kSnapshotStatus, 2, true); }, 10s));
  EXPECT_FALSE(a.Told(MessageType::kSnapshotStatus, 2, false));
  ::close(listener);
}

TEST_F(PeerTransportTest, snapshotWritten_reportsSuccess) {
  Member a(loop_, Options(1)), b(loop_, Options(2));
  a.transport.AddPeer(2, {Url(b.port)});
  Message snap = Heartbeat(1, 2, 1);
  snap.type = MessageType::kSnapshot;
  snap.snapshot.meta = {10, 2, {{1, 2}, {3}}};
  snap.snapshot.data = std::string(100000, 's');
  a.transport.Send({snap});
  ASSERT_TRUE(RunUntil([&] { return a.Told(MessageType::kSnapshotStatus, 2, false); }));
  ASSERT_TRUE(RunUntil([&] { return b.received.size() == 1; }));
  EXPECT_EQ(b.received[0], snap);
  EXPECT_FALSE(a.Told(MessageType::kUnreachable, 2));
}

TEST_F(PeerTransportTest, queueOverflow_dropsTheExcessAndReportsOnce) {
  TransportOptions o = Options(1);
  o.max_queue_messages = 4;
  Member a(loop_, o), b(loop_, Options(2));
  a.transport.AddPeer(2, {Url(b.port)});
  std::vector<Message> ten;
  for (uint64_t i = 0; i < 10; ++i) ten.push_back(Heartbeat(1, 2, i));
  a.transport.Send(ten);  // still connecting: only four fit
  EXPECT_EQ(a.transport.Stats().at(2).failed, 6u);
  EXPECT_TRUE(a.reports.empty()) << "reports are posted, never made inside Send";
  ASSERT_TRUE(RunUntil([&] { return b.received.size() == 4; }));
  EXPECT_EQ(b.received, std::vector<Message>(ten.begin(), ten.begin() + 4));
  EXPECT_EQ(std::count_if(a.reports.begin(), a.reports.end(),
                          [](const Message& m) { return m.type == MessageType::kUnreachable; }),
            1);
}

TEST_F(PeerTransportTest, removedPeerAndClosedTransport_sendNothing) {
  Member a(loop_, Options(1)), b(loop_, Options(2));
  a.transport.AddPeer(2, {Url(b.port)});
  a.transport.RemovePeer(2);
  a.transport.Send({Heartbeat(1, 2, 1)});
  a.transport.UpdatePeer(2, {Url(b.port)});  // a removed member stays removed
  EXPECT_TRUE(a.transport.Stats().empty());
  b.transport.AddPeer(1, {Url(a.port)});
  b.transport.Close();
  b.transport.Send({Heartbeat(2, 1, 1)});
  RunFor(50ms);
  EXPECT_TRUE(b.received.empty());
  EXPECT_TRUE(a.received.empty());
  EXPECT_TRUE(b.reports.empty());
}

// The membership query (--initial-cluster-state existing): a member that
// answers them tells the cluster it knows; one that does not (no
// cluster_info) closes the connection as for any wrong hello.
TEST_F(PeerTransportTest, membershipQuery_isAnsweredWithTheClusterInfo) {
  TransportOptions o = Options(2);
  o.cluster_info = [] {
    ClusterInfo info;
    info.cluster_id = kCluster;
    info.members.push_back({MemberId{2}, "b", {"http://127.0.0.1:1"}, {}});
    info.removed = {9};
    return EncodeClusterInfo(info);
  };
  Member answering(loop_, o), silent(loop_, Options(3));
  std::optional<base::Result<ClusterInfo>> got, refused;
  std::thread asker([&] {
    got = QueryCluster({Url(silent.port), Url(answering.port)}, 2s);
    refused = QueryCluster({Url(silent.port)}, 2s);
  });
  ASSERT_TRUE(RunUntil([&] { return refused.has_value(); }, 10s));
  asker.join();
  ASSERT_TRUE(got->ok()) << got->status().message();
  EXPECT_EQ((*got)->cluster_id, kCluster);
  ASSERT_EQ((*got)->members.size(), 1u);
  EXPECT_EQ((*got)->members[0].name, "b");
  EXPECT_EQ((*got)->removed, std::vector<uint64_t>{9});
  ASSERT_FALSE(refused->ok());
  EXPECT_NE(refused->status().message().find(Url(silent.port)), std::string::npos)
      << refused->status().message();
}

}  // namespace
}  // namespace flotilla::etcd

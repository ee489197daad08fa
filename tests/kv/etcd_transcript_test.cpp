// Replays the session observed against etcd 3.4.23 (shared/reference/etcd.md
// section 1.12) and compares every body byte for byte. etcd's first user
// write there had index 4 (cluster membership took 1-3), so three writes
// under /0 come first. Expirations are relative to kT0 (the "…" in the
// reference).
#include <gtest/gtest.h>

#include "kv/store.h"
#include "kv_test_util.h"

namespace flotilla::kv {
namespace {

using namespace kvtest;  // the shared helpers of kv_test_util.h

class EtcdTranscript : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) Ok(store_.Apply(SetReq("/0/members/m" + std::to_string(i), "{}")));
  }
  std::string Run(const Request& r) { return Json(store_.Apply(r)); }
  std::string Get(const std::string& path, bool recursive = false) {
    return Json(store_.Get(path, recursive, false, kT0));
  }
  Store store_;
};

TEST_F(EtcdTranscript, KeysSession) {
  EXPECT_EQ(
      Run(SetReq("/1/message", "Hello world")),
      R"({"action":"set","node":{"key":"/message","value":"Hello world","modifiedIndex":4,"createdIndex":4}})"
      "\n");
  EXPECT_EQ(
      Run(SetReq("/1/message", "Hello etcd")),
      R"({"action":"set","node":{"key":"/message","value":"Hello etcd","modifiedIndex":5,"createdIndex":5},"prevNode":{"key":"/message","value":"Hello world","modifiedIndex":4,"createdIndex":4}})"
      "\n");
  EXPECT_EQ(Get("/1/nokey"),
            R"({"errorCode":100,"message":"Key not found","cause":"/nokey","index":5})"
            "\n");
  EXPECT_EQ(Get("/1/message/child"),
            R"({"errorCode":104,"message":"Not a directory","cause":"/message","index":5})"
            "\n");
  EXPECT_EQ(Run(Req(Op::kCreate, "/1/message")),
            R"({"errorCode":105,"message":"Key already exists","cause":"/message","index":5})"
            "\n");
  EXPECT_EQ(
      Run(Req(Op::kCreate, "/1/new1", "a")),
      R"({"action":"create","node":{"key":"/new1","value":"a","modifiedIndex":6,"createdIndex":6}})"
      "\n");
  EXPECT_EQ(Run(Req(Op::kUpdate, "/1/new2", "a")),
            R"({"errorCode":100,"message":"Key not found","cause":"/new2","index":6})"
            "\n");

  Request cas = Req(Op::kCompareAndSwap, "/1/message");
  cas.prev_index = 1;
  cas.prev_value = "nope";
  EXPECT_EQ(
      Run(cas),
      R"({"errorCode":101,"message":"Compare failed","cause":"[nope != Hello etcd] [1 != 5]","index":6})"
      "\n");
  cas = Req(Op::kCompareAndSwap, "/1/message", "three");
  cas.prev_value = "Hello etcd";
  EXPECT_EQ(
      Run(cas),
      R"({"action":"compareAndSwap","node":{"key":"/message","value":"three","modifiedIndex":7,"createdIndex":5},"prevNode":{"key":"/message","value":"Hello etcd","modifiedIndex":5,"createdIndex":5}})"
      "\n");

  auto set = Ok(store_.Apply(SetReq("/1/message")));  // noValueOnSuccess=true
  std::string body;
  AppendActionOnlyJson(body, set->action);
  EXPECT_EQ(body, "{\"action\":\"set\"}\n");
  EXPECT_EQ(store_.index(), 8u);

  EXPECT_EQ(
      Run(DirReq(Op::kSet, "/1/dir1")),
      R"({"action":"set","node":{"key":"/dir1","dir":true,"modifiedIndex":9,"createdIndex":9}})"
      "\n");
  EXPECT_EQ(Run(DirReq(Op::kSet, "/1/dir1")),
            R"({"errorCode":102,"message":"Not a file","cause":"/dir1","index":9})"
            "\n");
  Request ttl = DirReq(Op::kUpdate, "/1/dir1");
  ttl.expiration = kT0 + 100 * kSecond;
  EXPECT_EQ(
      Run(ttl),
      R"({"action":"update","node":{"key":"/dir1","dir":true,"expiration":"2023-11-14T22:15:00.123456789Z","ttl":100,"modifiedIndex":10,"createdIndex":9},"prevNode":{"key":"/dir1","dir":true,"modifiedIndex":9,"createdIndex":9}})"
      "\n");

  Ok(store_.Apply(SetReq("/1/dir1/a", "x")));
  Ok(store_.Apply(SetReq("/1/dir1/_hidden", "h")));
  Ok(store_.Apply(SetReq("/1/dir1/sub/b", "y")));
  EXPECT_EQ(
      Get("/1/dir1"),
      R"({"action":"get","node":{"key":"/dir1","dir":true,"expiration":"2023-11-14T22:15:00.123456789Z","ttl":100,"nodes":[{"key":"/dir1/a","value":"x","modifiedIndex":11,"createdIndex":11},{"key":"/dir1/sub","dir":true,"modifiedIndex":13,"createdIndex":13}],"modifiedIndex":9,"createdIndex":9}})"
      "\n");

  EXPECT_EQ(Run(Req(Op::kDelete, "/1/dir1")),
            R"({"errorCode":102,"message":"Not a file","cause":"/dir1","index":13})"
            "\n");
  EXPECT_EQ(Run(DirReq(Op::kDelete, "/1/dir1")),
            R"({"errorCode":108,"message":"Directory not empty","cause":"/dir1","index":13})"
            "\n");
  Request rm = Req(Op::kDelete, "/1/dir1");
  rm.recursive = true;
  EXPECT_EQ(
      Run(rm),
      R"({"action":"delete","node":{"key":"/dir1","dir":true,"modifiedIndex":14,"createdIndex":9},"prevNode":{"key":"/dir1","dir":true,"expiration":"2023-11-14T22:15:00.123456789Z","ttl":100,"modifiedIndex":9,"createdIndex":9}})"
      "\n");

  const std::string read_only =
      R"({"errorCode":107,"message":"Root is read only","cause":"/","index":14})"
      "\n";
  EXPECT_EQ(Run(Req(Op::kDelete, "/1")), read_only);
  EXPECT_EQ(Run(SetReq("/1")), read_only);

  Request ttlkey = SetReq("/1/ttlkey", "v");
  ttlkey.expiration = kT0 + 5 * kSecond;
  Ok(store_.Apply(ttlkey));
  Request post = Req(Op::kCreate, "/1/queue", "Job1");
  post.unique = true;
  EXPECT_EQ(
      Run(post),
      R"({"action":"create","node":{"key":"/queue/00000000000000000016","value":"Job1","modifiedIndex":16,"createdIndex":16}})"
      "\n");
  Request refresh = Req(Op::kUpdate, "/1/ttlkey");
  refresh.refresh = true;
  refresh.expiration = kT0 + 10 * kSecond;
  EXPECT_EQ(
      Run(refresh),
      R"({"action":"update","node":{"key":"/ttlkey","value":"v","expiration":"2023-11-14T22:13:30.123456789Z","ttl":10,"modifiedIndex":17,"createdIndex":15},"prevNode":{"key":"/ttlkey","value":"v","expiration":"2023-11-14T22:13:25.123456789Z","ttl":5,"modifiedIndex":15,"createdIndex":15}})"
      "\n");
}

TEST_F(EtcdTranscript, ExpireWatchEvent) {
  Request ex = SetReq("/1/ex", "v");
  ex.expiration = kT0 + 2 * kSecond;
  Ok(store_.Apply(ex));
  std::string body;
  store_.Watch("/1/ex", false, false, 0, [&](const EventPtr& e) {
    AppendEventJson(body, *e, "/1");
    return true;
  });
  Ok(store_.Apply(SyncReq(kT0 + 2 * kSecond + kSecond / 2)));
  EXPECT_EQ(
      body,
      R"({"action":"expire","node":{"key":"/ex","modifiedIndex":5,"createdIndex":4},"prevNode":{"key":"/ex","value":"v","expiration":"2023-11-14T22:13:22.123456789Z","modifiedIndex":4,"createdIndex":4}})"
      "\n");
}

TEST_F(EtcdTranscript, RootListingHasNoKey) {
  Ok(store_.Apply(SetReq("/1/message", "Hello")));
  Ok(store_.Apply(DirReq(Op::kSet, "/1/dir")));
  Ok(store_.Apply(SetReq("/1/_hidden", "h")));
  EXPECT_EQ(
      Get("/1"),
      R"({"action":"get","node":{"dir":true,"nodes":[{"key":"/dir","dir":true,"modifiedIndex":5,"createdIndex":5},{"key":"/message","value":"Hello","modifiedIndex":4,"createdIndex":4}]}})"
      "\n");
  EXPECT_EQ(
      Get("/1/dir"),
      R"({"action":"get","node":{"key":"/dir","dir":true,"modifiedIndex":5,"createdIndex":5}})"
      "\n");
}

}  // namespace
}  // namespace flotilla::kv

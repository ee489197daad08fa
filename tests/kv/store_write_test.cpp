// The write operations, their events and every error they produce, with the
// exact cause etcd 3.4 reports.
#include <gtest/gtest.h>

#include "kv/store.h"
#include "kv_test_util.h"

namespace flotilla::kv {
namespace {

using namespace kvtest;  // the shared helpers of kv_test_util.h

TEST(Store, NewStoreHasNamespacesAtIndexZero) {
  Store s;
  EXPECT_EQ(s.index(), 0u);
  auto e = Ok(s.Get("/", false, false, kT0));
  ASSERT_EQ(e->node.nodes.size(), 2u);
  EXPECT_EQ(e->node.nodes[0].key, "/0");
  EXPECT_EQ(e->node.nodes[1].key, "/1");
  EXPECT_TRUE(e->node.nodes[1].dir);
  EXPECT_FALSE(s.HasTtlKeys());
}

TEST(Store, SetCreatesFileAndBumpsIndex) {
  Store s;
  auto e = Ok(s.Apply(SetReq("/1/foo", "bar")));
  EXPECT_EQ(e->action, Action::kSet);
  EXPECT_EQ(e->node.key, "/1/foo");
  EXPECT_EQ(e->node.value, "bar");
  EXPECT_EQ(e->node.modified_index, 1u);
  EXPECT_EQ(e->node.created_index, 1u);
  EXPECT_EQ(e->etcd_index, 1u);
  EXPECT_FALSE(e->prev_node);
  EXPECT_EQ(s.index(), 1u);
}

TEST(Store, SetReplacesFileWithNewCreatedIndexAndPrevNode) {
  Store s;
  Ok(s.Apply(SetReq("/1/foo", "a")));
  auto e = Ok(s.Apply(SetReq("/1/foo", "b")));
  EXPECT_EQ(e->node.created_index, 2u);
  ASSERT_TRUE(e->prev_node);
  EXPECT_EQ(e->prev_node->value, "a");
  EXPECT_EQ(e->prev_node->created_index, 1u);
}

TEST(Store, SetWithEmptyValueStoresEmptyString) {
  Store s;
  auto e = Ok(s.Apply(SetReq("/1/foo")));
  EXPECT_EQ(e->node.value, std::optional<std::string>(""));
}

TEST(Store, SetCreatesIntermediateDirsAtTheNewIndex) {
  Store s;
  Ok(s.Apply(SetReq("/1/x", "0")));
  Ok(s.Apply(SetReq("/1/a/b/c", "v")));
  auto a = Ok(s.Get("/1/a", false, false, kT0));
  EXPECT_TRUE(a->node.dir);
  EXPECT_EQ(a->node.created_index, 2u);
  EXPECT_EQ(a->node.expiration, 0);
}

TEST(Store, SetDirTrueCreatesDirectory) {
  Store s;
  auto e = Ok(s.Apply(DirReq(Op::kSet, "/1/d")));
  EXPECT_TRUE(e->node.dir);
  EXPECT_FALSE(e->node.value);
}

TEST(Store, SetDirOverFileReplacesIt) {
  Store s;
  Ok(s.Apply(SetReq("/1/f", "v")));
  auto e = Ok(s.Apply(DirReq(Op::kSet, "/1/f")));
  EXPECT_TRUE(e->node.dir);
  ASSERT_TRUE(e->prev_node);
  EXPECT_EQ(e->prev_node->value, "v");
}

TEST(Store, SetOnDirFailsNotAFile) {
  Store s;
  Ok(s.Apply(DirReq(Op::kSet, "/1/d")));
  for (bool dir : {false, true}) {
    Request r = SetReq("/1/d", "x");
    r.dir = dir;
    Error err = Err(s.Apply(r));
    EXPECT_EQ(err.code, ErrorCode::kNotFile);
    EXPECT_EQ(err.cause, "/1/d");
    EXPECT_EQ(err.index, 1u);
  }
  EXPECT_EQ(s.index(), 1u);  // failed writes do not bump the index
}

TEST(Store, WalkingThroughFileFailsNotADirWithFilePath) {
  Store s;
  Ok(s.Apply(SetReq("/1/f", "v")));
  for (Op op : {Op::kSet, Op::kCreate, Op::kUpdate, Op::kCompareAndSwap, Op::kDelete,
                Op::kCompareAndDelete, Op::kGet}) {
    Request r = Req(op, "/1/f/x/y", "v");
    r.prev_value = "v";
    Error err = Err(s.Apply(r));
    EXPECT_EQ(err.code, ErrorCode::kNotDir) << static_cast<int>(op);
    EXPECT_EQ(err.cause, "/1/f") << static_cast<int>(op);
    EXPECT_EQ(err.index, 1u);
  }
}

TEST(Store, MissingKeyCauseIsFirstMissingComponent) {
  Store s;
  Error err = Err(s.Apply(Req(Op::kUpdate, "/1/a/b/c", "v")));
  EXPECT_EQ(err.code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(err.cause, "/1/a");
  Ok(s.Apply(DirReq(Op::kSet, "/1/a")));
  err = Err(s.Apply(Req(Op::kDelete, "/1/a/b/c")));
  EXPECT_EQ(err.cause, "/1/a/b");
  EXPECT_EQ(err.index, 1u);
}

TEST(Store, RootAndNamespacesAreReadOnly) {
  Store s;
  for (const char* path : {"/", "/0", "/1", "/1/", "//1/./"}) {
    for (Op op : {Op::kSet, Op::kCreate, Op::kUpdate, Op::kCompareAndSwap, Op::kDelete}) {
      Request r = Req(op, path, "");
      r.prev_index = 1;
      r.recursive = true;
      Error err = Err(s.Apply(r));
      EXPECT_EQ(err.code, ErrorCode::kRootReadOnly) << path << " op " << static_cast<int>(op);
      EXPECT_EQ(err.cause, "/");
    }
  }
  EXPECT_EQ(s.index(), 0u);
}

TEST(Store, CompareAndDeleteOnNamespaceIsNotAFileNotReadOnly) {
  // etcd's CompareAndDelete has no read-only check: the root is just a dir.
  Store s;
  Request r = Req(Op::kCompareAndDelete, "/1");
  r.prev_value = "x";
  Error err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kNotFile);
  EXPECT_EQ(err.cause, "/1");
}

TEST(Store, CreateFailsWhenKeyExists) {
  Store s;
  Ok(s.Apply(SetReq("/1/foo", "a")));
  Error err = Err(s.Apply(Req(Op::kCreate, "/1/foo", "b")));
  EXPECT_EQ(err.code, ErrorCode::kNodeExist);
  EXPECT_EQ(err.cause, "/1/foo");
  EXPECT_EQ(err.index, 1u);
  err = Err(s.Apply(DirReq(Op::kCreate, "/1")));
  EXPECT_EQ(err.code, ErrorCode::kRootReadOnly);
}

TEST(Store, CreateMakesFileOrDir) {
  Store s;
  auto f = Ok(s.Apply(Req(Op::kCreate, "/1/f", "v")));
  EXPECT_EQ(f->action, Action::kCreate);
  EXPECT_EQ(f->node.value, "v");
  auto d = Ok(s.Apply(DirReq(Op::kCreate, "/1/d")));
  EXPECT_TRUE(d->node.dir);
  EXPECT_FALSE(d->node.value);
}

TEST(Store, CreateUniqueNamesChildAfterNewIndex) {
  Store s;
  for (int i = 0; i < 15; ++i) Ok(s.Apply(SetReq("/1/k" + std::to_string(i), "v")));
  Request r = Req(Op::kCreate, "/1/queue", "Job1");
  r.unique = true;
  auto e = Ok(s.Apply(r));
  EXPECT_EQ(e->node.key, "/1/queue/00000000000000000016");
  EXPECT_EQ(e->node.modified_index, 16u);
  r.dir = true;
  e = Ok(s.Apply(r));
  EXPECT_EQ(e->node.key, "/1/queue/00000000000000000017");
  EXPECT_TRUE(e->node.dir);
}

TEST(Store, CreateUniqueUnderRootOfNamespace) {
  Store s;
  Request r = Req(Op::kCreate, "/1", "x");
  r.unique = true;
  auto e = Ok(s.Apply(r));
  EXPECT_EQ(e->node.key, "/1/00000000000000000001");
}

TEST(Store, CreateUniqueUnderFileFailsNotADir) {
  Store s;
  Ok(s.Apply(SetReq("/1/f", "v")));
  Request r = Req(Op::kCreate, "/1/f", "x");
  r.unique = true;
  Error err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kNotDir);
  EXPECT_EQ(err.cause, "/1/f");
}

TEST(Store, UpdateChangesValueKeepsCreatedIndex) {
  Store s;
  Ok(s.Apply(SetReq("/1/foo", "a")));
  auto e = Ok(s.Apply(Req(Op::kUpdate, "/1/foo", "b")));
  EXPECT_EQ(e->action, Action::kUpdate);
  EXPECT_EQ(e->node.value, "b");
  EXPECT_EQ(e->node.modified_index, 2u);
  EXPECT_EQ(e->node.created_index, 1u);
  EXPECT_EQ(e->prev_node->value, "a");
  auto g = Ok(s.Get("/1/foo", false, false, kT0));
  EXPECT_EQ(g->node.value, "b");
  EXPECT_EQ(g->node.modified_index, 2u);
}

TEST(Store, UpdateMissingKeyFailsKeyNotFound) {
  Store s;
  Error err = Err(s.Apply(Req(Op::kUpdate, "/1/new2", "a")));
  EXPECT_EQ(err.code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(err.cause, "/1/new2");
}

TEST(Store, UpdateDirWithValueFailsNotAFile) {
  Store s;
  Ok(s.Apply(DirReq(Op::kSet, "/1/d")));
  Error err = Err(s.Apply(Req(Op::kUpdate, "/1/d", "x")));
  EXPECT_EQ(err.code, ErrorCode::kNotFile);
  EXPECT_EQ(err.cause, "/1/d");
}

TEST(Store, UpdateDirKeepsItsModifiedIndexLikeEtcd) {
  Store s;
  Ok(s.Apply(DirReq(Op::kSet, "/1/d")));
  Request r = Req(Op::kUpdate, "/1/d");
  r.expiration = kT0 + 100 * kvtest::kSecond;
  auto e = Ok(s.Apply(r));
  EXPECT_TRUE(e->node.dir);
  EXPECT_EQ(e->node.modified_index, 2u);
  EXPECT_EQ(e->node.ttl, 100);
  auto g = Ok(s.Get("/1/d", false, false, kT0));
  EXPECT_EQ(g->node.modified_index, 1u);  // etcd's node.Write refuses dirs
  EXPECT_EQ(g->node.expiration, r.expiration);
}

TEST(Store, CompareAndSwapOnValueIndexOrBoth) {
  Store s;
  Ok(s.Apply(SetReq("/1/foo", "a")));
  Request r = Req(Op::kCompareAndSwap, "/1/foo", "b");
  r.prev_value = "a";
  auto e = Ok(s.Apply(r));
  EXPECT_EQ(e->action, Action::kCompareAndSwap);
  EXPECT_EQ(e->node.value, "b");
  EXPECT_EQ(e->node.modified_index, 2u);
  EXPECT_EQ(e->node.created_index, 1u);
  EXPECT_EQ(e->prev_node->value, "a");

  r = Req(Op::kCompareAndSwap, "/1/foo", "c");
  r.prev_index = 2;
  EXPECT_EQ(Ok(s.Apply(r))->node.value, "c");

  r = Req(Op::kCompareAndSwap, "/1/foo", "d");
  r.prev_index = 3;
  r.prev_value = "c";
  EXPECT_EQ(Ok(s.Apply(r))->node.value, "d");
}

TEST(Store, CompareAndSwapFailureCauses) {
  Store s;
  Ok(s.Apply(SetReq("/1/k", "a")));
  Request r = Req(Op::kCompareAndSwap, "/1/k", "x");
  r.prev_value = "b";
  Error err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kTestFailed);
  EXPECT_EQ(err.cause, "[b != a]");
  EXPECT_EQ(err.index, 1u);

  r.prev_value.reset();
  r.prev_index = 5;
  EXPECT_EQ(Err(s.Apply(r)).cause, "[5 != 1]");

  r.prev_value = "b";
  EXPECT_EQ(Err(s.Apply(r)).cause, "[b != a] [5 != 1]");
  EXPECT_EQ(s.index(), 1u);
}

TEST(Store, CompareAndSwapWithNothingToCompareAlwaysPasses) {
  // prevIndex 0 and an empty prevValue test nothing.
  Store s;
  Ok(s.Apply(SetReq("/1/k", "a")));
  Request r = Req(Op::kCompareAndSwap, "/1/k", "b");
  r.prev_value = "";
  EXPECT_EQ(Ok(s.Apply(r))->node.value, "b");
}

TEST(Store, CompareAndSwapOnDirFailsNotAFile) {
  Store s;
  Ok(s.Apply(DirReq(Op::kSet, "/1/d")));
  Request r = Req(Op::kCompareAndSwap, "/1/d", "x");
  r.prev_value = "";
  r.prev_index = 1;
  Error err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kNotFile);
  EXPECT_EQ(err.cause, "/1/d");
}

TEST(Store, CompareAndSwapMissingKeyFailsKeyNotFound) {
  Store s;
  Request r = Req(Op::kCompareAndSwap, "/1/k", "x");
  r.prev_value = "a";
  Error err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(err.cause, "/1/k");
}

TEST(Store, DeleteFileGivesDeleteEventWithoutValue) {
  Store s;
  Ok(s.Apply(SetReq("/1/foo", "bar")));
  auto e = Ok(s.Apply(Req(Op::kDelete, "/1/foo")));
  EXPECT_EQ(e->action, Action::kDelete);
  EXPECT_EQ(e->node.key, "/1/foo");
  EXPECT_FALSE(e->node.value);
  EXPECT_FALSE(e->node.dir);
  EXPECT_EQ(e->node.modified_index, 2u);
  EXPECT_EQ(e->node.created_index, 1u);
  EXPECT_EQ(e->prev_node->value, "bar");
  EXPECT_EQ(Err(s.Get("/1/foo", false, false, kT0)).code, ErrorCode::kKeyNotFound);
}

TEST(Store, DeleteFileWithDirFlagWorks) {
  Store s;
  Ok(s.Apply(SetReq("/1/foo", "bar")));
  Request r = Req(Op::kDelete, "/1/foo");
  r.dir = true;
  Ok(s.Apply(r));
}

TEST(Store, DeleteDirRules) {
  Store s;
  Ok(s.Apply(SetReq("/1/d/a", "v")));
  Ok(s.Apply(DirReq(Op::kSet, "/1/empty")));

  Error err = Err(s.Apply(Req(Op::kDelete, "/1/d")));
  EXPECT_EQ(err.code, ErrorCode::kNotFile);
  EXPECT_EQ(err.cause, "/1/d");

  Request dir_only = Req(Op::kDelete, "/1/d");
  dir_only.dir = true;
  err = Err(s.Apply(dir_only));
  EXPECT_EQ(err.code, ErrorCode::kDirNotEmpty);
  EXPECT_EQ(err.cause, "/1/d");
  EXPECT_EQ(err.index, 2u);

  dir_only.path = "/1/empty";
  auto e = Ok(s.Apply(dir_only));
  EXPECT_TRUE(e->node.dir);
  EXPECT_TRUE(e->prev_node->dir);

  Request recursive = Req(Op::kDelete, "/1/d");
  recursive.recursive = true;  // implies dir
  e = Ok(s.Apply(recursive));
  EXPECT_EQ(e->node.key, "/1/d");
  EXPECT_TRUE(e->node.dir);
  EXPECT_EQ(e->node.modified_index, 4u);
  EXPECT_EQ(e->node.created_index, 1u);
  EXPECT_EQ(Err(s.Get("/1/d/a", false, false, kT0)).cause, "/1/d");
}

TEST(Store, CompareAndDeleteOnValueAndIndex) {
  Store s;
  Ok(s.Apply(SetReq("/1/k", "a")));
  Request r = Req(Op::kCompareAndDelete, "/1/k");
  r.prev_value = "b";
  Error err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kTestFailed);
  EXPECT_EQ(err.cause, "[b != a]");
  r.prev_value.reset();
  r.prev_index = 7;
  EXPECT_EQ(Err(s.Apply(r)).cause, "[7 != 1]");
  r.prev_index = 1;
  auto e = Ok(s.Apply(r));
  EXPECT_EQ(e->action, Action::kCompareAndDelete);
  EXPECT_EQ(e->node.modified_index, 2u);
  EXPECT_FALSE(e->node.value);
  EXPECT_EQ(e->prev_node->value, "a");
}

TEST(Store, CompareAndDeleteOnDirOrMissingKeyFails) {
  Store s;
  Ok(s.Apply(DirReq(Op::kSet, "/1/d")));
  Request r = Req(Op::kCompareAndDelete, "/1/d");
  r.prev_value = "x";
  Error err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kNotFile);
  EXPECT_EQ(err.cause, "/1/d");
  r.path = "/1/nope";
  err = Err(s.Apply(r));
  EXPECT_EQ(err.code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(err.cause, "/1/nope");
}

TEST(Store, UncleanPathsAreCleaned) {
  Store s;
  auto e = Ok(s.Apply(SetReq("/1//a/./b/../c/", "v")));
  EXPECT_EQ(e->node.key, "/1/a/c");
  EXPECT_EQ(Ok(s.Get("1/a/c", false, false, kT0))->node.value, "v");
}

TEST(Store, KeysMayHoldAnyByteButSlash) {
  Store s;
  std::string key = std::string("/1/sp ace<&>\xff\x01", 15);
  Ok(s.Apply(SetReq(key, "v")));
  EXPECT_EQ(Ok(s.Get(key, false, false, kT0))->node.key, key);
}

}  // namespace
}  // namespace flotilla::kv

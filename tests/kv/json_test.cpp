// JSON renderings, compared with bodies observed from etcd 3.4.23
// (shared/reference/etcd.md section 1.12).
#include "kv/json.h"

#include <gtest/gtest.h>

namespace flotilla::kv {
namespace {

NodeView File(std::string key, std::string value, Index modified, Index created) {
  NodeView n;
  n.key = std::move(key);
  n.value = std::move(value);
  n.modified_index = modified;
  n.created_index = created;
  return n;
}

std::string EventJson(const Event& e) {
  std::string out;
  AppendEventJson(out, e, "/1");
  return out;
}

std::string ErrorJson(const Error& e) {
  std::string out;
  AppendErrorJson(out, e, "/1");
  return out;
}

TEST(Json, SetEventWithPrevNode) {
  Event e;
  e.action = Action::kSet;
  e.node = File("/1/message", "Hello etcd", 5, 5);
  e.prev_node = File("/1/message", "Hello world", 4, 4);
  EXPECT_EQ(EventJson(e),
            "{\"action\":\"set\",\"node\":{\"key\":\"/message\",\"value\":\"Hello "
            "etcd\",\"modifiedIndex\":5,\"createdIndex\":5},\"prevNode\":{\"key\":\"/"
            "message\",\"value\":\"Hello world\",\"modifiedIndex\":4,\"createdIndex\":4}}\n");
}

TEST(Json, EmptyValueIsShownButAbsentValueIsNot) {
  Event e;
  e.action = Action::kDelete;
  e.node.key = "/1/k";
  e.node.modified_index = 3;
  e.node.created_index = 2;
  e.prev_node = File("/1/k", "", 2, 2);
  EXPECT_EQ(EventJson(e),
            "{\"action\":\"delete\",\"node\":{\"key\":\"/k\",\"modifiedIndex\":3,"
            "\"createdIndex\":2},\"prevNode\":{\"key\":\"/k\",\"value\":\"\","
            "\"modifiedIndex\":2,\"createdIndex\":2}}\n");
}

TEST(Json, DirWithTtlShowsExpirationAndTtl) {
  Event e;
  e.action = Action::kUpdate;
  e.node.key = "/1/dir1";
  e.node.dir = true;
  e.node.expiration = 1'763'779'530'358'224'079;
  e.node.ttl = 100;
  e.node.modified_index = 10;
  e.node.created_index = 9;
  EXPECT_EQ(EventJson(e),
            "{\"action\":\"update\",\"node\":{\"key\":\"/dir1\",\"dir\":true,\"expiration\":"
            "\"2025-11-22T02:45:30.358224079Z\",\"ttl\":100,\"modifiedIndex\":10,"
            "\"createdIndex\":9}}\n");
}

TEST(Json, ExpirationDropsTrailingZerosOfFraction) {
  Event e;
  e.action = Action::kSet;
  e.node = File("/1/k", "v", 1, 1);
  e.node.expiration = 1'700'000'000'120'000'000;
  e.node.ttl = 1;
  EXPECT_NE(EventJson(e).find("\"expiration\":\"2023-11-14T22:13:20.12Z\""), std::string::npos);
}

TEST(Json, NamespaceRootHasNoKeyAndNoIndexes) {
  Event e;
  e.action = Action::kGet;
  e.node.key = "/1";
  e.node.dir = true;
  e.node.listed = true;
  e.node.nodes.push_back(File("/1/message", "Hello", 4, 4));
  NodeView sub;
  sub.key = "/1/dir";
  sub.dir = true;
  sub.modified_index = sub.created_index = 5;
  e.node.nodes.push_back(sub);
  EXPECT_EQ(EventJson(e),
            "{\"action\":\"get\",\"node\":{\"dir\":true,\"nodes\":[{\"key\":\"/message\","
            "\"value\":\"Hello\",\"modifiedIndex\":4,\"createdIndex\":4},{\"key\":\"/dir\","
            "\"dir\":true,\"modifiedIndex\":5,\"createdIndex\":5}]}}\n");
}

TEST(Json, EmptyListedDirOmitsNodes) {
  Event e;
  e.action = Action::kGet;
  e.node.key = "/1/empty";
  e.node.dir = true;
  e.node.listed = true;
  e.node.modified_index = e.node.created_index = 2;
  EXPECT_EQ(EventJson(e),
            "{\"action\":\"get\",\"node\":{\"key\":\"/empty\",\"dir\":true,"
            "\"modifiedIndex\":2,\"createdIndex\":2}}\n");
}

TEST(Json, StringsAreEscapedAsGoDoes) {
  Event e;
  e.action = Action::kSet;
  e.node = File("/1/a<b>", "x&y\n\"q\"\\", 1, 1);
  EXPECT_EQ(EventJson(e),
            "{\"action\":\"set\",\"node\":{\"key\":\"/a\\u003cb\\u003e\",\"value\":"
            "\"x\\u0026y\\n\\\"q\\\"\\\\\",\"modifiedIndex\":1,\"createdIndex\":1}}\n");
}

TEST(Json, NegativeTtlIsShown) {
  Event e;
  e.action = Action::kGet;
  e.node = File("/1/k", "v", 1, 1);
  e.node.expiration = 1'700'000'000'000'000'000;
  e.node.ttl = -2;
  EXPECT_NE(EventJson(e).find("\"ttl\":-2,"), std::string::npos);
}

TEST(Json, RefreshFlagNeverReachesTheWire) {
  Event e;
  e.action = Action::kUpdate;
  e.node = File("/1/k", "v", 2, 1);
  e.refresh = true;
  EXPECT_EQ(EventJson(e).find("refresh"), std::string::npos);
}

TEST(Json, StripPrefixIsARawPrefix) {
  Event e;
  e.action = Action::kSet;
  e.node = File("/0/members", "m", 1, 1);
  std::string out;
  AppendEventJson(out, e, "/1");
  EXPECT_NE(out.find("\"key\":\"/0/members\""), std::string::npos);
  out.clear();
  AppendEventJson(out, e, "");
  EXPECT_NE(out.find("\"key\":\"/0/members\""), std::string::npos);
}

TEST(Json, ActionOnlyBody) {
  std::string out;
  AppendActionOnlyJson(out, Action::kCompareAndSwap);
  EXPECT_EQ(out, "{\"action\":\"compareAndSwap\"}\n");
}

TEST(Json, ErrorBodies) {
  EXPECT_EQ(ErrorJson(Error{ErrorCode::kKeyNotFound, "/1/nokey", 5}),
            "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/nokey\",\"index\":5}\n");

  EXPECT_EQ(ErrorJson(Error{ErrorCode::kTestFailed, "[nope != Hello etcd] [1 != 5]", 6}),
            "{\"errorCode\":101,\"message\":\"Compare failed\",\"cause\":\"[nope != Hello etcd] "
            "[1 != 5]\",\"index\":6}\n");

  EXPECT_EQ(ErrorJson(Error{ErrorCode::kRootReadOnly, "/", 14}),
            "{\"errorCode\":107,\"message\":\"Root is read only\",\"cause\":\"/\",\"index\":14}\n");

  EXPECT_EQ(ErrorJson(Error{ErrorCode::kPrevValueRequired, "\"prevValue\" cannot be empty", 0}),
            "{\"errorCode\":201,\"message\":\"PrevValue is Required in POST form\",\"cause\":"
            "\"\\\"prevValue\\\" cannot be empty\",\"index\":0}\n");

  EXPECT_EQ(ErrorJson(Error{ErrorCode::kEventIndexCleared,
                            "the requested history has been cleared [37/8]", 1036}),
            "{\"errorCode\":401,\"message\":\"The event in requested index is outdated and "
            "cleared\",\"cause\":\"the requested history has been cleared [37/8]\",\"index\":"
            "1036}\n");
}

TEST(Json, ErrorWithEmptyCauseOmitsIt) {
  // CompareAndDelete on the namespace root: cause "/1" strips to "".
  EXPECT_EQ(ErrorJson(Error{ErrorCode::kNotFile, "/1", 3}),
            "{\"errorCode\":102,\"message\":\"Not a file\",\"index\":3}\n");
}

TEST(Json, StoreStatsInEtcdFieldOrderWithoutNewline) {
  StoreStats s;
  s.gets_success = 1;
  s.gets_fail = 2;
  s.sets_success = 3;
  s.sets_fail = 4;
  s.delete_success = 5;
  s.delete_fail = 6;
  s.update_success = 7;
  s.update_fail = 8;
  s.create_success = 9;
  s.create_fail = 10;
  s.compare_and_swap_success = 11;
  s.compare_and_swap_fail = 12;
  s.compare_and_delete_success = 13;
  s.compare_and_delete_fail = 14;
  s.expire_count = 15;
  s.watchers = 16;
  std::string out;
  AppendStoreStatsJson(out, s);
  EXPECT_EQ(out,
            "{\"getsSuccess\":1,\"getsFail\":2,\"setsSuccess\":3,\"setsFail\":4,"
            "\"deleteSuccess\":5,\"deleteFail\":6,\"updateSuccess\":7,\"updateFail\":8,"
            "\"createSuccess\":9,\"createFail\":10,\"compareAndSwapSuccess\":11,"
            "\"compareAndSwapFail\":12,\"compareAndDeleteSuccess\":13,"
            "\"compareAndDeleteFail\":14,\"expireCount\":15,\"watchers\":16}");
}

}  // namespace
}  // namespace flotilla::kv

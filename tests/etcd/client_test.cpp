// etcd::Client against real servers: `flotilla serve` and, when installed,
// Debian's etcd 3.4 (--enable-v2), with the same tests. One server of each
// kind serves the whole suite; each test works under its own key prefix.
// The client runs on an EventLoop driven by the test thread (RunLoopUntil,
// with deadlines). The pure wire helpers are tested first, with no server.
#include "etcd/client.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <map>

#include "cluster_process.h"
#include "run_loop.h"

namespace flotilla::etcd {
namespace {

using namespace std::chrono_literals;
using flotilla::testing::RunLoopUntil;

// --- the wire format ---

TEST(EtcdClientWire, KeyPath_escapesAndCleansLikeTheGoClient) {
  EXPECT_EQ(KeyPath("/a"), "/v2/keys/a");
  EXPECT_EQ(KeyPath("a/b"), "/v2/keys/a/b");
  EXPECT_EQ(KeyPath("/dir/"), "/v2/keys/dir/");
  EXPECT_EQ(KeyPath(""), "/v2/keys");
  EXPECT_EQ(KeyPath("/a/../b//c"), "/v2/keys/b/c");
  EXPECT_EQ(KeyPath("/a b?c%d#e"), "/v2/keys/a%20b%3Fc%25d%23e");
  EXPECT_EQ(KeyPath("/ü"), "/v2/keys/%C3%BC");
}

TEST(EtcdClientWire, DecodeResponse_readsEveryNodeField) {
  auto r = DecodeResponse(
      R"({"action":"compareAndSwap","node":{"key":"/d","dir":true,"expiration":"2026-11-22T02:45:30.358224079Z","ttl":5,)"
      R"("nodes":[{"key":"/d/a","value":"1","modifiedIndex":7,"createdIndex":6}],"modifiedIndex":9,"createdIndex":4},)"
      R"("prevNode":{"key":"/d","value":"","modifiedIndex":4,"createdIndex":4}})"
      "\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->action, "compareAndSwap");
  EXPECT_EQ(r->node.key, "/d");
  EXPECT_TRUE(r->node.dir);
  EXPECT_EQ(r->node.ttl, 5);
  EXPECT_EQ(r->node.expiration, "2026-11-22T02:45:30.358224079Z");
  EXPECT_EQ(r->node.modified_index, 9u);
  EXPECT_EQ(r->node.created_index, 4u);
  ASSERT_EQ(r->node.nodes.size(), 1u);
  EXPECT_EQ(r->node.nodes[0].key, "/d/a");
  EXPECT_EQ(r->node.nodes[0].value, "1");
  EXPECT_EQ(r->node.nodes[0].modified_index, 7u);
  ASSERT_TRUE(r->prev_node.has_value());
  EXPECT_EQ(r->prev_node->created_index, 4u);
  EXPECT_FALSE(DecodeResponse(R"({"action":"get","node":{"nodes":[{"dir":"x"},7]}})").ok());
  EXPECT_FALSE(DecodeResponse("{").ok());
  EXPECT_EQ(DecodeResponse("").status().message(), "client: response body is empty");
}

TEST(EtcdClientWire, DecodeError_readsTheEnvelope) {
  auto e = DecodeError(R"({"errorCode":100,"message":"Key not found","cause":"/foo","index":6})");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(e->message, "Key not found");
  EXPECT_EQ(e->cause, "/foo");
  EXPECT_EQ(e->index, 6u);
  EXPECT_FALSE(DecodeError("Method Not Allowed").has_value());
  EXPECT_FALSE(DecodeError(R"({"action":"get"})").has_value());

  Reply reply(*e);
  EXPECT_FALSE(reply.ok());
  EXPECT_TRUE(reply.Is(ErrorCode::kKeyNotFound));
  EXPECT_EQ(reply.status().code(), base::Code::kNotFound);
  EXPECT_EQ(reply.status().message(), "100: Key not found (/foo) [6]");
}

// --- against servers ---

using flotilla::testing::ServerProcess;

// One server per kind for the whole suite, started on first use.
std::map<std::string, std::optional<ServerProcess>>& Servers() {
  static auto* servers = new std::map<std::string, std::optional<ServerProcess>>;
  return *servers;
}

class EtcdClientTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() { Servers().clear(); }

  void SetUp() override {
    if (GetParam() == "etcd" && !flotilla::testing::HaveEtcd()) {
      GTEST_SKIP() << "real etcd (/usr/bin/etcd) is not installed; only flotilla was tested";
    }
    auto& slot = Servers()[GetParam()];
    if (!slot) {
      slot = GetParam() == "etcd"
                 ? flotilla::testing::StartEtcd()
                 : flotilla::testing::StartFlotilla("", flotilla::testing::kStoreOnly);
    }
    ASSERT_TRUE(slot.has_value()) << "could not start " << GetParam();
    url_ = slot->url;
    // Watches of earlier tests are gone before this one counts watchers.
    ASSERT_TRUE(flotilla::testing::WaitForWatchers(url_, 0, 10s));
    client_ = MakeClient({url_});
    prefix_ = std::string("/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : prefix_) {
      if (c == '/' && &c != &prefix_[0]) c = '_';
    }
  }

  std::unique_ptr<Client> MakeClient(const std::vector<std::string>& endpoints,
                                     ClientOptions options = {}) {
    auto c = Client::Make(loop_, endpoints, options);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // Starts a call with a callback that stores the reply, and waits for it.
  template <typename Start>
  Reply Await(Start start) {
    std::optional<Reply> out;
    start([&](Reply r) { out.emplace(std::move(r)); });
    if (!RunLoopUntil(
            loop_, [&] { return out.has_value(); }, 20s)) {
      return base::Status(base::Code::kTimeout, "test: no answer within 20s");
    }
    return std::move(*out);
  }

  Reply Set(const std::string& key, const std::string& value, SetOptions o = {}) {
    return Await([&](Callback cb) { client_->Set(key, value, o, std::move(cb)); });
  }
  Reply Get(const std::string& key, GetOptions o = {}) {
    return Await([&](Callback cb) { client_->Get(key, o, std::move(cb)); });
  }
  Reply Delete(const std::string& key, DeleteOptions o = {}) {
    return Await([&](Callback cb) { client_->Delete(key, o, std::move(cb)); });
  }

  std::string K(const std::string& rest) const { return prefix_ + "/" + rest; }

  net::EventLoop loop_;
  std::string url_;
  std::unique_ptr<Client> client_;
  std::string prefix_;
};

#define ASSERT_REPLY_OK(r) ASSERT_TRUE((r).ok()) << (r).status().ToString()

TEST_P(EtcdClientTest, SetThenGet_returnsNodeAndIndexes) {
  Reply set = Set(K("a"), "hello world");
  ASSERT_REPLY_OK(set);
  EXPECT_EQ(set->action, "set");
  EXPECT_EQ(set->node.key, K("a"));
  EXPECT_EQ(set->node.value, "hello world");
  EXPECT_GT(set->node.modified_index, 0u);
  EXPECT_EQ(set->node.created_index, set->node.modified_index);
  EXPECT_EQ(set->etcd_index, set->node.modified_index);
  EXPECT_FALSE(set->prev_node.has_value());

  Reply again = Set(K("a"), "second");
  ASSERT_REPLY_OK(again);
  ASSERT_TRUE(again->prev_node.has_value());
  EXPECT_EQ(again->prev_node->value, "hello world");

  Reply get = Get(K("a"), {.quorum = true});
  ASSERT_REPLY_OK(get);
  EXPECT_EQ(get->action, "get");
  EXPECT_EQ(get->node.value, "second");
  EXPECT_EQ(get->node.modified_index, again->node.modified_index);
  EXPECT_GE(get->etcd_index, again->node.modified_index);
}

TEST_P(EtcdClientTest, Get_missingKeyIsKeyNotFound) {
  // (In a missing directory the cause would name the directory.)
  ASSERT_REPLY_OK(Set(K("present"), "1"));
  Reply r = Get(K("missing"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.Is(ErrorCode::kKeyNotFound));
  EXPECT_EQ(r.status().code(), base::Code::kNotFound);
  ASSERT_NE(r.etcd_error(), nullptr);
  EXPECT_EQ(r.etcd_error()->cause, K("missing"));
  EXPECT_EQ(r.status().message().rfind("100: Key not found (" + K("missing") + ") [", 0), 0u)
      << r.status().message();
}

TEST_P(EtcdClientTest, KeysWithReservedCharactersRoundTrip) {
  for (std::string name : {"a b", "q?x=1", "pct%41", "hash#frag", "plus+amp&eq=", "ü"}) {
    Reply set = Set(K(name), "v:" + name);
    ASSERT_REPLY_OK(set);
    EXPECT_EQ(set->node.key, K(name));
    Reply get = Get(K(name));
    ASSERT_REPLY_OK(get);
    EXPECT_EQ(get->node.key, K(name));
    EXPECT_EQ(get->node.value, "v:" + name);
  }
  // Values with form metacharacters arrive intact too.
  Reply set = Set(K("value"), "a=b&c=d+e %20");
  ASSERT_REPLY_OK(set);
  EXPECT_EQ(set->node.value, "a=b&c=d+e %20");
}

TEST_P(EtcdClientTest, CompareAndSwap_onValueAndIndex) {
  Reply first = Set(K("cas"), "one");
  ASSERT_REPLY_OK(first);

  Reply wrong_value = Set(K("cas"), "two", {.prev_value = "nope"});
  ASSERT_FALSE(wrong_value.ok());
  EXPECT_TRUE(wrong_value.Is(ErrorCode::kTestFailed));
  EXPECT_EQ(wrong_value.etcd_error()->cause, "[nope != one]");

  Reply wrong_index = Set(K("cas"), "two", {.prev_index = first->node.modified_index + 100});
  EXPECT_TRUE(wrong_index.Is(ErrorCode::kTestFailed));

  Reply by_value = Set(K("cas"), "two", {.prev_value = "one"});
  ASSERT_REPLY_OK(by_value);
  EXPECT_EQ(by_value->action, "compareAndSwap");
  EXPECT_EQ(by_value->prev_node->value, "one");

  Reply by_index = Set(K("cas"), "three", {.prev_index = by_value->node.modified_index});
  ASSERT_REPLY_OK(by_index);
  EXPECT_EQ(by_index->action, "compareAndSwap");
  EXPECT_EQ(by_index->node.value, "three");
}

TEST_P(EtcdClientTest, PrevExist_createOnlyAndUpdateOnly) {
  Reply create = Set(K("c"), "1", {.prev_exist = false});
  ASSERT_REPLY_OK(create);
  EXPECT_EQ(create->action, "create");

  Reply again = Set(K("c"), "2", {.prev_exist = false});
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.Is(ErrorCode::kNodeExist));
  EXPECT_EQ(again.status().code(), base::Code::kAlreadyExists);

  Reply update = Set(K("c"), "3", {.prev_exist = true});
  ASSERT_REPLY_OK(update);
  EXPECT_EQ(update->action, "update");

  Reply update_missing = Set(K("nothing"), "x", {.prev_exist = true});
  EXPECT_TRUE(update_missing.Is(ErrorCode::kKeyNotFound));
}

TEST_P(EtcdClientTest, Ttl_setRefreshClearAndExpire) {
  Reply set = Set(K("ttl"), "v", {.ttl = 100s});
  ASSERT_REPLY_OK(set);
  EXPECT_GT(set->node.ttl, 90);
  EXPECT_FALSE(set->node.expiration.empty());

  Reply refresh = Set(K("ttl"), "", {.ttl = 200s, .prev_exist = true, .refresh = true});
  ASSERT_REPLY_OK(refresh);
  EXPECT_EQ(refresh->node.value, "v");  // a refresh keeps the value
  EXPECT_GT(refresh->node.ttl, 190);

  Reply permanent = Set(K("ttl"), "w");
  ASSERT_REPLY_OK(permanent);
  EXPECT_EQ(permanent->node.ttl, 0);
  EXPECT_TRUE(permanent->node.expiration.empty());

  // A one-second key expires; its watcher hears "expire".
  Reply brief = Set(K("brief"), "v", {.ttl = 1s});
  ASSERT_REPLY_OK(brief);
  Reply expired = Await([&](Callback cb) {
    client_->Watch(K("brief"), {.wait_index = brief->node.modified_index + 1}, std::move(cb));
  });
  ASSERT_REPLY_OK(expired);
  EXPECT_EQ(expired->action, "expire");
  EXPECT_EQ(expired->node.key, K("brief"));
  ASSERT_TRUE(expired->prev_node.has_value());
  EXPECT_EQ(expired->prev_node->value, "v");
  EXPECT_TRUE(Get(K("brief")).Is(ErrorCode::kKeyNotFound));
}

TEST_P(EtcdClientTest, Delete_keysDirsAndCompareAndDelete) {
  ASSERT_REPLY_OK(Set(K("d/x"), "1"));
  ASSERT_REPLY_OK(Set(K("file"), "f"));

  Reply not_a_file = Delete(K("d"));
  EXPECT_TRUE(not_a_file.Is(ErrorCode::kNotFile));
  Reply not_empty = Delete(K("d"), {.dir = true});
  EXPECT_TRUE(not_empty.Is(ErrorCode::kDirNotEmpty));

  Reply cad_fail = Delete(K("file"), {.prev_value = "other"});
  EXPECT_TRUE(cad_fail.Is(ErrorCode::kTestFailed));
  Reply cad = Delete(K("file"), {.prev_value = "f"});
  ASSERT_REPLY_OK(cad);
  EXPECT_EQ(cad->action, "compareAndDelete");

  Reply rec = Delete(K("d"), {.recursive = true});
  ASSERT_REPLY_OK(rec);
  EXPECT_EQ(rec->action, "delete");
  EXPECT_TRUE(rec->node.dir);
  ASSERT_TRUE(rec->prev_node.has_value());
  EXPECT_TRUE(Get(K("d/x")).Is(ErrorCode::kKeyNotFound));

  Reply missing = Delete(K("file"));
  EXPECT_TRUE(missing.Is(ErrorCode::kKeyNotFound));
}

TEST_P(EtcdClientTest, Get_recursiveSortedListsTheSubtree) {
  ASSERT_REPLY_OK(Set(K("t/b"), "2"));
  ASSERT_REPLY_OK(Set(K("t/a"), "1"));
  ASSERT_REPLY_OK(Set(K("t/c/x"), "3"));
  ASSERT_REPLY_OK(Set(K("t/e"), "", {.dir = true}));

  Reply flat = Get(K("t"), {.sorted = true});
  ASSERT_REPLY_OK(flat);
  EXPECT_TRUE(flat->node.dir);
  ASSERT_EQ(flat->node.nodes.size(), 4u);
  EXPECT_TRUE(flat->node.nodes[2].nodes.empty());  // not listed without recursive

  Reply all = Get(K("t"), {.recursive = true, .sorted = true});
  ASSERT_REPLY_OK(all);
  std::vector<std::string> keys;
  for (const Node& n : all->node.nodes) keys.push_back(n.key);
  EXPECT_EQ(keys, (std::vector<std::string>{K("t/a"), K("t/b"), K("t/c"), K("t/e")}));
  EXPECT_EQ(all->node.nodes[0].value, "1");
  ASSERT_EQ(all->node.nodes[2].nodes.size(), 1u);
  EXPECT_EQ(all->node.nodes[2].nodes[0].key, K("t/c/x"));
  EXPECT_EQ(all->node.nodes[2].nodes[0].value, "3");
  EXPECT_TRUE(all->node.nodes[3].dir);
}

TEST_P(EtcdClientTest, CreateInOrder_keysSortInCreationOrder) {
  std::vector<std::string> created;
  for (const char* job : {"job1", "job2", "job3"}) {
    Reply r = Await([&](Callback cb) { client_->CreateInOrder(K("q"), job, {}, std::move(cb)); });
    ASSERT_REPLY_OK(r);
    EXPECT_EQ(r->action, "create");
    EXPECT_EQ(r->node.key.size(), K("q/").size() + 20) << r->node.key;
    created.push_back(r->node.key);
  }
  Reply list = Get(K("q"), {.recursive = true, .sorted = true});
  ASSERT_REPLY_OK(list);
  ASSERT_EQ(list->node.nodes.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(list->node.nodes[i].key, created[i]);
    EXPECT_EQ(list->node.nodes[i].value, "job" + std::to_string(i + 1));
  }
}

TEST_P(EtcdClientTest, Watch_waitIndexReturnsTheFirstEventAtOrAfterIt) {
  Reply one = Set(K("w"), "1");
  ASSERT_REPLY_OK(one);
  ASSERT_REPLY_OK(Set(K("w"), "2"));
  Reply w = Await([&](Callback cb) {
    client_->Watch(K("w"), {.wait_index = one->node.modified_index}, std::move(cb));
  });
  ASSERT_REPLY_OK(w);
  EXPECT_EQ(w->action, "set");
  EXPECT_EQ(w->node.value, "1");
  EXPECT_EQ(w->node.modified_index, one->node.modified_index);
}

TEST_P(EtcdClientTest, Watch_deliversAnEventThatHappensAfterItStarted) {
  std::optional<Reply> event;
  client_->Watch(K("dir"), {.recursive = true}, [&](Reply r) { event.emplace(std::move(r)); });
  // The server holds the watch before anything is written.
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return flotilla::testing::StoreWatchers(url_) == 1; }));
  EXPECT_FALSE(event.has_value());

  Reply set = Set(K("dir/sub/key"), "v");
  ASSERT_REPLY_OK(set);
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return event.has_value(); }));
  ASSERT_REPLY_OK(*event);
  EXPECT_EQ((*event)->action, "set");
  EXPECT_EQ((*event)->node.key, K("dir/sub/key"));
  EXPECT_EQ((*event)->node.modified_index, set->node.modified_index);
  EXPECT_LT((*event)->etcd_index, set->node.modified_index);  // the index when it started

  // Re-armed from modifiedIndex+1, the next change is the next event.
  event.reset();
  client_->Watch(K("dir"), {.recursive = true, .wait_index = set->node.modified_index + 1},
                 [&](Reply r) { event.emplace(std::move(r)); });
  ASSERT_REPLY_OK(Delete(K("dir/sub/key")));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return event.has_value(); }));
  ASSERT_REPLY_OK(*event);
  EXPECT_EQ((*event)->action, "delete");
}

TEST_P(EtcdClientTest, ManyWatches_doNotHoldUpOtherCalls) {
  // More watches than request connections: each holds a connection of the
  // watch pool, and writes still go through at once.
  constexpr int kWatches = 20;
  int events = 0;
  for (int i = 0; i < kWatches; ++i) {
    client_->Watch(K("mw"), {.recursive = true}, [&](Reply r) {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      ++events;
    });
  }
  ASSERT_TRUE(
      RunLoopUntil(loop_, [&] { return flotilla::testing::StoreWatchers(url_) == kWatches; }));
  ASSERT_REPLY_OK(Set(K("mw/key"), "v"));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return events == kWatches; }));
}

TEST_P(EtcdClientTest, Watch_cancelEndsItOnTheServer) {
  std::optional<Reply> event;
  CallId id = client_->Watch(K("never"), {}, [&](Reply r) { event.emplace(std::move(r)); });
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return flotilla::testing::StoreWatchers(url_) == 1; }));
  EXPECT_TRUE(client_->Cancel(id));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return event.has_value(); }));
  EXPECT_EQ(event->status().code(), base::Code::kCancelled);
  EXPECT_TRUE(flotilla::testing::WaitForWatchers(url_, 0, 10s));
}

TEST_P(EtcdClientTest, Destruction_withAWatchInFlightCallsNoCallback) {
  bool called = false;
  client_->Watch(K("never"), {}, [&](Reply) { called = true; });
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return flotilla::testing::StoreWatchers(url_) == 1; }));
  client_.reset();
  // The server notices the connection go.
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return flotilla::testing::StoreWatchers(url_) == 0; }));
  EXPECT_FALSE(called);
}

TEST_P(EtcdClientTest, Watch_historyClearedIs401AndRelistRecovers) {
  // etcd keeps the last 1000 events; 1010 writes (concurrent, so applied in
  // any order) push the first out.
  Reply first = Set(K("h"), "0");
  ASSERT_REPLY_OK(first);
  int done = 0, failed = 0;
  for (int i = 1; i <= 1010; ++i) {
    client_->Set(K("h"), std::to_string(i), {}, [&](Reply r) {
      ++done;
      if (!r.ok()) ++failed;
    });
  }
  ASSERT_TRUE(RunLoopUntil(
      loop_, [&] { return done == 1010; }, 120s));
  ASSERT_EQ(failed, 0);

  Reply cleared = Await([&](Callback cb) {
    client_->Watch(K("h"), {.wait_index = first->node.modified_index}, std::move(cb));
  });
  ASSERT_FALSE(cleared.ok());
  EXPECT_TRUE(cleared.Is(ErrorCode::kEventIndexCleared)) << cleared.status().ToString();
  EXPECT_EQ(cleared.etcd_error()->cause.rfind("the requested history has been cleared [", 0), 0u);

  // Re-list, then watch from the listing's index: the next write arrives.
  Reply list = Get(K("h"));
  ASSERT_REPLY_OK(list);
  EXPECT_GE(list->etcd_index, first->node.modified_index + 1010);
  std::optional<Reply> event;
  client_->Watch(K("h"), {.wait_index = list->etcd_index + 1},
                 [&](Reply r) { event.emplace(std::move(r)); });
  ASSERT_REPLY_OK(Set(K("h"), "after"));
  ASSERT_TRUE(RunLoopUntil(loop_, [&] { return event.has_value(); }));
  ASSERT_REPLY_OK(*event);
  EXPECT_EQ((*event)->node.value, "after");
}

TEST_P(EtcdClientTest, Failover_skipsADeadEndpointAndRemembersTheLiveOne) {
  std::string dead = "http://127.0.0.1:" + std::to_string(flotilla::testing::FreePort());
  client_ = MakeClient({dead, url_});
  ASSERT_REPLY_OK(Set(K("f"), "1"));
  EXPECT_EQ("http://" + client_->preferred_endpoint().HostPort(), url_);
  Reply get = Get(K("f"));
  ASSERT_REPLY_OK(get);
  EXPECT_EQ(get->node.value, "1");

  // A watch fails over too.
  Reply w = Await([&](Callback cb) {
    client_->Watch(K("f"), {.wait_index = get->node.modified_index}, std::move(cb));
  });
  ASSERT_REPLY_OK(w);
}

TEST_P(EtcdClientTest, Failover_fromAHostThatNeverAnswersTheDial) {
  // A listener with a full, undrained accept queue: connects hang, as they
  // do to a partitioned host.
  net::EventLoop other;
  boost::asio::ip::tcp::acceptor hole(other.context());
  hole.open(boost::asio::ip::tcp::v4());
  hole.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  hole.listen(0);
  boost::asio::ip::tcp::socket filler(other.context());
  filler.connect(hole.local_endpoint());
  std::string silent = "http://127.0.0.1:" + std::to_string(hole.local_endpoint().port());

  ClientOptions options;
  options.dial_timeout = 200ms;
  client_ = MakeClient({silent, url_}, options);
  auto start = std::chrono::steady_clock::now();
  ASSERT_REPLY_OK(Set(K("f"), "1"));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ("http://" + client_->preferred_endpoint().HostPort(), url_);
}

TEST_P(EtcdClientTest, Timeout_nextCallStartsAtTheNextEndpoint) {
  // A listener that never accepts: the kernel completes the handshake and
  // takes the request, and nothing ever answers.
  net::EventLoop other;
  boost::asio::ip::tcp::acceptor mute(other.context(),
                                      {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::string silent = "http://127.0.0.1:" + std::to_string(mute.local_endpoint().port());

  ClientOptions options;
  options.request_timeout = 200ms;
  client_ = MakeClient({silent, url_}, options);
  Reply timed_out = Set(K("t"), "1");
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), base::Code::kTimeout);
  EXPECT_TRUE(timed_out.status().message().ends_with(": i/o timeout"));
  ASSERT_REPLY_OK(Set(K("t"), "2"));
  EXPECT_EQ("http://" + client_->preferred_endpoint().HostPort(), url_);
}

TEST_P(EtcdClientTest, Failover_allEndpointsDownListsEveryError) {
  uint16_t p1 = flotilla::testing::FreePort(), p2 = flotilla::testing::FreePort();
  client_ = MakeClient(
      {"http://127.0.0.1:" + std::to_string(p1), "http://127.0.0.1:" + std::to_string(p2)});
  Reply r = Get(K("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
  EXPECT_EQ(r.etcd_error(), nullptr);
  EXPECT_EQ(r.status().message(),
            "client: etcd cluster is unavailable or misconfigured; error #0: dial tcp 127.0.0.1:" +
                std::to_string(p1) +
                ": connect: connection refused; error #1: dial tcp 127.0.0.1:" +
                std::to_string(p2) + ": connect: connection refused");
}

TEST_P(EtcdClientTest, ManyCallsAtOnce_shareThePool) {
  int done = 0;
  for (int i = 0; i < 50; ++i) {
    client_->Set(K("p" + std::to_string(i)), "v", {}, [&](Reply r) {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      ++done;
    });
  }
  ASSERT_TRUE(RunLoopUntil(
      loop_, [&] { return done == 50; }, 30s));
  Reply list = Get(prefix_);
  ASSERT_REPLY_OK(list);
  EXPECT_EQ(list->node.nodes.size(), 50u);
}

INSTANTIATE_TEST_SUITE_P(Servers, EtcdClientTest, ::testing::Values("flotilla", "etcd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace flotilla::etcd

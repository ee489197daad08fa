// Unit tests of the pure request-decoding pieces: Go-compatible forms and
// paths, the /v2/keys decoder, member ids, Go durations.
#include <gtest/gtest.h>

#include "base/go_url.h"
#include "etcd/client_api.h"
#include "etcd/form.h"
#include "etcd/key_request.h"
#include "etcd/member.h"

namespace flotilla::etcd {
namespace {

TEST(Form, ParseQueryDecodesPlusAndEscapesAndKeepsFirstValue) {
  Form f;
  EXPECT_FALSE(ParseQuery("value=Hello+world%21&value=second&flag", f));
  EXPECT_EQ(f.First("value"), "Hello world!");
  EXPECT_TRUE(f.Has("flag"));
  EXPECT_EQ(f.First("flag"), "");
  EXPECT_FALSE(f.Has("missing"));
}

TEST(Form, ParseQueryReportsGoErrorsButKeepsGoodPairs) {
  Form f;
  EXPECT_EQ(ParseQuery("a=1&b=%zz&c=3", f),
            std::optional<std::string>("invalid URL escape \"%zz\""));
  EXPECT_EQ(f.First("a"), "1");
  EXPECT_EQ(f.First("c"), "3");
  Form g;
  EXPECT_EQ(ParseQuery("x=1;y=2", g),
            std::optional<std::string>("invalid semicolon separator in query"));
  Form h;
  EXPECT_EQ(ParseQuery("t=%4", h), std::optional<std::string>("invalid URL escape \"%4\""));
}

TEST(Form, CanonicalUrlPathMatchesServeMux) {
  EXPECT_EQ(base::CanonicalUrlPath("/v2/keys/foo//bar/../x"), "/v2/keys/foo/x");
  EXPECT_EQ(base::CanonicalUrlPath("/v2/keys/"), "/v2/keys/");
  EXPECT_EQ(base::CanonicalUrlPath("/../a"), "/a");
  EXPECT_EQ(base::CanonicalUrlPath("/"), "/");
  EXPECT_EQ(base::CanonicalUrlPath("/a/./b/"), "/a/b/");
}

KeyRequest MustDecode(std::string_view method, std::string_view key, std::string_view query,
                      std::string_view body = {}) {
  RawKeyRequest raw{method, key, query, body.empty() ? "" : "application/x-www-form-urlencoded",
                    body};
  auto r = DecodeKeyRequest(raw, 1'000'000'000'000);
  EXPECT_TRUE(std::holds_alternative<KeyRequest>(r));
  return std::get<KeyRequest>(r);
}

kv::Error MustFail(std::string_view method, std::string_view query, std::string_view body = {}) {
  RawKeyRequest raw{method, "/k", query, body.empty() ? "" : "application/x-www-form-urlencoded",
                    body};
  auto r = DecodeKeyRequest(raw, 0);
  EXPECT_TRUE(std::holds_alternative<kv::Error>(r));
  return std::get<kv::Error>(r);
}

TEST(KeyRequest, MethodsMapToEtcdStoreOperations) {
  EXPECT_EQ(MustDecode("PUT", "/k", "", "value=v").request.op, kv::Op::kSet);
  EXPECT_EQ(MustDecode("PUT", "/k", "prevExist=false").request.op, kv::Op::kCreate);
  EXPECT_EQ(MustDecode("PUT", "/k", "prevExist=true").request.op, kv::Op::kUpdate);
  EXPECT_EQ(MustDecode("PUT", "/k", "prevExist=true&prevIndex=3").request.op,
            kv::Op::kCompareAndSwap);
  EXPECT_EQ(MustDecode("PUT", "/k", "prevValue=x").request.op, kv::Op::kCompareAndSwap);
  EXPECT_EQ(MustDecode("PUT", "/k", "prevIndex=0").request.op, kv::Op::kSet);
  auto post = MustDecode("POST", "/q", "", "value=job");
  EXPECT_EQ(post.request.op, kv::Op::kCreate);
  EXPECT_TRUE(post.request.unique);
  EXPECT_EQ(MustDecode("DELETE", "/k", "prevValue=x").request.op, kv::Op::kCompareAndDelete);
  EXPECT_EQ(MustDecode("DELETE", "/k", "recursive=true").request.op, kv::Op::kDelete);
  EXPECT_EQ(MustDecode("GET", "/k", "wait=true").kind, KeyRequest::Kind::kWatch);
  auto q = MustDecode("GET", "/k", "quorum=true");
  EXPECT_TRUE(q.quorum);
  EXPECT_EQ(q.request.op, kv::Op::kGet);
}

TEST(KeyRequest, PathsLiveUnderTheUserNamespace) {
  EXPECT_EQ(MustDecode("GET", "", "").request.path, "/1");
  EXPECT_EQ(MustDecode("GET", "/", "").request.path, "/1");
  EXPECT_EQ(MustDecode("GET", "/a/b/", "").request.path, "/1/a/b");
}

TEST(KeyRequest, BodyWinsOverQueryAndDeleteIgnoresBody) {
  EXPECT_EQ(MustDecode("PUT", "/k", "value=q", "value=b").request.value, "b");
  auto del = MustDecode("DELETE", "/k", "", "prevValue=x");
  EXPECT_EQ(del.request.op, kv::Op::kDelete);
}

TEST(KeyRequest, TtlBecomesAnAbsoluteExpiration) {
  auto r = MustDecode("PUT", "/k", "", "value=v&ttl=5");
  EXPECT_EQ(r.request.expiration, 1'000'000'000'000 + 5'000'000'000);
  EXPECT_EQ(MustDecode("PUT", "/k", "", "value=v&ttl=").request.expiration, 0);
}

TEST(KeyRequest, ErrorsMatchEtcdCodesAndCauses) {
  auto e = MustFail("PUT", "prevValue=");
  EXPECT_EQ(e.code, kv::ErrorCode::kPrevValueRequired);
  EXPECT_EQ(e.cause, "\"prevValue\" cannot be empty");
  EXPECT_EQ(MustFail("PUT", "", "ttl=-1").cause, "invalid value for \"ttl\"");
  EXPECT_EQ(MustFail("PUT", "", "ttl=-1").code, kv::ErrorCode::kTtlNaN);
  EXPECT_EQ(MustFail("GET", "recursive=maybe").cause, "invalid value for \"recursive\"");
  EXPECT_EQ(MustFail("POST", "wait=true").cause, "\"wait\" can only be used with GET requests");
  EXPECT_EQ(MustFail("PUT", "", "refresh=true").code, kv::ErrorCode::kRefreshTtlRequired);
  EXPECT_EQ(MustFail("PUT", "", "refresh=true&ttl=5&value=x").code, kv::ErrorCode::kRefreshValue);
  EXPECT_EQ(MustFail("PUT", "prevExist=maybe").cause, "invalid value for prevExist");
  EXPECT_EQ(MustFail("GET", "waitIndex=x").code, kv::ErrorCode::kIndexNaN);
  EXPECT_EQ(MustFail("GET", "a=%zz").code, kv::ErrorCode::kInvalidForm);
  EXPECT_EQ(MustFail("GET", "a=%zz").index, 0u);
}

TEST(Member, IdsMatchEtcdForTheSameFlags) {
  // Observed from etcd 3.4.23 started with these peer URLs and the default token.
  MemberId id = ComputeMemberId({"http://127.0.0.1:23801"}, "etcd-cluster");
  EXPECT_EQ(id.String(), "bdae9bbc11dd390d");
  EXPECT_EQ(ComputeClusterId({id}).String(), "d1cfaf999eb97a2a");
  EXPECT_EQ(MemberId::Parse("bdae9bbc11dd390d"), id);
  EXPECT_FALSE(MemberId::Parse("xyz"));
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(GoDuration(0), "0s");
  EXPECT_EQ(GoDuration(1500), "1.5µs");
  EXPECT_EQ(GoDuration(1'500'000), "1.5ms");
  EXPECT_EQ(GoDuration(253'735'769'180), "4m13.73576918s");
  EXPECT_EQ(GoDuration(3'600'000'000'000), "1h0m0s");
}

}  // namespace
}  // namespace flotilla::etcd

namespace flotilla::etcd {
namespace {

// Found by fuzz/key_request_fuzz.cpp: path.Join("/1", "/../x") is "/x".
TEST(KeyRequest, KeysThatClimbOutOfTheUserNamespaceAreRefused) {
  for (std::string_view key : {"/../x", "/../1x", "/a/../../0/members"}) {
    RawKeyRequest raw{"GET", key, "", "", ""};
    auto r = DecodeKeyRequest(raw, 0);
    ASSERT_TRUE(std::holds_alternative<kv::Error>(r)) << key;
    EXPECT_EQ(std::get<kv::Error>(r).code, kv::ErrorCode::kInvalidForm);
  }
}

}  // namespace
}  // namespace flotilla::etcd

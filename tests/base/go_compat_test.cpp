// Go's value spelling and URL building (base/go_strconv.h, base/go_url.h):
// what etcdctl prints and sends, and how etcd parses, depends on them.
#include <gtest/gtest.h>

#include "base/go_strconv.h"
#include "base/go_url.h"

namespace flotilla::base {
namespace {

TEST(GoStrconv, parseInt_acceptsGoSyntax) {
  NumError err;
  EXPECT_EQ(ParseGoInt("0x1F", &err), 31);
  EXPECT_EQ(ParseGoInt("010", &err), 8);
  EXPECT_EQ(ParseGoInt("-1_000", &err), -1000);
  EXPECT_EQ(ParseGoInt("0b101", &err), 5);
  EXPECT_EQ(ParseGoInt("0", &err), 0);
  EXPECT_FALSE(ParseGoInt("1__0", &err));
  EXPECT_FALSE(ParseGoInt("", &err));
  EXPECT_FALSE(ParseGoInt("08", &err));
  EXPECT_EQ(err, NumError::kSyntax);
  EXPECT_FALSE(ParseGoInt("9223372036854775808", &err));
  EXPECT_EQ(err, NumError::kRange);
  EXPECT_EQ(ParseGoInt("-9223372036854775808", &err), INT64_MIN);
}

TEST(GoStrconv, parseDuration_unitsAndFractions) {
  EXPECT_EQ(ParseGoDuration("2s"), 2'000'000'000);
  EXPECT_EQ(ParseGoDuration("1m30s"), 90'000'000'000);
  EXPECT_EQ(ParseGoDuration("1.5h"), 5'400'000'000'000);
  EXPECT_EQ(ParseGoDuration("1ns"), 1);
  EXPECT_EQ(ParseGoDuration("0"), 0);
  EXPECT_FALSE(ParseGoDuration("5"));
  EXPECT_FALSE(ParseGoDuration("s"));
  EXPECT_FALSE(ParseGoDuration("2x"));
}

TEST(GoStrconv, quote_escapesLikePercentQ) {
  EXPECT_EQ(GoQuote("value=x+y"), "\"value=x+y\"");
  EXPECT_EQ(GoQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\x01\"");
  EXPECT_EQ(GoQuote("\xC3\xA9\xFF"), "\"\xC3\xA9\\xff\"");
}

TEST(GoUrl, pathAndQueryEncodingMatchGo) {
  EXPECT_EQ(CanonicalUrlPath("/v2/keys/a/../b/"), "/v2/keys/b/");
  EXPECT_EQ(CanonicalUrlPath("/v2/keys/"), "/v2/keys/");
  EXPECT_EQ(PathClean("a/../../b"), "../b");
  EXPECT_EQ(PathJoin("", "/v2/members"), "/v2/members");
  EXPECT_EQ(EscapePath("/a b/c?d(e)!"), "/a%20b/c%3Fd%28e%29%21");
  EXPECT_EQ(QueryEscape("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
  UrlValues v;
  v.Set("value", "x y");
  v.Set("prevExist", "false");
  v.Add("ttl", "5");
  EXPECT_EQ(v.Encode(), "prevExist=false&ttl=5&value=x+y");
}

TEST(GoUrl, parse_endpointsAsGoDoes) {
  std::string error;
  auto u = ParseGoUrl("http://127.0.0.1:2379", &error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1:2379");
  EXPECT_EQ(u->String(), "http://127.0.0.1:2379");
  EXPECT_FALSE(ParseGoUrl("127.0.0.1:2379", &error));
  EXPECT_EQ(error, "parse \"127.0.0.1:2379\": first path segment in URL cannot contain colon");
  u = ParseGoUrl("localhost:2379", &error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "localhost");
  EXPECT_EQ(u->String(), "localhost:2379");
  GoUrl keys{"http", "", "h:1", "/v2/keys/a b", "recursive=false"};
  EXPECT_EQ(keys.String(), "http://h:1/v2/keys/a%20b?recursive=false");
}

TEST(GoStrconv, BoolsAndUints) {
  for (auto t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_EQ(ParseGoBool(t), true) << t;
  for (auto f : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_EQ(ParseGoBool(f), false) << f;
  for (auto bad : {"", "yes", "tRUE", "2"}) EXPECT_FALSE(ParseGoBool(bad)) << bad;
  EXPECT_EQ(ParseGoUint("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseGoUint("18446744073709551616"));
  EXPECT_FALSE(ParseGoUint("-1"));
  EXPECT_FALSE(ParseGoUint("+1"));
  EXPECT_FALSE(ParseGoUint("1.5"));
}

}  // namespace
}  // namespace flotilla::base

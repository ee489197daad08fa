// Unit tests of the pieces under `flotilla etcdctl` that must reproduce Go's
// behaviour exactly: flag parsing (Go's flag package under urfave/cli), URL
// building, value spelling, help layout and JSON output. No server needed.
#include <gtest/gtest.h>

#include "base/go_strconv.h"
#include "base/go_url.h"
#include "cli/etcdctl/flags.h"
#include "cli/etcdctl/help.h"
#include "cli/etcdctl/keys_api.h"
#include "cli/etcdctl/output.h"

namespace flotilla::cli::etcdctl {
namespace {

const std::vector<FlagSpec> kLsFlags = {
    {"sort", FlagKind::kBool, "returns result in sorted order"},
    {"recursive, r", FlagKind::kBool, "returns all key names recursively"},
    {"ttl", FlagKind::kInt, "key time-to-live in seconds", "0"},
    {"name", FlagKind::kString, "a name"},
    {"timeout", FlagKind::kDuration, "a timeout", "2s"},
};

TEST(FlagParser, parse_movesFlagsBeforeArgumentsAndCopiesAliases) {
  ParsedFlags f;
  FlagErrors e = FlagParser::Parse(&kLsFlags, {"/dir", "-r", "--ttl=5", "x"}, true, &f);
  ASSERT_TRUE(e.ok()) << e.parse << e.alias;
  EXPECT_TRUE(f.Bool("recursive"));
  EXPECT_TRUE(f.Bool("r"));
  EXPECT_EQ(f.Int("ttl"), 5);
  EXPECT_EQ(f.args, (std::vector<std::string>{"/dir", "x"}));
  EXPECT_EQ(f.DurationNs("timeout"), 2'000'000'000);  // the default
}

TEST(FlagParser, parse_valueAfterFlagIsTakenEvenIfItLooksLikeAnArgument) {
  ParsedFlags f;
  ASSERT_TRUE(FlagParser::Parse(&kLsFlags, {"/k", "--name", "-v"}, true, &f).ok());
  EXPECT_EQ(f.String("name"), "-v");
  EXPECT_EQ(f.args, (std::vector<std::string>{"/k"}));
}

TEST(FlagParser, parse_doubleDashEndsFlagsAndStaysLast) {
  ParsedFlags f;
  ASSERT_TRUE(FlagParser::Parse(&kLsFlags, {"-r", "/k", "--", "cmd", "--sort"}, true, &f).ok());
  EXPECT_EQ(f.args, (std::vector<std::string>{"/k", "--", "cmd", "--sort"}));
  EXPECT_FALSE(f.Bool("sort"));
}

TEST(FlagParser, parse_withoutReorderStopsAtFirstArgument) {
  ParsedFlags f;
  ASSERT_TRUE(FlagParser::Parse(&kLsFlags, {"--sort", "get", "-r"}, false, &f).ok());
  EXPECT_EQ(f.args, (std::vector<std::string>{"get", "-r"}));
  EXPECT_FALSE(f.Bool("r"));
}

TEST(FlagParser, parse_reportsGoErrorTexts) {
  ParsedFlags f;
  EXPECT_EQ(FlagParser::Parse(&kLsFlags, {"--bogus"}, true, &f).parse,
            "flag provided but not defined: -bogus");
  EXPECT_EQ(FlagParser::Parse(&kLsFlags, {"--ttl", "abc"}, true, &f).parse,
            "invalid value \"abc\" for flag -ttl: parse error");
  EXPECT_EQ(FlagParser::Parse(&kLsFlags, {"--ttl", "99999999999999999999"}, true, &f).parse,
            "invalid value \"99999999999999999999\" for flag -ttl: value out of range");
  EXPECT_EQ(FlagParser::Parse(&kLsFlags, {"--ttl"}, true, &f).parse,
            "flag needs an argument: -ttl");
  EXPECT_EQ(FlagParser::Parse(&kLsFlags, {"--sort=maybe"}, true, &f).parse,
            "invalid boolean value \"maybe\" for -sort: parse error");
  EXPECT_EQ(FlagParser::Parse(&kLsFlags, {"---x"}, false, &f).parse, "bad flag syntax: ---x");
  EXPECT_EQ(FlagParser::Parse(&kLsFlags, {"--timeout", "5"}, false, &f).parse,
            "invalid value \"5\" for flag -timeout: parse error");
  EXPECT_EQ(FlagParser::Parse(&kLsFlags, {"-r", "--recursive"}, true, &f).alias,
            "Cannot use two forms of the same flag: r recursive");
}

TEST(GoStrconv, parseInt_acceptsGoSyntax) {
  base::NumError err;
  EXPECT_EQ(base::ParseGoInt("0x1F", &err), 31);
  EXPECT_EQ(base::ParseGoInt("010", &err), 8);
  EXPECT_EQ(base::ParseGoInt("-1_000", &err), -1000);
  EXPECT_EQ(base::ParseGoInt("0b101", &err), 5);
  EXPECT_EQ(base::ParseGoInt("0", &err), 0);
  EXPECT_FALSE(base::ParseGoInt("1__0", &err));
  EXPECT_FALSE(base::ParseGoInt("", &err));
  EXPECT_FALSE(base::ParseGoInt("08", &err));
  EXPECT_EQ(err, base::NumError::kSyntax);
  EXPECT_FALSE(base::ParseGoInt("9223372036854775808", &err));
  EXPECT_EQ(err, base::NumError::kRange);
  EXPECT_EQ(base::ParseGoInt("-9223372036854775808", &err), INT64_MIN);
}

TEST(GoStrconv, parseDuration_unitsAndFractions) {
  EXPECT_EQ(base::ParseGoDuration("2s"), 2'000'000'000);
  EXPECT_EQ(base::ParseGoDuration("1m30s"), 90'000'000'000);
  EXPECT_EQ(base::ParseGoDuration("1.5h"), 5'400'000'000'000);
  EXPECT_EQ(base::ParseGoDuration("1ns"), 1);
  EXPECT_EQ(base::ParseGoDuration("0"), 0);
  EXPECT_FALSE(base::ParseGoDuration("5"));
  EXPECT_FALSE(base::ParseGoDuration("s"));
  EXPECT_FALSE(base::ParseGoDuration("2x"));
}

TEST(GoStrconv, quote_escapesLikePercentQ) {
  EXPECT_EQ(base::GoQuote("value=x+y"), "\"value=x+y\"");
  EXPECT_EQ(base::GoQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\x01\"");
  EXPECT_EQ(base::GoQuote("\xC3\xA9\xFF"), "\"\xC3\xA9\\xff\"");
}

TEST(GoUrl, pathAndQueryEncodingMatchGo) {
  EXPECT_EQ(base::CanonicalUrlPath("/v2/keys/a/../b/"), "/v2/keys/b/");
  EXPECT_EQ(base::CanonicalUrlPath("/v2/keys/"), "/v2/keys/");
  EXPECT_EQ(base::PathClean("a/../../b"), "../b");
  EXPECT_EQ(base::PathJoin("", "/v2/members"), "/v2/members");
  EXPECT_EQ(base::EscapePath("/a b/c?d(e)!"), "/a%20b/c%3Fd%28e%29%21");
  EXPECT_EQ(base::QueryEscape("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
  base::UrlValues v;
  v.Set("value", "x y");
  v.Set("prevExist", "false");
  v.Add("ttl", "5");
  EXPECT_EQ(v.Encode(), "prevExist=false&ttl=5&value=x+y");
}

TEST(GoUrl, parse_endpointsAsGoDoes) {
  std::string error;
  auto u = base::ParseGoUrl("http://127.0.0.1:2379", &error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1:2379");
  EXPECT_EQ(u->String(), "http://127.0.0.1:2379");
  EXPECT_FALSE(base::ParseGoUrl("127.0.0.1:2379", &error));
  EXPECT_EQ(error, "parse \"127.0.0.1:2379\": first path segment in URL cannot contain colon");
  u = base::ParseGoUrl("localhost:2379", &error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "localhost");
  EXPECT_EQ(u->String(), "localhost:2379");
  base::GoUrl keys{"http", "", "h:1", "/v2/keys/a b", "recursive=false"};
  EXPECT_EQ(keys.String(), "http://h:1/v2/keys/a%20b?recursive=false");
}

TEST(Help, commandHelp_alignsOptionsLikeTabwriter) {
  Command c;
  c.name = "ls";
  c.help_name = "etcdctl ls";
  c.usage = "retrieve a directory";
  c.args_usage = "[key]";
  c.flags = {{"sort", FlagKind::kBool, "returns result in sorted order"},
             {"recursive, r", FlagKind::kBool, "recurse"},
             {"p", FlagKind::kBool, "append slash (/) to directories"},
             {"ttl", FlagKind::kInt, "key time-to-live in seconds", "0"}};
  EXPECT_EQ(CommandHelp(c),
            "NAME:\n"
            "   etcdctl ls - retrieve a directory\n"
            "\n"
            "USAGE:\n"
            "   etcdctl ls [command options] [key]\n"
            "\n"
            "OPTIONS:\n"
            "   --sort           returns result in sorted order\n"
            "   --recursive, -r  recurse\n"
            "   -p               append slash (/) to directories\n"
            "   --ttl value      key time-to-live in seconds (default: 0)\n"
            "   \n");
}

TEST(Help, flagLine_placeholderAndDefaults) {
  EXPECT_EQ(FlagHelpLine({"output, o", FlagKind::kString, "format (`simple`, `json`)", "simple"}),
            "--output simple, -o simple\tformat (simple, `json`) (default: \"simple\")");
  EXPECT_EQ(FlagHelpLine({"timeout", FlagKind::kDuration, "per request", "2s"}),
            "--timeout value\tper request (default: 2s)");
  EXPECT_EQ(FlagHelpLine({"endpoint", FlagKind::kString, "deprecated"}),
            "--endpoint value\tdeprecated");
}

TEST(Output, marshalResponse_matchesGoJsonMarshal) {
  net::HttpResponse http;
  http.status = 200;
  http.headers = {{"X-Etcd-Index", "12"}};
  http.body =
      "{\"action\":\"get\",\"node\":{\"key\":\"/d\",\"dir\":true,\"nodes\":[{\"key\":\"/d/a\","
      "\"value\":\"<x>\",\"expiration\":\"2030-01-01T00:00:00.5Z\",\"ttl\":9,"
      "\"modifiedIndex\":7,\"createdIndex\":6}],\"modifiedIndex\":5,\"createdIndex\":5}}\n";
  auto resp = DecodeKeysResponse(http);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->index, 12u);
  EXPECT_EQ(MarshalResponse(resp.value()),
            "{\"action\":\"get\",\"node\":{\"key\":\"/d\",\"dir\":true,\"value\":\"\","
            "\"nodes\":[{\"key\":\"/d/a\",\"value\":\"\\u003cx\\u003e\",\"nodes\":null,"
            "\"createdIndex\":6,\"modifiedIndex\":7,\"expiration\":\"2030-01-01T00:00:00.5Z\","
            "\"ttl\":9}],\"createdIndex\":5,\"modifiedIndex\":5},\"prevNode\":null}");
}

TEST(Output, decode_errorsAsGoClientReportsThem) {
  net::HttpResponse http;
  http.status = 404;
  http.body = "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/x\",\"index\":3}\n";
  auto resp = DecodeKeysResponse(http);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().message, "100: Key not found (/x) [3]");
  http.body = "404 page not found\n";
  EXPECT_EQ(DecodeKeysResponse(http).error().message,
            "client: response is invalid json. The endpoint is probably not valid etcd cluster "
            "endpoint");
  http.status = 200;
  http.body = "";
  EXPECT_EQ(DecodeKeysResponse(http).error().message, "client: response body is empty");
}

}  // namespace
}  // namespace flotilla::cli::etcdctl

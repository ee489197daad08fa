// Unit tests of the pieces under `flotilla etcdctl` that must reproduce Go's
// behaviour exactly: flag parsing (Go's flag package under urfave/cli), URL
// building, value spelling, help layout and JSON output. No server needed.
#include <gtest/gtest.h>

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

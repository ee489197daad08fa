// The Go-compatibility pieces of fleetctl, in process: text/tabwriter with
// fleetctl's settings, pflag's parsing and errors, endpoint URLs, unit name
// mangling and the JSON fleetctl sends.
#include <gtest/gtest.h>

#include "cli/fleetctl/api_client.h"
#include "cli/fleetctl/flags.h"
#include "cli/fleetctl/schema.h"
#include "cli/fleetctl/tabwriter.h"
#include "cli/fleetctl/unit_files.h"

namespace flotilla::cli::fleetctl {
namespace {

TEST(FleetctlTabwriter, PadsWithTabsToTabStops) {
  // Column widths: widest cell + 1, rounded up to a multiple of 8.
  EXPECT_EQ(TabAlign("UNIT\tMACHINE\nhello.service\tee5398cf...\n"),
            "UNIT\t\tMACHINE\nhello.service\tee5398cf...\n");
  EXPECT_EQ(TabAlign("a\tb\n1234567\tc\n12345678\td\n"), "a\t\tb\n1234567\t\tc\n12345678\td\n");
}

TEST(FleetctlTabwriter, ColumnBlocksEndAtLinesWithoutTheColumn) {
  EXPECT_EQ(TabAlign("looooooong\tx\nno tabs here\na\tb\n"), "looooooong\tx\nno tabs here\na\tb\n");
  // A cell in a later column only aligns with its own block.
  EXPECT_EQ(TabAlign("a\tbbbbbbbbbb\tc\na\tb\n"), "a\tbbbbbbbbbb\tc\na\tb\n");
  EXPECT_EQ(TabAlign("\tx\n\tyy\n"), "\tx\n\tyy\n");
}

TEST(FleetctlTabwriter, SpacePaddingAndRunes) {
  TabwriterSettings spaces{0, 8, 2, ' '};
  EXPECT_EQ(TabAlign("é\tx\nab\ty\n", spaces), "é   x\nab  y\n");
  EXPECT_EQ(TabAlign("no newline\tat end", spaces), "no newline  at end");
}

FlagSet TestFlags() {
  return FlagSet({{"full", 'l', FlagKind::kBool, "false", ""},
                  {"lines", 'n', FlagKind::kInt, "10", ""},
                  {"follow", 'f', FlagKind::kBool, "false", ""},
                  {"fields", 0, FlagKind::kString, "unit", ""},
                  {"request-timeout", 0, FlagKind::kFloat, "3", ""}});
}

TEST(FleetctlFlags, InterspersedLongShortAndCombined) {
  FlagSet f = TestFlags();
  auto p = ParseFlags(f, {"a", "--fields=x,y", "b", "-lf", "-n5", "--request-timeout", "0.5", "c"});
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.args, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(f.String("fields"), "x,y");
  EXPECT_TRUE(f.Bool("full"));
  EXPECT_TRUE(f.Bool("follow"));
  EXPECT_EQ(f.Int("lines"), 5);
  EXPECT_DOUBLE_EQ(f.Float("request-timeout"), 0.5);
}

TEST(FleetctlFlags, BoolsTakeNoSeparateValueAndDashDashEndsFlags) {
  FlagSet f = TestFlags();
  auto p = ParseFlags(f, {"--full", "false", "--", "--lines", "-"});
  EXPECT_EQ(p.error, "");
  EXPECT_TRUE(f.Bool("full"));
  EXPECT_EQ(p.args, (std::vector<std::string>{"false", "--lines", "-"}));
  FlagSet g = TestFlags();
  EXPECT_EQ(ParseFlags(g, {"--full=false"}).error, "");
  EXPECT_FALSE(g.Bool("full"));
  EXPECT_TRUE(g.Changed("full"));
}

TEST(FleetctlFlags, ErrorsInPflagsWords) {
  auto err = [](std::vector<std::string> args) {
    FlagSet f = TestFlags();
    return ParseFlags(f, args).error;
  };
  EXPECT_EQ(err({"--nope"}), "unknown flag: --nope");
  EXPECT_EQ(err({"-x"}), "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(err({"-lx"}), "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(err({"--lines"}), "flag needs an argument: --lines");
  EXPECT_EQ(err({"-n"}), "flag needs an argument: 'n' in -n");
  EXPECT_EQ(err({"--lines=ten"}),
            "invalid argument \"ten\" for \"-n, --lines\" flag: strconv.ParseInt: parsing "
            "\"ten\": invalid syntax");
  EXPECT_EQ(err({"--full=maybe"}),
            "invalid argument \"maybe\" for \"-l, --full\" flag: strconv.ParseBool: parsing "
            "\"maybe\": invalid syntax");
  EXPECT_EQ(err({"---x"}), "bad flag syntax: ---x");
  FlagSet f = TestFlags();
  EXPECT_TRUE(ParseFlags(f, {"a", "-h"}).help);
}

TEST(FleetctlFlags, UsagesAlignedAndSorted) {
  EXPECT_EQ(FlagUsages({{"no-legend", 0, FlagKind::kBool, "false", "No legend"},
                        {"full", 'l', FlagKind::kBool, "false", "Full"},
                        {"fields", 0, FlagKind::kString, "unit", "Fields"},
                        {"lines", 0, FlagKind::kInt, "10", "Lines"}}),
            "      --fields string  Fields (default \"unit\")\n"
            "  -l, --full           Full\n"
            "      --lines int      Lines (default 10)\n"
            "      --no-legend      No legend\n");
}

TEST(FleetctlEndpoint, UrlsAsFleetctlReadsThem) {
  auto ep = ResolveEndpoint("http://127.0.0.1:4002,http://127.0.0.1:4003");
  ASSERT_TRUE(ep.ok()) << ep.status().message();
  EXPECT_EQ(ep->url_base, "http://127.0.0.1:4002");
  EXPECT_EQ(ep->path_prefix, "/fleet/v1/");
  ep = ResolveEndpoint("http://10.0.0.1:8080/proxy/");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->path_prefix, "/proxy/fleet/v1/");
  ep = ResolveEndpoint("unix:///var/run/fleet.sock");
  ASSERT_TRUE(ep.ok()) << ep.status().message();
  EXPECT_EQ(ep->url_base, "http://domain-sock");
  EXPECT_EQ(ep->path_prefix, "/fleet/v1/");
  EXPECT_EQ(ResolveEndpoint("unix://var/run/fleet.sock").status().message(),
            "unable to connect to host \"var\" with scheme \"unix\"");
  EXPECT_EQ(ResolveEndpoint("/var/run/fleet.sock").status().message(), "URL scheme undefined");
  EXPECT_EQ(ResolveEndpoint("tcp://1.2.3.4:5").status().message(),
            "unsupported protocol scheme \"tcp\"");
}

TEST(FleetctlUnitNames, MangledAsFleetctlDoes) {
  EXPECT_EQ(UnitNameMangle("units/hello"), "hello.service");
  EXPECT_EQ(UnitNameMangle("/a/b/web@1.service"), "web@1.service");
  EXPECT_EQ(UnitNameMangle("app.socket"), "app.socket");
  // fleetctl recognises only some types; the rest get ".service" too.
  EXPECT_EQ(UnitNameMangle("multi-user.target"), "multi-user.target.service");
  EXPECT_EQ(MaybeAppendDefaultUnitType("dir/x"), "dir/x.service");
  auto info = NewUnitNameInfo("web@01.service");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->IsInstance());
  EXPECT_EQ(info->template_name, "web@.service");
  EXPECT_FALSE(NewUnitNameInfo("web@.service")->IsInstance());
  EXPECT_EQ(GoPathDir("web@01.service"), ".");
  EXPECT_EQ(GoPathJoin(GoPathDir("/u/web@01.service"), "web@.service"), "/u/web@.service");
}

TEST(FleetctlSchema, EncodesAPutAsGoDoesAndReadsErrors) {
  Unit u;
  u.name = "a.service";
  u.desired_state = "launched";
  EXPECT_EQ(EncodeUnit(u), "{\"desiredState\":\"launched\",\"name\":\"a.service\"}\n");
  u.desired_state.clear();
  u.options = {{"Service", "ExecStart", "/bin/echo <&>"}, {"Service", "Environment", ""}};
  EXPECT_EQ(EncodeUnit(u),
            "{\"name\":\"a.service\",\"options\":[{\"name\":\"ExecStart\",\"section\":"
            "\"Service\",\"value\":\"/bin/echo \\u003c\\u0026\\u003e\"},{\"name\":"
            "\"Environment\",\"section\":\"Service\"}]}\n");
  int code;
  std::string message;
  ASSERT_TRUE(DecodeErrorEnvelope(R"({"error":{"code":404,"message":"unit does not exist"}})",
                                  &code, &message));
  EXPECT_EQ(code, 404);
  EXPECT_EQ(message, "unit does not exist");
  EXPECT_FALSE(DecodeErrorEnvelope("not json", &code, &message));
}

}  // namespace
}  // namespace flotilla::cli::fleetctl

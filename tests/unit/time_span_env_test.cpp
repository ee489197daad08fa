// Time spans (systemd.time(7)) and environment files (EnvironmentFile=).
#include <gtest/gtest.h>

#include "unit/env_file.h"
#include "unit/time_span.h"

namespace flotilla::unit {
namespace {

using namespace std::chrono_literals;

Span Parsed(std::string_view s) {
  auto r = ParseTimeSpan(s);
  EXPECT_TRUE(r.ok() && r->has_value())
      << s << ": " << (r.ok() ? "infinity" : r.status().message());
  return r.ok() && *r ? **r : Span(-1);
}

TEST(TimeSpan, systemdSpellings) {
  EXPECT_EQ(Parsed("5"), 5s);
  EXPECT_EQ(Parsed("5s"), 5s);
  EXPECT_EQ(Parsed("100ms"), 100ms);
  EXPECT_EQ(Parsed("1min 30s"), 90s);
  EXPECT_EQ(Parsed("2h30m"), 150min);
  EXPECT_EQ(Parsed(" 1.5s "), 1500ms);
  EXPECT_EQ(Parsed("2 days"), 48h);
  EXPECT_EQ(Parsed("10us"), 10us);
  EXPECT_EQ(Parsed("0"), 0s);
  auto inf = ParseTimeSpan("infinity");
  ASSERT_TRUE(inf.ok());
  EXPECT_FALSE(inf->has_value());
}

TEST(TimeSpan, badSpans_sayWhy) {
  for (const auto& [text, why] :
       std::vector<std::pair<std::string, std::string>>{{"", "empty"},
                                                        {"5 parsecs", "unknown unit 'parsecs'"},
                                                        {"s", "expected a number"},
                                                        {"1.2.3s", "two decimal points"},
                                                        {"-5s", "expected a number"},
                                                        {"99999999999999y", "too long"}}) {
    auto r = ParseTimeSpan(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  }
}

TEST(EnvironmentFile, etcEnvironmentAndQuoting) {
  auto vars = ParseEnvironmentFile(
      "# CoreOS\nCOREOS_PUBLIC_IPV4=172.17.8.101\nCOREOS_PRIVATE_IPV4=10.0.0.5  \n\n"
      "export A=\"two  words \\\"q\\\" \\$x\"\nB='lit $x \\n'\n C = spaced \nD=a\\\nb\n"
      "COREOS_PUBLIC_IPV4=1.2.3.4\n; last\nE=",
      "/etc/environment");
  ASSERT_TRUE(vars.ok()) << vars.status().message();
  EXPECT_EQ(*vars, (EnvVars{{"COREOS_PUBLIC_IPV4", "1.2.3.4"},
                            {"COREOS_PRIVATE_IPV4", "10.0.0.5"},
                            {"A", "two  words \"q\" $x"},
                            {"B", "lit $x \\n"},
                            {"C", "spaced"},
                            {"D", "ab"},
                            {"E", ""}}));
}

TEST(EnvironmentFile, badLines_nameFileAndLine) {
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"A=1\nnot an assignment\n", "/e:2: 'not an assignment' is not a KEY=VALUE"},
           {"1A=x\n", "/e:1: '1A=x' is not a KEY=VALUE"},
           {"A=\"open\n", "/e:1: unterminated \" quote"},
           {"\n\nA='open", "/e:3: unterminated ' quote"}}) {
    auto r = ParseEnvironmentFile(text, "/e");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().message().substr(0, why.size()), why) << r.status().message();
  }
}

}  // namespace
}  // namespace flotilla::unit

// [X-Fleet] requirements read as fleet reads them. The tables mirror fleet's
// job/job_test.go (TestParseRequirements*, TestJobPeers, TestJobConflicts,
// TestJobConditionMachineID, TestJobRequiredMetadata, TestInstanceUnitPrintf,
// TestUnitIsGlobal, TestValidateRequirements, TestBadValidateRequirements)
// and unit/unit_test.go's multi-value lines.
#include "fleet/requirements.h"

#include <gtest/gtest.h>

namespace flotilla::fleet {
namespace {

using Strings = std::vector<std::string>;

Requirements Reqs(const std::string& text, const std::string& name = "echo.service") {
  auto unit = unit::ParseUnitFile(text, name);
  EXPECT_TRUE(unit.ok()) << unit.status().message();
  return unit.ok() ? ParseRequirements(*unit, name) : Requirements{};
}

TEST(Requirements, fleetTestParseRequirements) {
  struct Case {
    std::string contents;
    std::map<std::string, Strings> want;
  };
  for (const Case& c : std::vector<Case>{
           {"", {}},
           {"[X-Fleet]", {}},
           {"[X-Fleet]\nFoo=bar", {{"Foo", {"bar"}}}},
           // deprecated prefixes are kept as written
           {"[X-Fleet]\nX-Foo=bar", {{"X-Foo", {"bar"}}}},
           {"[X-Fleet]\nX-ConditionFoo=bar", {{"X-ConditionFoo", {"bar"}}}},
           {"[X-Fleet]\nFoo=asdf\nFoo=qwer\n", {{"Foo", {"asdf", "qwer"}}}},
           {"[X-Fleet]\nDog=Woof\nX-Dog=Yap\nX-ConditionDog=Howl\n",
            {{"Dog", {"Woof"}}, {"X-Dog", {"Yap"}}, {"X-ConditionDog", {"Howl"}}}},
           {"[X-Fleet]\nFoo=Bar\nFoo=Baz\nPing=Pong\nPing=Pang\n",
            {{"Foo", {"Bar", "Baz"}}, {"Ping", {"Pong", "Pang"}}}},
           // other sections do not count
           {"[Unit]\nDescription=Timmy\n", {}},
       }) {
    EXPECT_EQ(Reqs(c.contents, "foo.service").options, c.want) << c.contents;
  }
}

TEST(Requirements, fleetTestParseRequirementsInstanceUnit) {
  const std::string contents = "[X-Fleet]\nFoo=%n\nBar=%N\nBaz=%p\nQux=%i\nZzz=something\n";
  auto plain = Reqs(contents, "test.service").options;
  EXPECT_EQ(plain["Foo"], Strings{"test.service"});
  EXPECT_EQ(plain["Bar"], Strings{"test"});
  EXPECT_EQ(plain["Baz"], Strings{"test"});
  EXPECT_EQ(plain["Qux"], Strings{""});
  EXPECT_EQ(plain["Zzz"], Strings{"something"});
  auto inst = Reqs(contents, "ssh@2.service").options;
  EXPECT_EQ(inst["Foo"], Strings{"ssh@2.service"});
  EXPECT_EQ(inst["Bar"], Strings{"ssh@2"});
  EXPECT_EQ(inst["Baz"], Strings{"ssh"});
  EXPECT_EQ(inst["Qux"], Strings{"2"});
  EXPECT_EQ(inst["Zzz"], Strings{"something"});
}

TEST(Requirements, fleetTestInstanceUnitPrintf) {
  // "waldo" is no unit type systemd knows; fleet substitutes all the same.
  EXPECT_EQ(UnitPrintf("%n", "foo@bar.waldo"), "foo@bar.waldo");
  EXPECT_EQ(UnitPrintf("%N", "foo@bar.waldo"), "foo@bar");
  EXPECT_EQ(UnitPrintf("%p", "foo@bar.waldo"), "foo");
  EXPECT_EQ(UnitPrintf("%i", "foo@bar.waldo"), "bar");
  // One specifier after the other, each everywhere; %% and others untouched.
  EXPECT_EQ(UnitPrintf("%p-%i-%p %% %H", "web@01.service"), "web-01-web %% %H");
  // A name without a '.' substitutes nothing (fleet's NewUnitNameInfo is nil).
  EXPECT_EQ(UnitPrintf("%n", "nodot"), "%n");
}

TEST(Requirements, specifiersOnlyInXFleet_typicalUses) {
  auto r = Reqs(
      "[Service]\nExecStart=/bin/echo %i\n[X-Fleet]\nMachineOf=%p.socket\n"
      "Conflicts=%p@*.service\nMachineMetadata=hostname=%i\nMachineID=%i\n",
      "web@node1.service");
  EXPECT_EQ(r.machine_of, Strings{"web.socket"});
  EXPECT_EQ(r.conflicts, Strings{"web@*.service"});
  EXPECT_EQ(r.metadata, (MetadataRequirement{{"hostname", {"node1"}}}));
  EXPECT_EQ(r.machine_id, "node1");
}

TEST(Requirements, fleetTestJobPeers) {
  EXPECT_EQ(Reqs("").machine_of, Strings{});
  EXPECT_EQ(Reqs("[X-Fleet]\nMachineOf=\"lol.service\"\n").machine_of, Strings{"lol.service"});
  EXPECT_EQ(Reqs("[X-Fleet]\nMachineOf=\"foo.service\" \"bar.service\"\n").machine_of,
            (Strings{"foo.service", "bar.service"}));
  // The deprecated alias comes first, whatever the file order.
  EXPECT_EQ(Reqs("[X-Fleet]\nMachineOf=b.service\nX-ConditionMachineOf=a.service\n").machine_of,
            (Strings{"a.service", "b.service"}));
}

TEST(Requirements, fleetTestJobConflicts_andWhitespaceSplitting) {
  EXPECT_EQ(Reqs("").conflicts, Strings{});
  EXPECT_EQ(Reqs("[Unit]\nDescription=Testing\n\n[X-Fleet]\nConflicts=*bar*\n").conflicts,
            Strings{"*bar*"});
  EXPECT_EQ(Reqs("[X-Fleet]\nX-Conflicts=*bar*\n").conflicts, Strings{"*bar*"});
  // functional/fixtures conflict.multiple.N: several names on one line.
  EXPECT_EQ(Reqs("[X-Fleet]\nConflicts=a.service b.service\tc.service\n").conflicts,
            (Strings{"a.service", "b.service", "c.service"}));
  EXPECT_EQ(Reqs("[X-Fleet]\nConflicts=\"a.service b.service\" \"c.service\"\n").conflicts,
            (Strings{"a.service", "b.service", "c.service"}));
  EXPECT_EQ(Reqs("[X-Fleet]\nConflicts=\n").conflicts, Strings{});
  // Replaces is not split on whitespace.
  EXPECT_EQ(Reqs("[X-Fleet]\nReplaces=a.service b.service\n").replaces,
            Strings{"a.service b.service"});
}

TEST(Requirements, multivalueLine_splitOnlyWhenWhollyQuoted) {
  auto opts = [](const std::string& line) { return Reqs("[X-Fleet]\nFoo=" + line).options["Foo"]; };
  EXPECT_EQ(opts("\"a=b\" \"c=d\""), (Strings{"a=b", "c=d"}));
  EXPECT_EQ(opts("a=b c=d"), Strings{"a=b c=d"});
  EXPECT_EQ(opts("\"a=b\" c=d"), Strings{"\"a=b\" c=d"});  // does not end in '"'
  EXPECT_EQ(opts("\"a b\" \"c\""), (Strings{"a b", "c"}));
  EXPECT_EQ(opts("\"a\"  \"b\""), (Strings{"a", "", "b"}));  // two spaces: an empty value
  EXPECT_EQ(opts("\""), Strings{""});
  EXPECT_EQ(opts(""), Strings{""});  // an empty assignment is one empty value, not a reset
}

TEST(Requirements, fleetTestJobConditionMachineID) {
  struct Case {
    std::string unit;
    std::optional<std::string> want;
  };
  for (const Case& c : std::vector<Case>{
           {"[X-Fleet]", std::nullopt},
           {"[X-Fleet]\nMachineID=123\n", "123"},
           // first value wins
           {"[X-Fleet]\nMachineID=\"123\" \"456\"\n", "123"},
           {"[X-Fleet]\nX-ConditionMachineID=\"123\" \"456\"\n", "123"},
           // the deprecated prefix only when the modern key is absent
           {"[X-Fleet]\nX-ConditionMachineID=\"456\"\nMachineID=\"123\"\n", "123"},
           {"[X-Fleet]\nMachineID=\"123\"\nX-ConditionMachineID=\"456\"\n", "123"},
           // the legacy boot id option last
           {"[X-Fleet]\nX-ConditionMachineBootID=123\n", "123"},
           {"[X-Fleet]\nX-ConditionMachineBootID=123\nX-ConditionMachineID=456\n", "456"},
           {"[X-Fleet]\nX-ConditionMachineBootID=123\nMachineID=456\n", "456"},
           // an empty value still pins (to a machine that cannot exist)
           {"[X-Fleet]\nMachineID=\n", ""},
       }) {
    EXPECT_EQ(Reqs(c.unit).machine_id, c.want) << c.unit;
  }
}

TEST(Requirements, fleetTestJobRequiredMetadata) {
  struct Case {
    std::string unit;
    MetadataRequirement want;
  };
  for (const Case& c : std::vector<Case>{
           {"[X-Fleet]", {}},
           {"[X-Fleet]\nMachineMetadata=foo=bar", {{"foo", {"bar"}}}},
           {"[X-Fleet]\nMachineMetadata=\"foo=bar\" \"foo=baz\"", {{"foo", {"bar", "baz"}}}},
           {"[X-Fleet]\nMachineMetadata=foo=bar\nMachineMetadata=foo=baz\n"
            "MachineMetadata=foo=asdf",
            {{"foo", {"bar", "baz", "asdf"}}}},
           {"[X-Fleet]\nMachineMetadata=\"foo=bar\" \"duck=quack\"",
            {{"foo", {"bar"}}, {"duck", {"quack"}}}},
           {"[X-Fleet]\nMachineMetadata=foo=bar\nMachineMetadata=dog=woof\n"
            "MachineMetadata=cat=miaow",
            {{"foo", {"bar"}}, {"dog", {"woof"}}, {"cat", {"miaow"}}}},
           {"[X-Fleet]\nX-ConditionMachineMetadata=foo=bar", {{"foo", {"bar"}}}},
           {"[X-Fleet]\nMachineMetadata=foo=bar\nX-ConditionMachineMetadata=foo=asdf",
            {{"foo", {"bar", "asdf"}}}},
           // bad fields are silently ignored
           {"[X-Fleet]\nMachineMetadata=foo=", {}},
           {"[X-Fleet]\nMachineMetadata==asdf", {}},
           {"[X-Fleet]\nMachineMetadata=foo=asdf=WHAT", {}},
           // several unquoted pairs on one line are one bad value
           {"[X-Fleet]\nMachineMetadata=a=b c=d", {}},
           {"[X-Fleet]\nMachineMetadata=ignored=\nMachineMetadata=oh=yeah\n"
            "MachineMetadata=whynot=zoidberg\nX-ConditionMachineMetadata=oh=no\n"
            "X-ConditionMachineMetadata=\"one=abc\" \"two=def\"",
            {{"oh", {"yeah", "no"}}, {"whynot", {"zoidberg"}}, {"one", {"abc"}}, {"two", {"def"}}}},
       }) {
    EXPECT_EQ(Reqs(c.unit).metadata, c.want) << c.unit;
  }
}

TEST(Requirements, fleetTestUnitIsTruthy) {
  for (const char* yes : {"true", "True", "TRUE", "yes", "YES", "1", "on", "On", "t", "T"}) {
    EXPECT_TRUE(IsTruthy(yes)) << yes;
  }
  for (const char* no : {"false", "no", "0", "off", "f", "", "what", "truee", " true"}) {
    EXPECT_FALSE(IsTruthy(no)) << no;
  }
}

TEST(Requirements, fleetTestUnitIsGlobal) {
  // (fleet's table also has "foobarbaz" and "Global=true" outside any
  // section; our unit parser refuses those files outright.)
  for (const auto& [contents, want] : std::vector<std::pair<std::string, bool>>{
           {"", false},
           {"[Service]\nExecStart=/bin/true", false},
           {"[X-Fleet]\nMachineOf=bar", false},
           {"[Service]\nGlobal=true", false},
           {"[X-Fleet]\nMachineOf=bar\nGlobal=false", false},
           {"[X-Fleet]\nMachineOf=bar\nGlobal=what", false},
           {"[X-Fleet]\nX-Global=true", false},
           {"[X-Fleet]\nX-ConditionGlobal=true", false},
           {"[X-Fleet]\nMachineOf=foo\nGlobal=true", true},
           {"[X-Fleet]\nMachineOf=foo\nGlobal=True", true},
           {"[X-Fleet]\nGlobal=yes", true},
           {"[X-Fleet]\nGlobal=true\nGlobal=false", false},
           {"[X-Fleet]\nGlobal=false\nGlobal=true", true},
           {"[X-Fleet]\nGlobal=\"false\" \"on\"", true},
       }) {
    EXPECT_EQ(Reqs(contents).global, want) << contents;
  }
}

TEST(Requirements, fleetTestValidateRequirements_knownKeysDoNotWarn) {
  for (const char* req :
       {"MachineID=asdf", "X-ConditionMachineID=123456", "X-ConditionMachineBootID=woofwoof",
        "X-ConditionMachineOf=asdf", "MachineOf=joe.service", "X-Conflicts=bar.service",
        "Conflicts=foo", "X-ConditionMachineMetadata=up=down", "MachineMetadata=true=false",
        "Global=true", "Replaces=old.service"}) {
    EXPECT_EQ(Reqs(std::string("[X-Fleet]\n") + req).warnings, Strings{}) << req;
  }
}

TEST(Requirements, fleetTestBadValidateRequirements_unknownKeysWarn) {
  for (const char* req :
       {"X-ConditionConflicts=asdf", "X-Peers=one", "Machineof=something", "X-Global=true",
        "global=true", "X-ConditionMachineId=one", "MachineId=true", "X-MachineMetadata=none",
        "X-ConditionMetadata=foo=foo"}) {
    std::string key(req, std::string_view(req).find('='));
    auto r = Reqs(std::string("[X-Fleet]\n") + req);
    EXPECT_EQ(r.warnings, Strings{"unrecognized requirement in [X-Fleet] section: \"" + key + "\""})
        << req;
  }
  // Once per key, in file order; the unit is still read.
  auto r = Reqs("[X-Fleet]\nB=1\nA=2\nB=3\nMachineOf=x.service\n");
  EXPECT_EQ(r.warnings, (Strings{"unrecognized requirement in [X-Fleet] section: \"B\"",
                                 "unrecognized requirement in [X-Fleet] section: \"A\""}));
  EXPECT_EQ(r.machine_of, Strings{"x.service"});
}

TEST(Requirements, badGlobs_matchNothingAndWarn) {
  auto r = Reqs("[X-Fleet]\nConflicts=web[ ok.service\nReplaces=old[\n");
  EXPECT_EQ(r.conflicts, (Strings{"web[", "ok.service"}));
  EXPECT_EQ(r.warnings,
            (Strings{"Conflicts pattern \"web[\" matches nothing: syntax error in pattern",
                     "Replaces pattern \"old[\" matches nothing: syntax error in pattern"}));
}

}  // namespace
}  // namespace flotilla::fleet

// The API's checks on a submitted unit: fleet's api/units_test.go
// TestValidateOptions and TestValidateName, with fleet's messages.
#include <gtest/gtest.h>

#include "fleet/requirements.h"

namespace flotilla::fleet {
namespace {

base::Status Validate(const std::string& xfleet) {
  auto unit = unit::ParseUnitFile("[X-Fleet]\n" + xfleet, "x.service");
  EXPECT_TRUE(unit.ok()) << unit.status().message();
  return ValidateRequirements(ParseRequirements(*unit, "x.service"));
}

TEST(ValidateRequirements, fleetTestValidateOptions_good) {
  for (const char* ok : {
           "",
           "MachineID=abcd",
           "MachineOf=foo.service",
           "Conflicts=foo.*",
           "Global=true",
           "Replaces=old.service",
           "MachineID=abcd\nMachineMetadata=role=web",
           "Global=true\nMachineMetadata=role=web",
           "Global=true\nConflicts=g.*",  // allowed since Replaces came (fleet.md 2.2)
           "MachineOf=db.service\nConflicts=web.*",
           "MachineOf=db.service\nReplaces=web.*",
           "Global=false\nMachineOf=db.service",
           "Unknown=whatever",
       }) {
    EXPECT_TRUE(Validate(ok).ok()) << ok << ": " << Validate(ok).message();
  }
}

TEST(ValidateRequirements, fleetTestValidateOptions_bad) {
  for (const auto& [xfleet, want] : std::vector<std::pair<std::string, std::string>>{
           {"MachineID=abcd\nMachineOf=foo.service", "MachineID cannot be used with Peers"},
           {"X-ConditionMachineID=abcd\nX-ConditionMachineOf=foo.service",
            "MachineID cannot be used with Peers"},
           {"MachineID=abcd\nConflicts=foo.*", "MachineID cannot be used with Conflicts"},
           {"MachineID=abcd\nGlobal=true", "MachineID cannot be used with Global"},
           {"MachineID=abcd\nReplaces=foo.*", "MachineID cannot be used with Replaces"},
           {"Global=true\nMachineOf=foo.service", "Global cannot be used with Peers"},
           {"Global=true\nReplaces=foo.service", "Global cannot be used with Replaces"},
           {"Conflicts=a.*\nReplaces=b.*", "Conflicts cannot be used with Replaces"},
           {"MachineOf=foo.service\nConflicts=foo.*",
            "unresolvable requirements: peer \"foo.service\" matches conflict \"foo.*\""},
           {"MachineOf=foo.service\nReplaces=foo.*",
            "unresolvable requirements: peer \"foo.service\" matches replace \"foo.*\""},
           // the unresolvable check comes before the combinations
           {"MachineID=abcd\nMachineOf=foo.service\nConflicts=*",
            "unresolvable requirements: peer \"foo.service\" matches conflict \"*\""},
       }) {
    auto st = Validate(xfleet);
    EXPECT_FALSE(st.ok()) << xfleet;
    EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
    EXPECT_EQ(st.message(), want) << xfleet;
  }
}

TEST(ValidateUnitName, fleetTestValidateName_good) {
  for (const std::string& name : {
           std::string("foo.service"), std::string("foo.socket"), std::string("foo.busname"),
           std::string("foo.snapshot"), std::string("foo.bar.baz.service"),
           std::string("foo@.service"), std::string("foo@bar.service"),
           std::string("foo@bar@baz.timer"), std::string("a:b_c-d\\x2d.mount"),
           std::string(248, 'a') + ".service",  // exactly 256
       }) {
    EXPECT_TRUE(ValidateUnitName(name).ok()) << name << ": " << ValidateUnitName(name).message();
  }
}

TEST(ValidateUnitName, fleetTestValidateName_bad) {
  for (const auto& [name, want] : std::vector<std::pair<std::string, std::string>>{
           {"", "unit name cannot be empty"},
           {std::string(249, 'a') + ".service", "unit name exceeds maximum length (256)"},
           {"foo", "unit name must contain \".\""},
           {"foo.", "unit name cannot end in \".\""},
           {"foo.bar", "invalid unit type: \"bar\""},
           {"foo.servICE", "invalid unit type: \"servICE\""},
           {"foo%.service", "invalid character '%' in unit name"},
           {"foo$$$.service", "invalid character '$' in unit name"},
           {"foo bar.service", "invalid character ' ' in unit name"},
           {"foo'.service", "invalid character '\\'' in unit name"},
           {"f\xc3\xa9.service", "invalid character '\xc3\xa9' in unit name"},
           {"@foo.service", "unit name cannot start in \"@\""},
           {"foo@.mount", "invalid unit type for a template or instance: \"mount\""},
           {"foo@bar.device", "invalid unit type for a template or instance: \"device\""},
       }) {
    auto st = ValidateUnitName(name);
    EXPECT_FALSE(st.ok()) << name;
    EXPECT_EQ(st.message(), want) << name;
  }
}

}  // namespace
}  // namespace flotilla::fleet

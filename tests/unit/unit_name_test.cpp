// Unit names, templates and instances, and specifiers (systemd.unit(5)).
#include "unit/unit_name.h"

#include <gtest/gtest.h>

namespace flotilla::unit {
namespace {

TEST(UnitName, plainTemplateAndInstance) {
  auto plain = ParseUnitName("db.service");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->prefix, "db");
  EXPECT_EQ(plain->type, "service");
  EXPECT_FALSE(plain->templated);
  EXPECT_EQ(plain->TemplateName(), "");

  auto tmpl = ParseUnitName("web@.service");
  ASSERT_TRUE(tmpl.ok());
  EXPECT_TRUE(tmpl->IsTemplate());
  auto inst = Instantiate(*tmpl, "01");
  ASSERT_TRUE(inst.ok());
  EXPECT_EQ(inst->full, "web@01.service");
  EXPECT_TRUE(inst->IsInstance());
  EXPECT_EQ(inst->instance, "01");
  EXPECT_EQ(inst->TemplateName(), "web@.service");
  EXPECT_EQ(inst->WithoutType(), "web@01");
  EXPECT_FALSE(Instantiate(*inst, "02").ok());
}

TEST(UnitName, invalidNames_sayWhy) {
  for (const auto& [name, why] : std::vector<std::pair<std::string, std::string>>{
           {"", "empty"},
           {"web", "no type suffix"},
           {"web.txt", "unknown unit type 'txt'"},
           {"@x.service", "empty name before"},
           {"a@b@c.service", "more than one '@'"},
           {"we b.service", "character ' ' is not allowed"},
           {std::string(300, 'a') + ".service", "longer than 255"},
       }) {
    auto n = ParseUnitName(name);
    ASSERT_FALSE(n.ok()) << name;
    EXPECT_NE(n.status().message().find(why), std::string::npos) << n.status().message();
  }
}

TEST(UnitName, unescape_isSystemds) {
  EXPECT_EQ(UnescapeUnitName("dev-sda1"), "dev/sda1");
  EXPECT_EQ(UnescapeUnitName("a\\x2db"), "a-b");
  EXPECT_EQ(UnescapeUnitName("trailing\\x2"), "trailing\\x2");
}

TEST(Specifiers, expandAsSystemdDoes) {
  auto u = ParseUnitName("web@a\\x2db-c.service");
  ASSERT_TRUE(u.ok());
  SpecifierContext ctx{"host1", "m1d", "b00t"};
  auto s = ExpandSpecifiers("%n|%N|%p|%P|%i|%I|%H|%m|%b|100%%", *u, ctx);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(*s, "web@a\\x2db-c.service|web@a\\x2db-c|web|web|a\\x2db-c|a-b/c|host1|m1d|b00t|100%");
  auto plain = ParseUnitName("db.service");
  EXPECT_EQ(*ExpandSpecifiers("%p %i.", *plain, ctx), "db .");
}

TEST(Specifiers, unknownOrDangling_isAnError) {
  auto u = ParseUnitName("db.service");
  EXPECT_NE(ExpandSpecifiers("x%q", *u, {}).status().message().find("unknown specifier '%q'"),
            std::string::npos);
  EXPECT_NE(ExpandSpecifiers("50%", *u, {}).status().message().find("lone '%'"), std::string::npos);
}

}  // namespace
}  // namespace flotilla::unit

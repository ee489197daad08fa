#include "kv/request.h"

#include <gtest/gtest.h>

namespace flotilla::kv {
namespace {

Request FullRequest() {
  Request r;
  r.op = Op::kCompareAndSwap;
  r.path = "/1/some/key";
  r.value = std::string("v\0al", 4);
  r.dir = true;
  r.recursive = true;
  r.sorted = true;
  r.unique = true;
  r.refresh = true;
  r.prev_value = "old";
  r.prev_index = 12345678901;
  r.expiration = 1'700'000'100'000'000'000;
  r.time = -5;  // before the epoch still round-trips
  return r;
}

void ExpectSame(const Request& a, const Request& b) {
  EXPECT_EQ(a.op, b.op);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.dir, b.dir);
  EXPECT_EQ(a.recursive, b.recursive);
  EXPECT_EQ(a.sorted, b.sorted);
  EXPECT_EQ(a.unique, b.unique);
  EXPECT_EQ(a.refresh, b.refresh);
  EXPECT_EQ(a.prev_value, b.prev_value);
  EXPECT_EQ(a.prev_index, b.prev_index);
  EXPECT_EQ(a.expiration, b.expiration);
  EXPECT_EQ(a.time, b.time);
}

TEST(Request, EncodeDecodeRoundTripsEveryField) {
  Request r = FullRequest();
  std::string wire;
  r.Encode(wire);
  auto back = Request::Decode(wire);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(r, *back);
}

TEST(Request, EncodeDecodeRoundTripsDefaults) {
  for (Op op : {Op::kSet, Op::kCreate, Op::kUpdate, Op::kCompareAndSwap, Op::kDelete,
                Op::kCompareAndDelete, Op::kGet, Op::kSync}) {
    Request r;
    r.op = op;
    std::string wire;
    r.Encode(wire);
    auto back = Request::Decode(wire);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSame(r, *back);
  }
}

TEST(Request, EmptyPrevValueIsDistinctFromAbsent) {
  Request r;
  r.prev_value = "";
  std::string wire;
  r.Encode(wire);
  auto back = Request::Decode(wire);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->prev_value, std::optional<std::string>(""));
}

TEST(Request, DecodeRejectsEveryTruncation) {
  std::string wire;
  FullRequest().Encode(wire);
  for (size_t n = 0; n < wire.size(); ++n) {
    auto r = Request::Decode(std::string_view(wire).substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.status().code(), base::Code::kCorruption);
  }
}

TEST(Request, DecodeRejectsTrailingBytes) {
  std::string wire;
  FullRequest().Encode(wire);
  wire += '\0';
  auto r = Request::Decode(wire);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trailing"), std::string::npos);
}

TEST(Request, DecodeRejectsUnknownVersionOpAndFlags) {
  std::string wire;
  FullRequest().Encode(wire);
  std::string bad = wire;
  bad[0] = 2;
  EXPECT_FALSE(Request::Decode(bad).ok());
  bad = wire;
  bad[1] = 0;
  EXPECT_FALSE(Request::Decode(bad).ok());
  bad[1] = 9;
  EXPECT_FALSE(Request::Decode(bad).ok());
  bad = wire;
  bad[2] = static_cast<char>(0x40 | bad[2]);
  EXPECT_FALSE(Request::Decode(bad).ok());
}

TEST(Request, DecodeSurvivesArbitraryBytes) {
  // Every byte string either decodes or is rejected; none crashes.
  std::string wire;
  FullRequest().Encode(wire);
  for (size_t i = 0; i < wire.size(); ++i) {
    for (int b : {0x00, 0x7f, 0x80, 0xff}) {
      std::string bad = wire;
      bad[i] = static_cast<char>(b);
      auto r = Request::Decode(bad);
      if (r.ok()) {
        std::string again;
        r->Encode(again);
        auto twice = Request::Decode(again);
        ASSERT_TRUE(twice.ok());
        ExpectSame(*r, *twice);
      }
    }
  }
}

}  // namespace
}  // namespace flotilla::kv

// The head-unit request scheme: parsing one row per malformation, the signing text and the
// freshness window (docs/credentials.md, "Head-unit requests").
#include "keys/head_unit_auth.hpp"

#include <gtest/gtest.h>

#include "keys/car_errors.hpp"

namespace paddock::keys {
namespace {

TEST(HeadUnitAuth, ParsesTheThreeParametersInAnyOrder) {
  auto a = parse_head_unit_authorization(
      R"(PaddockHeadUnit id="hu_abc", created=1800000000, signature="c2ln")");
  ASSERT_TRUE(a.ok()) << a.error().detail;
  EXPECT_EQ(a->head_unit_id, "hu_abc");
  EXPECT_EQ(a->created, 1800000000);
  EXPECT_EQ(a->signature, "c2ln");
  auto b = parse_head_unit_authorization(R"(paddockheadunit signature="c2ln",created=5,id=hu_x)");
  ASSERT_TRUE(b.ok()) << b.error().detail;
  EXPECT_EQ(b->head_unit_id, "hu_x");
  EXPECT_EQ(b->created, 5);
}

TEST(HeadUnitAuth, RefusesEveryMalformation) {
  struct Row {
    const char* name;
    std::string header;
  };
  const Row rows[] = {
      {"bearer", "Bearer abc"},
      {"scheme only", "PaddockHeadUnit "},
      {"no signature", R"(PaddockHeadUnit id="hu_a", created=1)"},
      {"no created", R"(PaddockHeadUnit id="hu_a", signature="s")"},
      {"no id", R"(PaddockHeadUnit created=1, signature="s")"},
      {"repeated id", R"(PaddockHeadUnit id="hu_a", id="hu_b", created=1, signature="s")"},
      {"unknown parameter", R"(PaddockHeadUnit id="hu_a", created=1, signature="s", x=1)"},
      {"created not a number", R"(PaddockHeadUnit id="hu_a", created=soon, signature="s")"},
      {"created with a fraction", R"(PaddockHeadUnit id="hu_a", created=1.5, signature="s")"},
      {"created overflows",
       R"(PaddockHeadUnit id="hu_a", created=99999999999999999999, signature="s")"},
      {"unterminated quote", R"(PaddockHeadUnit id="hu_a, created=1, signature="s")"},
      {"no commas", R"(PaddockHeadUnit id="hu_a" created=1 signature="s")"},
      {"empty id", R"(PaddockHeadUnit id="", created=1, signature="s")"},
      {"control character", "PaddockHeadUnit id=\"hu\x01\", created=1, signature=\"s\""},
      {"too long",
       "PaddockHeadUnit id=\"hu_a\", created=1, signature=\"" + std::string(600, 's') + "\""},
  };
  for (const auto& row : rows) {
    auto parsed = parse_head_unit_authorization(row.header);
    ASSERT_FALSE(parsed.ok()) << row.name;
    EXPECT_EQ(parsed.error().code, kHeadUnitAuthInvalid) << row.name;
  }
}

TEST(HeadUnitAuth, TheSigningTextBindsHeadUnitMethodTargetAndTime) {
  EXPECT_EQ(head_unit_signing_input("hu_1", "GET", "/v1/vehicles/veh_1/revocations?x=1", 42),
            "paddock-head-unit-request:v1\nhu_1\nGET\n/v1/vehicles/veh_1/revocations?x=1\n42");
}

TEST(HeadUnitAuth, AWindowOfFiveMinutesEitherSide) {
  constexpr std::int64_t now = 1'800'000'000;
  EXPECT_TRUE(head_unit_request_fresh(now, now));
  EXPECT_TRUE(head_unit_request_fresh(now - kHeadUnitRequestWindowSeconds, now));
  EXPECT_TRUE(head_unit_request_fresh(now + kHeadUnitRequestWindowSeconds, now));
  EXPECT_FALSE(head_unit_request_fresh(now - kHeadUnitRequestWindowSeconds - 1, now));
  EXPECT_FALSE(head_unit_request_fresh(now + kHeadUnitRequestWindowSeconds + 1, now));
  EXPECT_FALSE(head_unit_request_fresh(INT64_MIN, now));
  EXPECT_FALSE(head_unit_request_fresh(INT64_MAX, now));
}

}  // namespace
}  // namespace paddock::keys

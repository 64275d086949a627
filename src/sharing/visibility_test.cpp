#include "sharing/visibility.hpp"

#include <gtest/gtest.h>

namespace paddock::sharing {
namespace {

TEST(Visibility, DefaultsFollowTheIssue) {
  auto p = VisibilityPolicy::defaults();
  EXPECT_EQ(p.audience(MessageType::status), Audience::everyone);
  EXPECT_EQ(p.audience(MessageType::sale), Audience::everyone);
  EXPECT_EQ(p.audience(MessageType::social), Audience::everyone);
  EXPECT_EQ(p.audience(MessageType::trip), Audience::followers);
  EXPECT_EQ(p.audience(MessageType::alert), Audience::followers);
  EXPECT_EQ(p.audience(MessageType::maintenance), Audience::members);
}

TEST(Visibility, EachRoleSeesItsAudiencesAndNoMore) {
  auto p = VisibilityPolicy::defaults();
  p.set(MessageType::alert, Audience::approved);
  struct Row { const char* name; Role role; TypeSet expected; };
  const TypeSet kPublic = bit(MessageType::status) | bit(MessageType::sale) | bit(MessageType::social);
  for (Row row : {Row{"stranger", Role::stranger, kPublic},
                  Row{"follower", Role::follower, kPublic | bit(MessageType::trip)},
                  Row{"approved", Role::approved_follower,
                      kPublic | bit(MessageType::trip) | bit(MessageType::alert)},
                  Row{"member", Role::member, kAllTypes}}) {
    EXPECT_EQ(p.visible_to(row.role), row.expected) << row.name;
  }
}

TEST(Visibility, EncodingRoundTripsAndRejectsDamage) {
  auto p = VisibilityPolicy::defaults();
  p.set(MessageType::sale, Audience::approved);
  auto back = VisibilityPolicy::decode(p.encode());
  EXPECT_EQ(back.audience(MessageType::sale), Audience::approved);
  EXPECT_EQ(VisibilityPolicy::decode("zz").encode(), VisibilityPolicy::defaults().encode());
}

TEST(TypeList, ParsesNamesAndNamesTheUnknownOne) {
  auto set = parse_type_list({"status", "trip"}, "types");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(*set, bit(MessageType::status) | bit(MessageType::trip));
  EXPECT_EQ(type_names(*set), (std::vector<std::string>{"status", "trip"}));
  auto bad = parse_type_list({"status", "gossip"}, "types");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().detail.find("gossip"), std::string::npos);
}

}  // namespace
}  // namespace paddock::sharing

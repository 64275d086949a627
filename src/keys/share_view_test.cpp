// keys/share_view: stored rights read back as written; a damaged row grants nothing; the
// credential's rights follow the share's.
#include "keys/share_view.hpp"

#include <gtest/gtest.h>

namespace paddock::keys {
namespace {

TEST(ShareView, RightsAndRefusalsRoundTrip) {
  Rights r;
  r.actions.add(Action::unlock);
  r.actions.add(Action::reshare);
  r.max_speed_kmh = 50;
  r.max_uses = 3;
  r.max_duration_minutes = 120;
  r.max_radius_m = 3000.5;
  r.geofence = Geofence{48.1375, 11.575, 250.5};
  auto back = decode_rights(encode_rights(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
  EXPECT_EQ(*decode_rights(encode_rights(Rights{})), Rights{});
  std::vector<Refusal> refused{{"drive", "a recipient with no relationship may not drive"},
                               {"max_uses", "max_uses capped at 1 by the delivery template"}};
  EXPECT_EQ(*decode_refusals(encode_refusals(refused)), refused);
  EXPECT_EQ(split_verification(join_verification({"device_signature", "code"})),
            (std::vector<std::string>{"device_signature", "code"}));
  EXPECT_TRUE(split_verification("").empty());
}

TEST(ShareView, DamagedRowsAreRefused) {
  for (const char* text : {"", "[]", "{}", R"({"actions":["fly"]})", R"({"actions":"unlock"})",
                           R"({"actions":[],"geofence":{"lat":1}})"}) {
    auto r = decode_rights(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, Errc::internal) << text;
  }
  EXPECT_FALSE(decode_refusals(R"([{"right":1}])").ok());
}

TEST(ShareView, CredentialRightsFollowTheShare) {
  Rights r;
  r.actions.add(Action::open_trunk);
  r.actions.add(Action::lock);
  r.actions.add(Action::reshare);
  r.max_uses = 1;
  r.max_speed_kmh = 30;
  r.geofence = Geofence{1, 2, 0.4};
  auto c = credential_rights(r);
  EXPECT_TRUE(c.allows(vehicle::Action::open_trunk));
  EXPECT_TRUE(c.allows(vehicle::Action::lock));
  EXPECT_FALSE(c.allows(vehicle::Action::unlock));
  EXPECT_FALSE(c.allows(vehicle::Action::drive));
  EXPECT_TRUE(c.reshare);
  EXPECT_EQ(c.max_uses, 1u);
  EXPECT_EQ(c.max_speed_kmh, 30u);
  ASSERT_TRUE(c.geofence.has_value());
  EXPECT_EQ(c.geofence->radius_m, 1u);  // at least a metre
  Rights only_reshare;
  only_reshare.actions.add(Action::reshare);
  EXPECT_EQ(credential_rights(only_reshare).actions, 0);
}

}  // namespace
}  // namespace paddock::keys

// Conformance: the links module's link sessions (links/link_repository.hpp).
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

links::LinkRecord link(const std::string& id, std::optional<std::string> creator, UnixMillis at) {
  links::LinkRecord l;
  l.id = id;
  l.purpose = creator ? "share" : "sign_in";
  l.state = "pending";
  l.creator_user = std::move(creator);
  l.terminal_name = "Kiosk 3";
  l.terminal_kind = "kiosk";
  l.creator_address = "192.0.2.7";
  l.secret_hash = "aa";
  l.secret_expires_at = at + 60'000;
  l.watch_token_hash = "bb";
  l.created_at = l.updated_at = at;
  return l;
}

TEST_P(StoreContract, ALinkReadsBackWithEveryColumnAndOptionalsAbsent) {
  seed();
  links::LinkRecord l = link("lnk_1", std::nullopt, 100);
  l.terminal_public_key = "key";
  must_write([l](Writes& w) { return w.links().insert_link(l); });
  auto found = reads().links().link_by_id("lnk_1");
  ASSERT_TRUE(found.ok() && found->has_value());
  const auto& r = **found;
  EXPECT_EQ(r.purpose, "sign_in");
  EXPECT_FALSE(r.creator_user.has_value());
  EXPECT_FALSE(r.claimant_user.has_value());
  EXPECT_FALSE(r.claimed_at.has_value());
  EXPECT_EQ(r.terminal_public_key, "key");
  EXPECT_EQ(r.creator_address, "192.0.2.7");
  EXPECT_EQ(r.secret_expires_at, 60'100);
  EXPECT_FALSE(reads().links().link_by_id("lnk_none")->has_value());
}

TEST_P(StoreContract, UpdatingALinkReplacesItsStateAndAnUnknownOneIsReported) {
  seed();
  must_write([](Writes& w) { return w.links().insert_link(link("lnk_1", std::nullopt, 100)); });
  links::LinkRecord l = link("lnk_1", std::nullopt, 100);
  l.state = "approved";
  l.claimant_user = "usr_b";
  l.claimant_device = "dev_b";
  l.claimed_at = 150;
  l.failed_attempts = 3;
  l.previous_secret_hash = "cc";
  l.session_hash = "dd";
  auto updated = write<bool>([l](Writes& w) { return w.links().update_link(l); });
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(*updated);
  auto r = **reads().links().link_by_id("lnk_1");
  EXPECT_EQ(r.state, "approved");
  EXPECT_EQ(r.claimant_user, "usr_b");
  EXPECT_EQ(r.claimed_at, 150);
  EXPECT_EQ(r.failed_attempts, 3);
  EXPECT_EQ(r.previous_secret_hash, "cc");
  EXPECT_EQ(r.session_hash, "dd");
  auto missing = write<bool>(
      [](Writes& w) { return w.links().update_link(link("lnk_none", std::nullopt, 1)); });
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
}

TEST_P(StoreContract, AUsersLinksAreTheOnesTheyMadeOrClaimedNewestFirst) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.links().insert_link(link("lnk_1", "usr_a", 100)));
    PADDOCK_TRY(w.links().insert_link(link("lnk_2", "usr_b", 200)));
    auto claimed = link("lnk_3", std::nullopt, 300);
    claimed.claimant_user = "usr_a";
    PADDOCK_TRY(w.links().insert_link(claimed));
    return w.links().insert_link(link("lnk_4", "usr_c", 400));
  });
  auto mine = reads().links().links_of_user("usr_a", 10);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].id, "lnk_3");
  EXPECT_EQ((*mine)[1].id, "lnk_1");
  auto one = reads().links().links_of_user("usr_a", 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

}  // namespace
}  // namespace paddock::storage::conformance

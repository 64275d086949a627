// Conformance: identity's users and sessions (identity/identity_repository.hpp).
#include "identity/errors.hpp"
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

TEST_P(StoreContract, UsersAreFoundByIdAndByTheirStoredUsername) {
  must_write([](Writes& w) { return w.identity().insert_user(user("ada")); });
  auto by_name = reads().identity().user_by_username("ada");
  ASSERT_TRUE(by_name.ok());
  ASSERT_TRUE(by_name->has_value());
  EXPECT_EQ((*by_name)->id, "usr_ada");
  EXPECT_EQ((*by_name)->display_name, "Name ada");
  auto by_id = reads().identity().user_by_id("usr_ada");
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  EXPECT_EQ((*by_id)->username, "ada");
  auto missing = reads().identity().user_by_id("usr_nobody");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreContract, ATakenUsernameIsADomainErrorThatRollsBackOnlyThatJob) {
  must_write([](Writes& w) { return w.identity().insert_user(user("bob")); });
  auto second = write<bool>([](Writes& w) -> Result<bool> {
    UserRecord again = user("bob");
    again.id = "usr_other";
    PADDOCK_TRY(w.identity().insert_user(again));
    return true;
  });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, identity::kUsernameTaken);
  EXPECT_FALSE(reads().identity().user_by_id("usr_other")->has_value());
}

TEST_P(StoreContract, SessionsAreStoredDeletedAndPurgedWhenExpired) {
  UnixMillis now = now_millis();
  must_write([now](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.identity().insert_user(user("fay")));
    // Expiry is judged at the `now` given to the purge; the writer's own periodic purge (at
    // real time) must leave "old" alone, so it expires in the near future.
    PADDOCK_TRY(w.identity().insert_session({"old", "usr_fay", 1, now + 500}));
    PADDOCK_TRY(w.identity().insert_session({"new", "usr_fay", 1, now + 60'000}));
    return w.identity().insert_session({"gone", "usr_fay", 1, now + 60'000});
  });
  auto deleted = write<bool>([](Writes& w) { return w.identity().delete_session("gone"); });
  EXPECT_TRUE(*deleted);
  auto again = write<bool>([](Writes& w) { return w.identity().delete_session("gone"); });
  EXPECT_FALSE(*again);
  auto purged = write<std::size_t>(
      [now](Writes& w) { return w.identity().purge_expired_sessions(now + 1000); });
  EXPECT_EQ(*purged, 1u);
  EXPECT_FALSE(reads().identity().session_by_token_hash("old")->has_value());
  auto kept = reads().identity().session_by_token_hash("new");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->user_id, "usr_fay");
  EXPECT_EQ((*kept)->expires_at, now + 60'000);
}

}  // namespace
}  // namespace paddock::storage::conformance

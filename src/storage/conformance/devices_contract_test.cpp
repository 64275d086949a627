// Conformance: the devices module's devices (devices/device_repository.hpp).
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

TEST_P(StoreContract, DevicesAreListedOldestFirstAndDeletedOnlyByTheirOwner) {
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.identity().insert_user(user("a")));
    PADDOCK_TRY(w.identity().insert_user(user("b")));
    PADDOCK_TRY(w.devices().insert_device(device("dev_2", "usr_a", 20)));
    PADDOCK_TRY(w.devices().insert_device(device("dev_1", "usr_a", 10)));
    return w.devices().insert_device(device("dev_b", "usr_b", 5));
  });
  auto listed = reads().devices().devices_of_user("usr_a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "dev_1");
  EXPECT_EQ((*listed)[1].id, "dev_2");
  auto not_theirs =
      write<bool>([](Writes& w) { return w.devices().delete_device("dev_b", "usr_a"); });
  EXPECT_FALSE(*not_theirs);
  auto theirs = write<bool>([](Writes& w) { return w.devices().delete_device("dev_b", "usr_b"); });
  EXPECT_TRUE(*theirs);
  EXPECT_FALSE(reads().devices().device_by_id("dev_b")->has_value());
}

TEST_P(StoreContract, ClearingPrimaryAndMarkingVerifiedChangeOnlyThoseFields) {
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.identity().insert_user(user("a")));
    PADDOCK_TRY(w.devices().insert_device(device("dev_p", "usr_a", 1, true)));
    PADDOCK_TRY(w.devices().clear_primary_devices("usr_a"));
    return w.devices().mark_device_verified("dev_p", 42);
  });
  auto d = reads().devices().device_by_id("dev_p");
  ASSERT_TRUE(d.ok() && d->has_value());
  EXPECT_FALSE((*d)->primary);
  EXPECT_EQ((*d)->verified_at, 42);
  EXPECT_EQ((*d)->public_key, "key");
}

}  // namespace
}  // namespace paddock::storage::conformance

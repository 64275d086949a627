// Conformance: sharing's vehicles, members, messages and follows
// (sharing/sharing_repository.hpp).
#include "sharing/errors.hpp"
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

TEST_P(StoreContract, VehiclesAreFoundByIdVinAndPlateAndIdentificationIsUnique) {
  seed();
  must_write([](Writes& w) {
    auto v = vehicle("veh_2", "usr_b", std::nullopt, 20);
    v.plate_number = "AB123";
    v.plate_region = "DE";
    v.plate_key = "DE:AB123";
    return w.sharing().insert_vehicle(v);
  });
  EXPECT_EQ((*reads().sharing().vehicle_by_vin("VIN00000000000001"))->id, "veh_1");
  EXPECT_EQ((*reads().sharing().vehicle_by_plate_key("DE:AB123"))->id, "veh_2");
  EXPECT_FALSE(reads().sharing().vehicle_by_id("veh_none")->has_value());
  auto dup = write<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.sharing().insert_vehicle(vehicle("veh_3", "usr_c", "VIN00000000000001", 30)));
    return true;
  });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, sharing::kIdentificationTaken);
  auto dup_plate = write<bool>([](Writes& w) -> Result<bool> {
    auto v = vehicle("veh_4", "usr_c", std::nullopt, 40);
    v.plate_number = "AB123";
    v.plate_region = "DE";
    v.plate_key = "DE:AB123";
    PADDOCK_TRY(w.sharing().insert_vehicle(v));
    return true;
  });
  ASSERT_FALSE(dup_plate.ok());
  EXPECT_EQ(dup_plate.error().code, sharing::kIdentificationTaken);
  EXPECT_FALSE(reads().sharing().vehicle_by_id("veh_3")->has_value());
  EXPECT_FALSE(reads().sharing().vehicle_by_id("veh_4")->has_value());
}

TEST_P(StoreContract, MembersSeeTheVehicleAmongTheirsAndUpdatesKeepIdentification) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.sharing().put_member({"veh_1", "usr_b", 5}));
    PADDOCK_TRY(w.sharing().put_member({"veh_1", "usr_b", 6}));  // twice is fine
    auto v = vehicle("veh_1", "usr_a", std::nullopt, 10);
    v.nickname = "renamed";
    v.requires_approval = true;
    return w.sharing().update_vehicle(v);
  });
  EXPECT_TRUE(*reads().sharing().is_member("veh_1", "usr_b"));
  EXPECT_FALSE(*reads().sharing().is_member("veh_1", "usr_c"));
  EXPECT_EQ(reads().sharing().members_of("veh_1")->size(), 1u);
  auto of_b = reads().sharing().vehicles_of_member("usr_b");
  ASSERT_EQ(of_b->size(), 1u);
  EXPECT_EQ((*of_b)[0].nickname, "renamed");
  EXPECT_TRUE((*of_b)[0].requires_approval);
  EXPECT_EQ((*of_b)[0].vin, "VIN00000000000001");
  EXPECT_TRUE(*write<bool>([](Writes& w) { return w.sharing().delete_member("veh_1", "usr_b"); }));
  EXPECT_FALSE(*write<bool>([](Writes& w) { return w.sharing().delete_member("veh_1", "usr_b"); }));
}

TEST_P(StoreContract, MessagesAreNumberedPerVehicleAndPagedByTypeAfterASeq) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    for (int i = 0; i < 4; ++i) {
      PADDOCK_ASSIGN(seq, w.sharing().next_message_seq("veh_1"));
      MessageRecord m{"msg_" + std::to_string(seq),
                      "veh_1",
                      seq,
                      i % 2,
                      "t",
                      "{}",
                      "usr_a",
                      100 + i,
                      std::nullopt};
      PADDOCK_TRY(w.sharing().insert_message(m));
    }
    return {};
  });
  auto page = reads().sharing().messages_page("veh_1", 1, 0b01, 10);  // type 0 only, after 1
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].seq, 3);
  EXPECT_EQ(reads().sharing().messages_page("veh_1", 0, 0b11, 2)->size(), 2u);
  auto missing =
      write<std::int64_t>([](Writes& w) { return w.sharing().next_message_seq("veh_x"); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  // Numbering and inserting at once continues the same sequence.
  auto fifth = write<std::int64_t>([](Writes& w) {
    return w.sharing().insert_next_message(
        {"msg_5", "veh_1", 0, 1, "five", "{}", "usr_a", 105, std::nullopt});
  });
  ASSERT_TRUE(fifth.ok());
  EXPECT_EQ(*fifth, 5);
  EXPECT_EQ((*reads().sharing().message_by_id("msg_5"))->seq, 5);
  missing = write<std::int64_t>([](Writes& w) {
    return w.sharing().insert_next_message(
        {"msg_x", "veh_x", 0, 1, "none", "{}", "usr_a", 105, std::nullopt});
  });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_FALSE(reads().sharing().message_by_id("msg_x")->has_value());
  must_write([](Writes& w) -> Result<void> {
    MessageRecord m{"msg_1", "veh_1", 1, 0, "edited", "{\"a\":1}", "usr_a", 100, 555};
    PADDOCK_TRY(w.sharing().update_message(m));
    return w.sharing().delete_message("msg_2");
  });
  auto edited = reads().sharing().message_by_id("msg_1");
  EXPECT_EQ((*edited)->text, "edited");
  EXPECT_EQ((*edited)->updated_at, 555);
  EXPECT_FALSE(reads().sharing().message_by_id("msg_2")->has_value());
}

TEST_P(StoreContract, FollowsKeepTheirStatusAndLiveOnesExcludeBlocked) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(
        w.sharing().insert_follow(follow("fol_b", "veh_1", "usr_b", FollowStatus::active, 1)));
    PADDOCK_TRY(
        w.sharing().insert_follow(follow("fol_c", "veh_1", "usr_c", FollowStatus::pending, 2)));
    auto f = follow("fol_c", "veh_1", "usr_c", FollowStatus::blocked, 2);
    f.muted = true;
    return w.sharing().update_follow(f);
  });
  EXPECT_EQ(*reads().sharing().count_active_followers("veh_1"), 1);
  auto c = reads().sharing().follow_of("veh_1", "usr_c");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->status, FollowStatus::blocked);
  EXPECT_TRUE((*c)->muted);
  EXPECT_EQ(reads().sharing().followers_of("veh_1")->size(), 2u);
  EXPECT_EQ(reads().sharing().all_live_follows()->size(), 1u);
  EXPECT_EQ(reads().sharing().follows_of_user("usr_b")->size(), 1u);
  EXPECT_EQ((*reads().sharing().follow_by_id("fol_b"))->follower_id, "usr_b");
  auto visibilities = reads().sharing().all_vehicle_visibilities();
  ASSERT_EQ(visibilities->size(), 1u);
  EXPECT_EQ((*visibilities)[0].second, "uffpuu");
  must_write([](Writes& w) { return w.sharing().delete_follow("fol_b"); });
  EXPECT_FALSE(reads().sharing().follow_by_id("fol_b")->has_value());
}

TEST_P(StoreContract, DeletingAVehicleRemovesItsMessagesMembersAndFollows) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.sharing().put_member({"veh_1", "usr_b", 5}));
    PADDOCK_TRY(
        w.sharing().insert_follow(follow("fol_c", "veh_1", "usr_c", FollowStatus::active, 1)));
    PADDOCK_TRY(
        w.sharing().insert_message({"msg_1", "veh_1", 1, 0, "t", "{}", "usr_a", 1, std::nullopt}));
    return w.sharing().delete_vehicle("veh_1");
  });
  EXPECT_FALSE(reads().sharing().vehicle_by_id("veh_1")->has_value());
  EXPECT_FALSE(reads().sharing().message_by_id("msg_1")->has_value());
  EXPECT_FALSE(reads().sharing().follow_by_id("fol_c")->has_value());
  EXPECT_TRUE(reads().sharing().vehicles_of_member("usr_b")->empty());
}

}  // namespace
}  // namespace paddock::storage::conformance

// Conformance: the keys module's head units (keys/head_unit_repository.hpp).
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

keys::HeadUnitRecord head_unit(const std::string& id, const std::string& vehicle, UnixMillis at) {
  return {id, vehicle, "dashboard " + id, "pk-" + id, 0, at};
}

TEST_P(StoreContract, HeadUnitsAreListedPerVehicleOldestFirst) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.sharing().insert_vehicle(vehicle("veh_2", "usr_b", std::nullopt, 1)));
    PADDOCK_TRY(w.head_units().insert_head_unit(head_unit("hu_2", "veh_1", 20)));
    PADDOCK_TRY(w.head_units().insert_head_unit(head_unit("hu_1", "veh_1", 10)));
    return w.head_units().insert_head_unit(head_unit("hu_3", "veh_2", 5));
  });
  auto listed = reads().head_units().head_units_of("veh_1");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "hu_1");
  EXPECT_EQ((*listed)[1].id, "hu_2");
  auto one = reads().head_units().head_unit_by_id("hu_3");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->vehicle_id, "veh_2");
  EXPECT_EQ((*one)->public_key, "pk-hu_3");
  EXPECT_EQ((*one)->last_report_counter, 0u);
  EXPECT_FALSE(reads().head_units().head_unit_by_id("hu_9")->has_value());
}

TEST_P(StoreContract, AHeadUnitIsDeletedOnlyFromItsOwnVehicle) {
  seed();
  must_write(
      [](Writes& w) { return w.head_units().insert_head_unit(head_unit("hu_1", "veh_1", 1)); });
  auto wrong =
      write<bool>([](Writes& w) { return w.head_units().delete_head_unit("veh_2", "hu_1"); });
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(*wrong);
  auto gone =
      write<bool>([](Writes& w) { return w.head_units().delete_head_unit("veh_1", "hu_1"); });
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(*gone);
  EXPECT_FALSE(reads().head_units().head_unit_by_id("hu_1")->has_value());
}

TEST_P(StoreContract, AReportCounterOnlyMovesUp) {
  seed();
  must_write(
      [](Writes& w) { return w.head_units().insert_head_unit(head_unit("hu_1", "veh_1", 1)); });
  auto advance = [this](std::uint64_t counter) {
    auto r = write<bool>(
        [counter](Writes& w) { return w.head_units().advance_report_counter("hu_1", counter); });
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_TRUE(advance(5));
  EXPECT_FALSE(advance(5));  // a replay
  EXPECT_FALSE(advance(3));  // an older one
  EXPECT_TRUE(advance(6));
  EXPECT_EQ((*reads().head_units().head_unit_by_id("hu_1"))->last_report_counter, 6u);
}

TEST_P(StoreContract, AVehiclesHeadUnitsGoWithIt) {
  seed();
  must_write(
      [](Writes& w) { return w.head_units().insert_head_unit(head_unit("hu_1", "veh_1", 1)); });
  must_write([](Writes& w) { return w.sharing().delete_vehicle("veh_1"); });
  EXPECT_FALSE(reads().head_units().head_unit_by_id("hu_1")->has_value());
}

}  // namespace
}  // namespace paddock::storage::conformance

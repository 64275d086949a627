// Conformance: the anti-theft module's settings, idTags and charge state
// (antitheft/antitheft_repository.hpp).
#include "antitheft/errors.hpp"
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

TEST_P(StoreContract, AntiTheftSettingsReplaceTheirTagsInOrder) {
  seed();
  EXPECT_FALSE(reads().antitheft().settings("veh_1")->has_value());
  must_write([](Writes& w) {
    return w.antitheft().put_settings({"veh_1", 25, {"B", "A", "C"}, 10});
  });
  must_write([](Writes& w) { return w.antitheft().put_settings({"veh_1", 30, {"C", "D"}, 20}); });
  auto s = reads().antitheft().settings("veh_1");
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->low_charge_threshold_percent, 30);
  EXPECT_EQ((*s)->id_tags, (std::vector<std::string>{"C", "D"}));
  EXPECT_EQ((*s)->updated_at, 20);
  EXPECT_EQ(*reads().antitheft().vehicle_of_id_tag("D"), std::optional<std::string>("veh_1"));
  EXPECT_FALSE(reads().antitheft().vehicle_of_id_tag("A")->has_value());
}

TEST_P(StoreContract, AnIdTagIdentifiesOneVehicle) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.sharing().insert_vehicle(vehicle("veh_2", "usr_b", std::nullopt, 5)));
    return w.antitheft().put_settings({"veh_1", 20, {"TAG"}, 10});
  });
  auto taken = write<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.antitheft().put_settings({"veh_2", 20, {"OTHER", "TAG"}, 11}));
    return true;
  });
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, antitheft::kIdTagTaken);
  EXPECT_FALSE(reads().antitheft().settings("veh_2")->has_value());
  EXPECT_FALSE(reads().antitheft().vehicle_of_id_tag("OTHER")->has_value());
}

TEST_P(StoreContract, ChargeStateKeepsTheLatestReading) {
  seed();
  EXPECT_FALSE(reads().antitheft().charge_state("veh_1")->has_value());
  must_write([](Writes& w) { return w.antitheft().put_charge_state({"veh_1", true, 24.5, 7}); });
  must_write([](Writes& w) { return w.antitheft().put_charge_state({"veh_1", false, 36, 9}); });
  auto c = reads().antitheft().charge_state("veh_1");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_FALSE((*c)->below);
  EXPECT_DOUBLE_EQ((*c)->soc_percent, 36);
  EXPECT_EQ((*c)->at, 9);
}

}  // namespace
}  // namespace paddock::storage::conformance

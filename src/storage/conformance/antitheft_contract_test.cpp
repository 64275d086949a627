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

namespace paddock::storage::conformance {
namespace {

antitheft::LockRecord lock_record(const std::string& id, const std::string& state,
                                  std::optional<std::string> cp, UnixMillis at) {
  return {id, "veh_1", state, "stolen", "usr_a", std::move(cp), 1, std::nullopt, "{}", at, at};
}

TEST_P(StoreContract, LocksAreReplacedByIdAndTheLatestIsFound) {
  seed();
  EXPECT_FALSE(reads().antitheft().latest_lock("veh_1")->has_value());
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.antitheft().put_lock(lock_record("lck_1", "released", "CP-1", 10)));
    PADDOCK_TRY(w.antitheft().put_lock(lock_record("lck_2", "requested", std::nullopt, 20)));
    auto moved = lock_record("lck_2", "locked", "CP-1", 20);
    moved.transaction_id = 42;
    moved.levers = R"({"vendor_lock":{"status":"Accepted","applied":true}})";
    moved.updated_at = 30;
    return w.antitheft().put_lock(moved);
  });
  auto latest = reads().antitheft().latest_lock("veh_1");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, "lck_2");
  EXPECT_EQ((*latest)->state, "locked");
  EXPECT_EQ((*latest)->transaction_id, 42);
  EXPECT_EQ((*latest)->created_at, 20);
  EXPECT_EQ((*latest)->updated_at, 30);
  EXPECT_NE((*latest)->levers.find("Accepted"), std::string::npos);
  // Released locks no longer act on their pile.
  auto live = reads().antitheft().live_locks_on("CP-1");
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].id, "lck_2");
  EXPECT_TRUE(reads().antitheft().live_locks_on("CP-2")->empty());
}

TEST_P(StoreContract, ReleasedLocksWaitingForTheirPileAreFound) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    auto waiting = lock_record("lck_1", "released", "CP-1", 1);
    waiting.reversal_pending = true;
    PADDOCK_TRY(w.antitheft().put_lock(waiting));
    return w.antitheft().put_lock(lock_record("lck_2", "released", "CP-1", 2));
  });
  auto waiting = reads().antitheft().locks_to_reverse_on("CP-1");
  ASSERT_TRUE(waiting.ok());
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ((*waiting)[0].id, "lck_1");
  EXPECT_TRUE((*waiting)[0].reversal_pending);
  must_write([](Writes& w) {
    return w.antitheft().put_lock(lock_record("lck_1", "released", "CP-1", 1));
  });
  EXPECT_TRUE(reads().antitheft().locks_to_reverse_on("CP-1")->empty());
}

TEST_P(StoreContract, TheLockAuditKeepsItsOrder) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.antitheft().put_lock(lock_record("lck_1", "requested", std::nullopt, 1)));
    PADDOCK_TRY(w.antitheft().append_lock_audit({"lck_1", 5, "requested", "first"}));
    PADDOCK_TRY(w.antitheft().append_lock_audit({"lck_1", 5, "pending_plug_in", "second"}));
    return w.antitheft().append_lock_audit({"lck_1", 4, "locked", "third, clock went back"});
  });
  auto audit = reads().antitheft().lock_audit("lck_1");
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ((*audit)[0].note, "first");
  EXPECT_EQ((*audit)[2].state, "locked");
  EXPECT_TRUE(reads().antitheft().lock_audit("lck_9")->empty());
}

}  // namespace
}  // namespace paddock::storage::conformance

namespace paddock::storage::conformance {
namespace {

TEST_P(StoreContract, PlatformsAreFoundByTheirSecretsHash) {
  seed();
  must_write([](Writes& w) {
    return w.antitheft().insert_platform({"vpl_1", "Fleet", "hash-1", "usr_a", 5});
  });
  auto found = reads().antitheft().platform_by_secret_hash("hash-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, "vpl_1");
  EXPECT_EQ((*found)->name, "Fleet");
  EXPECT_FALSE(reads().antitheft().platform_by_secret_hash("hash-2")->has_value());
  EXPECT_TRUE(reads().antitheft().platform("vpl_1")->has_value());
  must_write([](Writes& w) {
    return w.antitheft().put_settings({"veh_1", 20, {}, 1, std::string("vpl_1")});
  });
  EXPECT_EQ((*reads().antitheft().settings("veh_1"))->vehicle_platform_id,
            std::optional<std::string>("vpl_1"));
}

TEST_P(StoreContract, TelemetryKeepsTheNewestReport) {
  seed();
  must_write([](Writes& w) {
    return w.antitheft().put_telemetry({"veh_1", "vpl_1", 42.25, 22.5, 114.125, 0.0, 12345.5, 20});
  });
  must_write([](Writes& w) {
    return w.antitheft().put_telemetry(
        {"veh_1", "vpl_1", 10, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 10});
  });
  auto t = reads().antitheft().telemetry("veh_1");
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_DOUBLE_EQ((*t)->soc_percent, 42.25);
  EXPECT_EQ((*t)->latitude, 22.5);
  EXPECT_EQ((*t)->longitude, 114.125);
  EXPECT_EQ((*t)->odometer_km, 12345.5);
  EXPECT_EQ((*t)->at, 20);
}

TEST_P(StoreContract, TelemetryLinksOnlyASessionWithoutAVehicle) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.sharing().insert_vehicle(vehicle("veh_2", "usr_b", std::nullopt, 5)));
    return w.charge_points().insert_charge_point(
        {"CP-1", "h", "V", "M", "usr_a", 1, std::nullopt, std::nullopt, "", ""});
  });
  auto start = [this](std::optional<std::string> vehicle_id) {
    return write<std::int64_t>([vehicle_id](Writes& w) {
      ocpp::TransactionRecord t;
      t.charge_point_id = "CP-1";
      t.connector_id = 1;
      t.id_tag = "T";
      t.vehicle_id = vehicle_id;
      return w.charge_points().start_transaction(t);
    });
  };
  auto free_session = start(std::nullopt);
  auto tagged = start(std::string("veh_1"));
  ASSERT_TRUE(free_session.ok() && tagged.ok());
  const std::int64_t a = *free_session, b = *tagged;
  EXPECT_TRUE(*write<bool>([a](Writes& w) { return w.charge_points().link_vehicle(a, "veh_2"); }));
  EXPECT_FALSE(*write<bool>([b](Writes& w) { return w.charge_points().link_vehicle(b, "veh_2"); }));
  EXPECT_EQ((*reads().charge_points().transaction(a))->vehicle_id,
            std::optional<std::string>("veh_2"));
  EXPECT_EQ((*reads().charge_points().transaction(b))->vehicle_id,
            std::optional<std::string>("veh_1"));
}

}  // namespace
}  // namespace paddock::storage::conformance

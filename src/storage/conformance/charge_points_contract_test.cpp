// Conformance: the OCPP module's operators, charge points, connectors and transactions
// (ocpp/charge_point_repository.hpp).
#include "ocpp/errors.hpp"
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

ocpp::ChargePointRecord charge_point(const std::string& id, UnixMillis at) {
  return {id, "hash-" + id, "Vendor", "Model", "usr_a", at, std::nullopt, std::nullopt, "", ""};
}

ocpp::TransactionRecord transaction(const std::string& cp, int connector, const std::string& tag,
                                    UnixMillis at) {
  ocpp::TransactionRecord t;
  t.charge_point_id = cp;
  t.connector_id = connector;
  t.id_tag = tag;
  t.meter_start = 100;
  t.started_at = at;
  return t;
}

TEST_P(StoreContract, OperatorsAreGrantedOnceAndKnown) {
  seed();
  EXPECT_FALSE(*reads().charge_points().is_operator("usr_a"));
  must_write([](Writes& w) { return w.charge_points().grant_operator("usr_a", 10); });
  must_write([](Writes& w) { return w.charge_points().grant_operator("usr_a", 20); });
  EXPECT_TRUE(*reads().charge_points().is_operator("usr_a"));
  EXPECT_FALSE(*reads().charge_points().is_operator("usr_b"));
}

TEST_P(StoreContract, ChargePointIdsAreUniqueAndListedById) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.charge_points().insert_charge_point(charge_point("CP-2", 10)));
    return w.charge_points().insert_charge_point(charge_point("CP-1", 20));
  });
  auto again = write<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.charge_points().insert_charge_point(charge_point("CP-1", 30)));
    return true;
  });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ocpp::kChargePointTaken);
  auto all = reads().charge_points().charge_points();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "CP-1");
  EXPECT_EQ((*all)[0].created_at, 20);
  EXPECT_EQ((*all)[0].password_hash, "hash-CP-1");
  EXPECT_FALSE((*all)[0].last_heartbeat_at.has_value());
  EXPECT_FALSE(reads().charge_points().charge_point("CP-3")->has_value());
}

TEST_P(StoreContract, ChargePointsAreApprovedOnce) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.charge_points().insert_charge_point(charge_point("CP-1", 1)));
    auto pending = charge_point("CP-2", 2);
    pending.approved = false;
    return w.charge_points().insert_charge_point(pending);
  });
  EXPECT_TRUE((*reads().charge_points().charge_point("CP-1"))->approved);
  EXPECT_FALSE((*reads().charge_points().charge_point("CP-2"))->approved);
  auto approve = [this](const char* id) {
    return *write<bool>([id](Writes& w) { return w.charge_points().approve(id); });
  };
  EXPECT_TRUE(approve("CP-2"));
  EXPECT_FALSE(approve("CP-2"));  // already approved: nothing to change
  EXPECT_FALSE(approve("CP-1"));
  EXPECT_FALSE(approve("CP-9"));  // unknown
  EXPECT_TRUE((*reads().charge_points().charge_point("CP-2"))->approved);
  auto all = reads().charge_points().charge_points();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_TRUE((*all)[1].approved);
}

TEST_P(StoreContract, BootAndHeartbeatAreRecorded) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.charge_points().insert_charge_point(charge_point("CP-1", 1)));
    PADDOCK_TRY(w.charge_points().record_boot("CP-1", "1.2.3", "SN9", 50));
    return w.charge_points().record_heartbeat("CP-1", 70);
  });
  auto cp = reads().charge_points().charge_point("CP-1");
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_EQ((*cp)->last_boot_at, 50);
  EXPECT_EQ((*cp)->last_heartbeat_at, 70);
  EXPECT_EQ((*cp)->firmware_version, "1.2.3");
  EXPECT_EQ((*cp)->serial_number, "SN9");
}

TEST_P(StoreContract, AConnectorKeepsOnlyItsLatestStatus) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.charge_points().insert_charge_point(charge_point("CP-1", 1)));
    PADDOCK_TRY(w.charge_points().put_connector({"CP-1", 2, "Available", "NoError", "", 10}));
    PADDOCK_TRY(w.charge_points().put_connector({"CP-1", 1, "Preparing", "NoError", "", 11}));
    return w.charge_points().put_connector({"CP-1", 2, "Faulted", "GroundFailure", "x", 12});
  });
  auto connectors = reads().charge_points().connectors_of("CP-1");
  ASSERT_TRUE(connectors.ok());
  ASSERT_EQ(connectors->size(), 2u);
  EXPECT_EQ((*connectors)[0].connector_id, 1);
  EXPECT_EQ((*connectors)[1].status, "Faulted");
  EXPECT_EQ((*connectors)[1].error_code, "GroundFailure");
  EXPECT_EQ((*connectors)[1].status_at, 12);
}

TEST_P(StoreContract, TransactionsRunUntilStoppedOnceAndKeepTheirSoc) {
  seed();
  must_write(
      [](Writes& w) { return w.charge_points().insert_charge_point(charge_point("CP-1", 1)); });
  auto first = write<std::int64_t>([](Writes& w) {
    return w.charge_points().start_transaction(transaction("CP-1", 1, "TAG1", 5));
  });
  auto second = write<std::int64_t>([](Writes& w) {
    return w.charge_points().start_transaction(transaction("CP-1", 2, "TAG2", 6));
  });
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_GT(*first, 0);
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(*reads().charge_points().id_tag_in_use("TAG1"));
  EXPECT_EQ(reads().charge_points().running_transactions("CP-1")->size(), 2u);

  const std::int64_t id = *first;
  must_write([id](Writes& w) { return w.charge_points().record_soc(id, 42.5, 7); });
  auto stopped = write<bool>(
      [id](Writes& w) { return w.charge_points().stop_transaction(id, 900, 8, "Local"); });
  ASSERT_TRUE(stopped.ok());
  EXPECT_TRUE(*stopped);
  auto twice = write<bool>(
      [id](Writes& w) { return w.charge_points().stop_transaction(id, 999, 9, "Other"); });
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);

  auto t = reads().charge_points().transaction(id);
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->meter_stop, 900);
  EXPECT_EQ((*t)->stopped_at, 8);
  EXPECT_EQ((*t)->stop_reason, "Local");
  ASSERT_TRUE((*t)->soc_percent.has_value());
  EXPECT_DOUBLE_EQ(*(*t)->soc_percent, 42.5);
  EXPECT_EQ((*t)->soc_at, 7);
  EXPECT_FALSE(*reads().charge_points().id_tag_in_use("TAG1"));
  auto running = reads().charge_points().running_transactions("CP-1");
  ASSERT_EQ(running->size(), 1u);
  EXPECT_EQ((*running)[0].id_tag, "TAG2");
  EXPECT_FALSE(reads().charge_points().transaction(*second + 1000)->has_value());
}

}  // namespace
}  // namespace paddock::storage::conformance

namespace paddock::storage::conformance {
namespace {

TEST_P(StoreContract, AVehiclesRunningSessionIsItsLatest) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.charge_points().insert_charge_point(
        {"CP-1", "h", "V", "M", "usr_a", 1, std::nullopt, std::nullopt, "", ""}));
    ocpp::TransactionRecord t;
    t.charge_point_id = "CP-1";
    t.connector_id = 1;
    t.id_tag = "TAG";
    t.vehicle_id = "veh_1";
    PADDOCK_TRY(w.charge_points().start_transaction(t));
    t.connector_id = 2;
    PADDOCK_TRY(w.charge_points().start_transaction(t));
    t.vehicle_id.reset();
    t.connector_id = 3;
    return w.charge_points().start_transaction(t).ok()
               ? Result<void>()
               : Result<void>(make_error(Errc::internal, "insert failed"));
  });
  auto running = reads().charge_points().running_transaction_of_vehicle("veh_1");
  ASSERT_TRUE(running.ok() && running->has_value());
  EXPECT_EQ((*running)->connector_id, 2);
  EXPECT_EQ((*running)->vehicle_id, std::optional<std::string>("veh_1"));
  const std::int64_t id = (*running)->id;
  must_write([id](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.charge_points().stop_transaction(id, 1, 2, "Local"));
    return {};
  });
  EXPECT_EQ((*reads().charge_points().running_transaction_of_vehicle("veh_1"))->connector_id, 1);
  EXPECT_FALSE(reads().charge_points().running_transaction_of_vehicle("veh_2")->has_value());
}

}  // namespace
}  // namespace paddock::storage::conformance

// Which operator calls would undo a vehicle lock: one row per case, named.
#include "antitheft/operator_commands.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace paddock::antitheft {
namespace {

struct Row {
  const char* name;
  const char* state;
  const char* action;
  const char* payload;
  bool refused;
};

LockRecord lock_in(const char* state) {
  LockRecord lock;
  lock.id = "lck_1";
  lock.vehicle_id = "veh_1";
  lock.state = state;
  lock.charge_point_id = "CP-1";
  lock.connector_id = 2;
  lock.transaction_id = 41;
  return lock;
}

class OperatorCommands : public ::testing::TestWithParam<Row> {};

TEST_P(OperatorCommands, Refusal) {
  const Row& row = GetParam();
  auto payload = boost::json::parse(row.payload).as_object();
  auto why = undoes_lock(lock_in(row.state), row.action, payload);
  EXPECT_EQ(why.has_value(), row.refused) << why.value_or("");
  if (why) {
    EXPECT_NE(why->find("lck_1"), std::string::npos) << *why;  // says which lock
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, OperatorCommands,
    ::testing::Values(
        Row{"ResetHardWhileLocked", "locked", "Reset", R"({"type":"Hard"})", true},
        Row{"ResetSoftWhilePartiallyLocked", "partially_locked", "Reset", R"({"type":"Soft"})",
            true},
        Row{"ResetWhileRequested", "requested", "Reset", R"({"type":"Soft"})", true},
        Row{"ResetWhileArmed", "pending_plug_in", "Reset", R"({"type":"Hard"})", false},
        Row{"ResetAfterRelease", "released", "Reset", R"({"type":"Hard"})", false},
        Row{"ResetAfterFailure", "failed", "Reset", R"({"type":"Hard"})", false},
        Row{"OperativeOnTheLockedConnector", "locked", "ChangeAvailability",
            R"({"connectorId":2,"type":"Operative"})", true},
        Row{"OperativeOnTheWholePile", "locked", "ChangeAvailability",
            R"({"connectorId":0,"type":"Operative"})", true},
        Row{"OperativeOnAnotherConnector", "locked", "ChangeAvailability",
            R"({"connectorId":1,"type":"Operative"})", false},
        Row{"InoperativeOnTheLockedConnector", "locked", "ChangeAvailability",
            R"({"connectorId":2,"type":"Inoperative"})", false},
        Row{"ClearEveryProfile", "locked", "ClearChargingProfile", R"({})", true},
        Row{"ClearTheLocksProfile", "locked", "ClearChargingProfile", R"({"id":7011})", true},
        Row{"ClearTxProfilesOnTheConnector", "locked", "ClearChargingProfile",
            R"({"connectorId":2,"chargingProfilePurpose":"TxProfile"})", true},
        Row{"ClearAnotherProfileId", "locked", "ClearChargingProfile", R"({"id":12})", false},
        Row{"ClearDefaultProfiles", "locked", "ClearChargingProfile",
            R"({"chargingProfilePurpose":"TxDefaultProfile"})", false},
        Row{"ClearOnAnotherConnector", "locked", "ClearChargingProfile", R"({"connectorId":1})",
            false},
        Row{"ClearAnotherStackLevel", "locked", "ClearChargingProfile", R"({"stackLevel":3})",
            false},
        Row{"UnlockTheLockedConnector", "locked", "UnlockConnector", R"({"connectorId":2})", true},
        Row{"UnlockAnotherConnector", "locked", "UnlockConnector", R"({"connectorId":1})", false},
        Row{"StopTheLockedTransaction", "partially_locked", "RemoteStopTransaction",
            R"({"transactionId":41})", true},
        Row{"StopAnotherTransaction", "locked", "RemoteStopTransaction",
            R"({"transactionId":40})", false},
        Row{"GetConfigurationIsHarmless", "locked", "GetConfiguration", R"({})", false},
        Row{"TriggerMessageIsHarmless", "locked", "TriggerMessage",
            R"({"requestedMessage":"StatusNotification"})", false},
        Row{"RemoteStartIsHarmless", "locked", "RemoteStartTransaction",
            R"({"idTag":"X"})", false}),
    [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

TEST(OperatorCommands, ALockWithoutATransactionRefusesEveryRemoteStop) {
  LockRecord lock = lock_in("requested");
  lock.transaction_id.reset();
  EXPECT_TRUE(undoes_lock(lock, "RemoteStopTransaction",
                          boost::json::parse(R"({"transactionId":5})").as_object()));
}

}  // namespace
}  // namespace paddock::antitheft

// Schema validation against the official OCPP 1.6 schemas: one row per rule, named.
#include "ocpp/schema.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace paddock::ocpp {
namespace {

struct Row {
  const char* name;
  const char* action;
  Direction direction;
  const char* payload;
  std::optional<CallErrorCode> expected;  // nullopt: valid
  const char* path = "";
};

constexpr auto kReq = Direction::request;
constexpr auto kConf = Direction::response;
constexpr auto kType = CallErrorCode::type_constraint_violation;
constexpr auto kProperty = CallErrorCode::property_constraint_violation;
constexpr auto kOccurence = CallErrorCode::occurence_constraint_violation;
constexpr auto kFormation = CallErrorCode::formation_violation;

class SchemaRows : public ::testing::TestWithParam<Row> {};

TEST_P(SchemaRows, Validate) {
  const auto& row = GetParam();
  auto payload = boost::json::parse(row.payload).as_object();
  auto got = SchemaSet::ocpp16().validate(row.action, row.direction, payload);
  if (!row.expected) {
    EXPECT_FALSE(got.has_value()) << got->path << ": " << got->message;
    return;
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(call_error_name(got->code), call_error_name(*row.expected)) << got->message;
  if (*row.path) {
    EXPECT_EQ(got->path, row.path);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ocpp16, SchemaRows,
    ::testing::Values(
        Row{"boot_minimal", "BootNotification", kReq,
            R"({"chargePointVendor":"V","chargePointModel":"M"})", std::nullopt},
        Row{"boot_missing_model", "BootNotification", kReq, R"({"chargePointVendor":"V"})",
            kOccurence, "/chargePointModel"},
        Row{"boot_vendor_too_long", "BootNotification", kReq,
            R"({"chargePointVendor":"123456789012345678901","chargePointModel":"M"})", kProperty,
            "/chargePointVendor"},
        Row{"boot_vendor_twenty_multibyte_chars", "BootNotification", kReq,
            R"({"chargePointVendor":"éééééééééééééééééééé","chargePointModel":"M"})", std::nullopt},
        Row{"boot_vendor_number", "BootNotification", kReq,
            R"({"chargePointVendor":7,"chargePointModel":"M"})", kType, "/chargePointVendor"},
        Row{"boot_extra_field", "BootNotification", kReq,
            R"({"chargePointVendor":"V","chargePointModel":"M","colour":"red"})", kFormation,
            "/colour"},
        Row{"boot_conf", "BootNotification", kConf,
            R"({"status":"Accepted","currentTime":"2026-11-28T12:00:00.000Z","interval":300})",
            std::nullopt},
        Row{"boot_conf_bad_status", "BootNotification", kConf,
            R"({"status":"Maybe","currentTime":"2026-11-28T12:00:00Z","interval":300})", kProperty,
            "/status"},
        Row{"boot_conf_bad_time", "BootNotification", kConf,
            R"({"status":"Accepted","currentTime":"yesterday","interval":300})", kProperty,
            "/currentTime"},
        Row{"boot_conf_interval_fraction", "BootNotification", kConf,
            R"({"status":"Accepted","currentTime":"2026-11-28T12:00:00Z","interval":1.5})", kType,
            "/interval"},
        Row{"boot_conf_interval_integral_double", "BootNotification", kConf,
            R"({"status":"Accepted","currentTime":"2026-11-28T12:00:00Z","interval":300.0})",
            std::nullopt},
        // Integers beyond 64 bits are refused, not cast (1e300 and 2^64 are integral).
        Row{"start_meter_1e300", "StartTransaction", kReq,
            R"({"connectorId":1,"idTag":"TAG","meterStart":1e300,"timestamp":"2026-11-28T12:00:00Z"})",
            kType, "/meterStart"},
        Row{"status_connector_2_pow_64", "StatusNotification", kReq,
            R"({"connectorId":18446744073709551615,"errorCode":"NoError","status":"Charging"})",
            kType, "/connectorId"},
        Row{"heartbeat_empty", "Heartbeat", kReq, "{}", std::nullopt},
        Row{"heartbeat_extra", "Heartbeat", kReq, R"({"x":1})", kFormation, "/x"},
        Row{"status_enum", "StatusNotification", kReq,
            R"({"connectorId":1,"errorCode":"NoError","status":"Charging"})", std::nullopt},
        Row{"status_bad_enum", "StatusNotification", kReq,
            R"({"connectorId":1,"errorCode":"NoError","status":"Sleeping"})", kProperty, "/status"},
        Row{"status_connector_string", "StatusNotification", kReq,
            R"({"connectorId":"1","errorCode":"NoError","status":"Charging"})", kType,
            "/connectorId"},
        Row{"start_ok", "StartTransaction", kReq,
            R"({"connectorId":1,"idTag":"TAG","meterStart":0,"timestamp":"2026-11-28T12:00:00+01:00"})",
            std::nullopt},
        Row{"start_bad_offset", "StartTransaction", kReq,
            R"({"connectorId":1,"idTag":"TAG","meterStart":0,"timestamp":"2026-11-28T12:00:00+1"})",
            kProperty, "/timestamp"},
        Row{"start_feb_30", "StartTransaction", kReq,
            R"({"connectorId":1,"idTag":"TAG","meterStart":0,"timestamp":"2026-02-30T12:00:00Z"})",
            kProperty, "/timestamp"},
        Row{"meter_nested_ok", "MeterValues", kReq,
            R"({"connectorId":1,"transactionId":5,"meterValue":[{"timestamp":"2026-11-28T12:00:00Z","sampledValue":[{"value":"42","measurand":"SoC","unit":"Percent"}]}]})",
            std::nullopt},
        Row{"meter_nested_bad_measurand", "MeterValues", kReq,
            R"({"connectorId":1,"meterValue":[{"timestamp":"2026-11-28T12:00:00Z","sampledValue":[{"value":"42","measurand":"Mood"}]}]})",
            kProperty, "/meterValue/0/sampledValue/0/measurand"},
        Row{"meter_nested_missing_value", "MeterValues", kReq,
            R"({"connectorId":1,"meterValue":[{"timestamp":"2026-11-28T12:00:00Z","sampledValue":[{}]}]})",
            kOccurence, "/meterValue/0/sampledValue/0/value"},
        Row{"meter_items_not_array", "MeterValues", kReq, R"({"connectorId":1,"meterValue":{}})",
            kType, "/meterValue"},
        Row{"profile_limit_multiple", "SetChargingProfile", kReq,
            R"({"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":6.15}]}}})",
            kOccurence},
        Row{"profile_limit_zero", "SetChargingProfile", kReq,
            R"({"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":0.0}]}}})",
            std::nullopt},
        Row{"security_ref_enum_ok", "ExtendedTriggerMessage", kReq,
            R"({"requestedMessage":"Heartbeat"})", std::nullopt},
        Row{"security_ref_enum_bad", "ExtendedTriggerMessage", kReq,
            R"({"requestedMessage":"Coffee"})", kProperty, "/requestedMessage"},
        Row{"data_transfer_uri_free", "DataTransfer", kReq,
            R"({"vendorId":"com.paddock","messageId":"LockVehicle","data":"{}"})", std::nullopt},
        Row{"unknown_action", "MakeCoffee", kReq, "{}", CallErrorCode::not_supported}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(OcppSchema, LoadsEveryOfficialSchema) {
  EXPECT_TRUE(SchemaSet::ocpp16().knows("BootNotification"));
  EXPECT_TRUE(SchemaSet::ocpp16().knows("LogStatusNotification"));
  EXPECT_FALSE(SchemaSet::ocpp16().knows("Boot"));
}

struct LoadRow {
  const char* name;
  const char* text;
};
class SchemaLoadRefusals : public ::testing::TestWithParam<LoadRow> {};

// A schema needing what the validator does not implement must not load silently.
TEST_P(SchemaLoadRefusals, Refuse) { EXPECT_FALSE(SchemaSet::load(GetParam().text).ok()); }

INSTANTIATE_TEST_SUITE_P(
    Ocpp, SchemaLoadRefusals,
    ::testing::Values(
        LoadRow{"not_array", "{}"}, LoadRow{"no_id", R"([{"type":"object"}])"},
        LoadRow{"unknown_keyword", R"([{"$id":"urn:A.req","type":"object","pattern":"x"}])"},
        LoadRow{"nested_unknown_keyword",
                R"([{"$id":"urn:A.req","properties":{"a":{"minimum":1}}}])"},
        LoadRow{"unknown_format", R"([{"$id":"urn:A.req","properties":{"a":{"format":"email"}}}])"},
        LoadRow{"dangling_ref",
                R"([{"$id":"urn:A.req","properties":{"a":{"$ref":"#/definitions/B"}}}])"},
        LoadRow{"type_list", R"([{"$id":"urn:A.req","type":["object","null"]}])"}),
    [](const auto& info) { return std::string(info.param.name); });

struct TimeRow {
  const char* text;
  bool valid;
};
class DateTimes : public ::testing::TestWithParam<TimeRow> {};
TEST_P(DateTimes, FollowRfc3339) {
  EXPECT_EQ(is_rfc3339_date_time(GetParam().text), GetParam().valid) << GetParam().text;
}
INSTANTIATE_TEST_SUITE_P(
    Ocpp, DateTimes,
    ::testing::Values(TimeRow{"2026-11-28T12:00:00Z", true}, TimeRow{"2026-11-28t12:00:00z", true},
                      TimeRow{"2026-11-28T12:00:00.123456Z", true},
                      TimeRow{"2026-11-28T12:00:00-05:30", true},
                      TimeRow{"2024-02-29T00:00:00Z", true}, TimeRow{"2023-02-29T00:00:00Z", false},
                      TimeRow{"2026-11-28T24:00:00Z", false},
                      TimeRow{"2026-11-28 12:00:00Z", false}, TimeRow{"2026-11-28T12:00:00", false},
                      TimeRow{"2026-11-28T12:00:00.Z", false},
                      TimeRow{"2026-13-01T00:00:00Z", false},
                      TimeRow{"2026-11-28T12:00:00+0100", false}, TimeRow{"", false}));

}  // namespace
}  // namespace paddock::ocpp

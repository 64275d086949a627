// The OCPP-J 1.6 frame codec (OCPP-J 1.6 §4): one row per shape, named.
#include "ocpp/frame.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace paddock::ocpp {
namespace {

struct FaultRow {
  const char* name;
  const char* text;
  CallErrorCode code;
  const char* id;  // the id the fault is answered under ("" when none could be read)
};

class FrameFaults : public ::testing::TestWithParam<FaultRow> {};

TEST_P(FrameFaults, AreAnsweredWithTheRightCallError) {
  const auto& row = GetParam();
  auto parsed = parse_message(row.text);
  ASSERT_TRUE(std::holds_alternative<FrameFault>(parsed)) << row.text;
  const auto& fault = std::get<FrameFault>(parsed);
  EXPECT_EQ(call_error_name(fault.code), call_error_name(row.code)) << fault.description;
  EXPECT_EQ(fault.id, row.id);
  EXPECT_FALSE(fault.description.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Ocpp, FrameFaults,
    ::testing::Values(
        FaultRow{"not_json", "[2,\"1\",\"Heartbeat\",{}", CallErrorCode::formation_violation, ""},
        FaultRow{"empty", "", CallErrorCode::formation_violation, ""},
        FaultRow{"object", "{\"a\":1}", CallErrorCode::formation_violation, ""},
        FaultRow{"two_elements", "[2,\"1\"]", CallErrorCode::formation_violation, ""},
        FaultRow{"numeric_id", "[2,1,\"Heartbeat\",{}]", CallErrorCode::formation_violation, ""},
        FaultRow{"empty_id", "[2,\"\",\"Heartbeat\",{}]", CallErrorCode::formation_violation, ""},
        FaultRow{"id_of_37", "[2,\"0123456789012345678901234567890123456\",\"Heartbeat\",{}]",
                 CallErrorCode::formation_violation, ""},
        FaultRow{"type_as_string", "[\"2\",\"a\",\"Heartbeat\",{}]",
                 CallErrorCode::formation_violation, "a"},
        FaultRow{"unknown_type", "[5,\"a\",\"Heartbeat\",{}]", CallErrorCode::protocol_error, "a"},
        FaultRow{"negative_type", "[-2,\"a\",\"Heartbeat\",{}]", CallErrorCode::protocol_error,
                 "a"},
        FaultRow{"call_too_short", "[2,\"a\",\"Heartbeat\"]", CallErrorCode::protocol_error, "a"},
        FaultRow{"call_too_long", "[2,\"a\",\"Heartbeat\",{},{}]", CallErrorCode::protocol_error,
                 "a"},
        FaultRow{"action_not_string", "[2,\"a\",7,{}]", CallErrorCode::formation_violation, "a"},
        FaultRow{"action_empty", "[2,\"a\",\"\",{}]", CallErrorCode::formation_violation, "a"},
        FaultRow{"payload_array", "[2,\"a\",\"Heartbeat\",[]]", CallErrorCode::formation_violation,
                 "a"},
        FaultRow{"payload_null", "[2,\"a\",\"Heartbeat\",null]", CallErrorCode::formation_violation,
                 "a"},
        FaultRow{"result_too_long", "[3,\"a\",{},{}]", CallErrorCode::protocol_error, "a"},
        FaultRow{"result_payload_string", "[3,\"a\",\"x\"]", CallErrorCode::formation_violation,
                 "a"},
        FaultRow{"error_too_short", "[4,\"a\",\"GenericError\",\"x\"]",
                 CallErrorCode::protocol_error, "a"},
        FaultRow{"error_code_number", "[4,\"a\",5,\"x\",{}]", CallErrorCode::formation_violation,
                 "a"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(OcppFrame, ParsesACall) {
  auto parsed = parse_message(R"([2,"19223201","BootNotification",{"chargePointVendor":"V"}])");
  ASSERT_TRUE(std::holds_alternative<Message>(parsed));
  const auto& call = std::get<Call>(std::get<Message>(parsed));
  EXPECT_EQ(call.id, "19223201");
  EXPECT_EQ(call.action, "BootNotification");
  EXPECT_EQ(call.payload.at("chargePointVendor").as_string(), "V");
}

TEST(OcppFrame, ParsesAResultAndAnError) {
  auto result = parse_message(R"([3,"x",{"currentTime":"2026-11-28T12:00:00Z"}])");
  ASSERT_TRUE(std::holds_alternative<Message>(result));
  EXPECT_EQ(std::get<CallResult>(std::get<Message>(result)).id, "x");

  auto error = parse_message(R"([4,"y","NotImplemented","no",{"k":1}])");
  ASSERT_TRUE(std::holds_alternative<Message>(error));
  const auto& e = std::get<CallError>(std::get<Message>(error));
  EXPECT_EQ(e.code, CallErrorCode::not_implemented);
  EXPECT_EQ(e.description, "no");
  EXPECT_EQ(e.details.at("k").as_int64(), 1);

  // A code from a later OCPP version is still an error, kept as GenericError.
  auto later = parse_message(R"([4,"z","RpcFrameworkError","",{}])");
  ASSERT_TRUE(std::holds_alternative<Message>(later));
  EXPECT_EQ(std::get<CallError>(std::get<Message>(later)).code, CallErrorCode::generic_error);
}

TEST(OcppFrame, SerializesTheWireForms) {
  EXPECT_EQ(serialize(Call{"1", "Heartbeat", {}}), R"([2,"1","Heartbeat",{}])");
  EXPECT_EQ(serialize(CallResult{"1", {{"currentTime", "t"}}}), R"([3,"1",{"currentTime":"t"}])");
  EXPECT_EQ(serialize(CallError{"1", CallErrorCode::occurence_constraint_violation, "d", {}}),
            R"([4,"1","OccurenceConstraintViolation","d",{}])");
}

TEST(OcppFrame, CutsALongDescriptionAtACharacterBoundary) {
  std::string long_text(kMaxErrorDescriptionBytes - 1, 'a');
  long_text += "\xC3\xA9\xC3\xA9";  // é straddles the limit
  auto wire = serialize(CallError{"1", CallErrorCode::generic_error, long_text, {}});
  auto parsed = parse_message(wire);
  ASSERT_TRUE(std::holds_alternative<Message>(parsed));
  EXPECT_EQ(std::get<CallError>(std::get<Message>(parsed)).description.size(),
            kMaxErrorDescriptionBytes - 1);
}

TEST(OcppFrame, EveryCodeRoundTripsByName) {
  for (int i = 0; i <= static_cast<int>(CallErrorCode::generic_error); ++i) {
    auto code = static_cast<CallErrorCode>(i);
    EXPECT_EQ(parse_call_error_code(call_error_name(code)), code);
  }
  EXPECT_FALSE(parse_call_error_code("FormatViolation").has_value());
}

}  // namespace
}  // namespace paddock::ocpp

#pragma once
// ocpp/frame: the OCPP-J 1.6 message codec (OCPP-J 1.6 §4): CALL [2,id,Action,{}],
// CALLRESULT [3,id,{}] and CALLERROR [4,id,code,description,{}]. Pure: no I/O, no schema
// knowledge (ocpp/schema does that). Depends on core and Boost.JSON.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace paddock::ocpp {

// The CallError codes of OCPP-J 1.6 §4.2.3, spelled as on the wire.
enum class CallErrorCode : std::uint8_t {
  not_implemented,
  not_supported,
  internal_error,
  protocol_error,
  security_error,
  formation_violation,
  property_constraint_violation,
  occurence_constraint_violation,  // sic: the specification's spelling
  type_constraint_violation,
  generic_error,
};
std::string_view call_error_name(CallErrorCode code);
std::optional<CallErrorCode> parse_call_error_code(std::string_view name);

// A message id is at most 36 characters (OCPP-J 1.6 §4.1.3 "UniqueId").
inline constexpr std::size_t kMaxMessageIdChars = 36;
// No OCPP 1.6 action name is longer; anything longer cannot name one.
inline constexpr std::size_t kMaxActionChars = 64;
// A CallError's description is kept to this many bytes when we send one.
inline constexpr std::size_t kMaxErrorDescriptionBytes = 255;

struct Call {
  std::string id;
  std::string action;
  boost::json::object payload;
};
struct CallResult {
  std::string id;
  boost::json::object payload;
};
struct CallError {
  std::string id;
  CallErrorCode code = CallErrorCode::generic_error;
  std::string description;
  boost::json::object details;
};
using Message = std::variant<Call, CallResult, CallError>;

// Why a text is not a message, and what to answer: `id` is the message id when the text got far
// enough to have one (empty otherwise), `code` the CallError to send back.
struct FrameFault {
  std::string id;
  CallErrorCode code = CallErrorCode::formation_violation;
  std::string description;
};

// Parses one WebSocket text message. Returns the message iff `text` is a JSON array of the
// shape of one of the three message types with a non-empty id within kMaxMessageIdChars;
// otherwise the fault to answer with: ProtocolError for an unknown message type or a wrong
// element count, FormationViolation for text that is not a JSON array, elements of the wrong
// JSON type (a payload that is not an object included) or an id that is empty or too long.
// A CallError carrying a code this version does not know becomes generic_error. Never throws.
std::variant<Message, FrameFault> parse_message(std::string_view text);

// Serializes a message (the exact wire form). A description longer than
// kMaxErrorDescriptionBytes is cut at a UTF-8 boundary.
std::string serialize(const Call& call);
std::string serialize(const CallResult& result);
std::string serialize(const CallError& error);

}  // namespace paddock::ocpp

#include "ocpp/frame.hpp"

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace paddock::ocpp {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 10> kCallErrorNames = {"NotImplemented",
                                                              "NotSupported",
                                                              "InternalError",
                                                              "ProtocolError",
                                                              "SecurityError",
                                                              "FormationViolation",
                                                              "PropertyConstraintViolation",
                                                              "OccurenceConstraintViolation",
                                                              "TypeConstraintViolation",
                                                              "GenericError"};
static_assert(kCallErrorNames.size() == static_cast<std::size_t>(CallErrorCode::generic_error) + 1,
              "every CallErrorCode has its wire name");

FrameFault fault(std::string id, CallErrorCode code, std::string description) {
  return {std::move(id), code, std::move(description)};
}

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view cut_utf8(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

std::string_view call_error_name(CallErrorCode code) {
  return kCallErrorNames[static_cast<std::size_t>(code)];
}

std::optional<CallErrorCode> parse_call_error_code(std::string_view name) {
  for (std::size_t i = 0; i < kCallErrorNames.size(); ++i) {
    if (kCallErrorNames[i] == name) return static_cast<CallErrorCode>(i);
  }
  return std::nullopt;
}

std::variant<Message, FrameFault> parse_message(std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec) return fault("", CallErrorCode::formation_violation, "the message is not valid JSON");
  auto* array = parsed.if_array();
  if (!array)
    return fault("", CallErrorCode::formation_violation, "the message is not a JSON array");
  if (array->size() < 3) {
    return fault("", CallErrorCode::formation_violation,
                 "a message has at least a type, an id and one more element");
  }
  // The id first, so that every later fault can be answered under it.
  auto* id_string = (*array)[1].if_string();
  if (!id_string)
    return fault("", CallErrorCode::formation_violation, "the message id is not a string");
  std::string id(id_string->data(), id_string->size());
  if (id.empty() || id.size() > kMaxMessageIdChars) {
    return fault("", CallErrorCode::formation_violation,
                 "the message id must be 1 to 36 characters");
  }
  const json::value& type = (*array)[0];
  if (!type.is_int64() && !type.is_uint64()) {
    return fault(id, CallErrorCode::formation_violation, "the message type is not an integer");
  }
  const std::int64_t kind = type.is_int64() ? type.get_int64() : -1;
  auto payload_of = [&](const json::value& v) -> const json::object* { return v.if_object(); };

  if (kind == 2) {
    if (array->size() != 4) {
      return fault(id, CallErrorCode::protocol_error, "a CALL has exactly 4 elements");
    }
    auto* action = (*array)[2].if_string();
    if (!action) return fault(id, CallErrorCode::formation_violation, "the action is not a string");
    if (action->empty() || action->size() > kMaxActionChars) {
      return fault(id, CallErrorCode::formation_violation, "the action name is empty or too long");
    }
    auto* payload = payload_of((*array)[3]);
    if (!payload)
      return fault(id, CallErrorCode::formation_violation, "the payload is not an object");
    return Message{Call{std::move(id), std::string(action->data(), action->size()), *payload}};
  }
  if (kind == 3) {
    if (array->size() != 3) {
      return fault(id, CallErrorCode::protocol_error, "a CALLRESULT has exactly 3 elements");
    }
    auto* payload = payload_of((*array)[2]);
    if (!payload)
      return fault(id, CallErrorCode::formation_violation, "the payload is not an object");
    return Message{CallResult{std::move(id), *payload}};
  }
  if (kind == 4) {
    if (array->size() != 5) {
      return fault(id, CallErrorCode::protocol_error, "a CALLERROR has exactly 5 elements");
    }
    auto* code = (*array)[2].if_string();
    auto* description = (*array)[3].if_string();
    auto* details = payload_of((*array)[4]);
    if (!code || !description || !details) {
      return fault(id, CallErrorCode::formation_violation,
                   "a CALLERROR is [4, id, code, description, {details}]");
    }
    auto known = parse_call_error_code(std::string_view(code->data(), code->size()));
    return Message{CallError{std::move(id), known.value_or(CallErrorCode::generic_error),
                             std::string(description->data(), description->size()), *details}};
  }
  return fault(id, CallErrorCode::protocol_error, "the message type is not 2, 3 or 4");
}

std::string serialize(const Call& call) {
  return json::serialize(json::array{2, call.id, call.action, call.payload});
}

std::string serialize(const CallResult& result) {
  return json::serialize(json::array{3, result.id, result.payload});
}

std::string serialize(const CallError& error) {
  return json::serialize(json::array{4, error.id, call_error_name(error.code),
                                     cut_utf8(error.description, kMaxErrorDescriptionBytes),
                                     error.details});
}

}  // namespace paddock::ocpp

#pragma once
// core/error: the error values every module returns at its boundary. An ErrorCode is a stable
// snake_case name plus a protocol-neutral kind; how a kind or code is shown to a client (HTTP
// status, title) belongs to the api layer. Depends on nothing.
//
// A module declares its own codes next to its code, without editing this file:
//   inline constexpr ErrorCode kKeyRevoked{"key_revoked", ErrorKind::conflict, "Key is revoked"};
// (identity/errors.hpp, devices/errors.hpp and sharing/errors.hpp do).
// Names are the clients' contract: unique across modules, never reused for another meaning.
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace paddock {

// What went wrong, in terms any protocol can map (HTTP status, WebSocket close code, OCPP error).
enum class ErrorKind : std::uint8_t {
  invalid_input,  // the request is well-formed but a value is wrong
  malformed,      // the request cannot be parsed at all
  unauthorized,   // who is calling is unknown or not proven
  forbidden,      // the caller is known and may not do this
  not_found,
  conflict,  // the request clashes with the current state
  too_large,
  rate_limited,
  unavailable,  // the server cannot serve now; retrying later may work
  timeout,
  internal,
};

struct ErrorCode {
  std::string_view name;  // stable snake_case name clients may switch on
  ErrorKind kind = ErrorKind::internal;
  std::string_view title;  // short summary, the same every time; empty: the kind's own

  // Codes are the same iff their names are.
  friend constexpr bool operator==(const ErrorCode& a, const ErrorCode& b) {
    return a.name == b.name;
  }

  // The codes every module shares; spelled Errc::name (see below).
  static const ErrorCode invalid_json;
  static const ErrorCode invalid_field;
  static const ErrorCode unsupported_media_type;
  static const ErrorCode malformed_request;
  static const ErrorCode payload_too_large;
  static const ErrorCode header_too_large;
  static const ErrorCode request_timeout;
  static const ErrorCode unauthorized;
  static const ErrorCode not_found;
  static const ErrorCode method_not_allowed;
  static const ErrorCode forbidden;
  static const ErrorCode upgrade_required;
  static const ErrorCode too_many_connections;
  static const ErrorCode not_ready;
  static const ErrorCode storage_unavailable;
  static const ErrorCode internal;
};

// `Errc::not_found` reads as before the codes became open; `Errc` is the same type.
using Errc = ErrorCode;

inline constexpr ErrorCode ErrorCode::invalid_json{"invalid_json", ErrorKind::malformed,
                                                   "Request body is not valid JSON"};
inline constexpr ErrorCode ErrorCode::invalid_field{"invalid_field", ErrorKind::invalid_input,
                                                    "A field is missing or invalid"};
inline constexpr ErrorCode ErrorCode::unsupported_media_type{
    "unsupported_media_type", ErrorKind::invalid_input, "Unsupported media type"};
inline constexpr ErrorCode ErrorCode::malformed_request{"malformed_request", ErrorKind::malformed,
                                                        "Malformed HTTP request"};
inline constexpr ErrorCode ErrorCode::payload_too_large{"payload_too_large", ErrorKind::too_large,
                                                        "Request body too large"};
inline constexpr ErrorCode ErrorCode::header_too_large{"header_too_large", ErrorKind::too_large,
                                                       "Request header fields too large"};
inline constexpr ErrorCode ErrorCode::request_timeout{"request_timeout", ErrorKind::timeout,
                                                      "Request took too long to arrive"};
inline constexpr ErrorCode ErrorCode::unauthorized{"unauthorized", ErrorKind::unauthorized,
                                                   "Authentication required"};
inline constexpr ErrorCode ErrorCode::not_found{"not_found", ErrorKind::not_found, "Not found"};
inline constexpr ErrorCode ErrorCode::method_not_allowed{
    "method_not_allowed", ErrorKind::invalid_input, "Method not allowed"};
inline constexpr ErrorCode ErrorCode::forbidden{"forbidden", ErrorKind::forbidden,
                                                "Not allowed for your role"};
inline constexpr ErrorCode ErrorCode::upgrade_required{"upgrade_required", ErrorKind::invalid_input,
                                                       "This route speaks WebSocket"};
inline constexpr ErrorCode ErrorCode::too_many_connections{
    "too_many_connections", ErrorKind::unavailable, "Server is at its connection limit"};
inline constexpr ErrorCode ErrorCode::not_ready{"not_ready", ErrorKind::unavailable,
                                                "Server is not ready"};
inline constexpr ErrorCode ErrorCode::storage_unavailable{
    "storage_unavailable", ErrorKind::unavailable, "Storage is unavailable"};
inline constexpr ErrorCode ErrorCode::internal{"internal", ErrorKind::internal,
                                               "Internal server error"};

// Every code declared above, for tests and tools that list codes. Other modules' codes are not
// here, by design.
std::span<const ErrorCode> core_error_codes();

std::string_view kind_name(ErrorKind kind);

// Prints the code's name (test failure messages).
std::ostream& operator<<(std::ostream& out, const ErrorCode& code);

struct Error {
  ErrorCode code = Errc::internal;
  std::string detail;           // what went wrong this time, for a person
  std::string field;            // the offending input field, when there is one
  int retry_after_seconds = 0;  // > 0 when the client should wait (rate limits)
};

inline Error make_error(ErrorCode code, std::string detail, std::string field = {}) {
  return Error{code, std::move(detail), std::move(field), 0};
}

}  // namespace paddock

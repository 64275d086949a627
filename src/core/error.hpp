#pragma once
// core/error: the error values every module returns at its boundary. An ErrorCode is a stable
// snake_case name plus a protocol-neutral kind; how a kind or code is shown to a client (HTTP
// status, title) belongs to the api layer. Depends on nothing.
//
// A module declares its own codes next to its code, without editing this file:
//   inline constexpr ErrorCode kKeyRevoked{"key_revoked", ErrorKind::conflict};
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
  conflict,       // the request clashes with the current state
  too_large,
  rate_limited,
  unavailable,    // the server cannot serve now; retrying later may work
  timeout,
  internal,
};

struct ErrorCode {
  std::string_view name;  // stable snake_case name clients may switch on
  ErrorKind kind = ErrorKind::internal;

  // Codes are the same iff their names are.
  friend constexpr bool operator==(const ErrorCode& a, const ErrorCode& b) {
    return a.name == b.name;
  }

  // The codes core's own callers share; spelled Errc::name (see below).
  static const ErrorCode invalid_json;
  static const ErrorCode invalid_field;
  static const ErrorCode password_too_short;
  static const ErrorCode unsupported_media_type;
  static const ErrorCode malformed_request;
  static const ErrorCode payload_too_large;
  static const ErrorCode header_too_large;
  static const ErrorCode request_timeout;
  static const ErrorCode unauthorized;
  static const ErrorCode invalid_credentials;
  static const ErrorCode too_many_attempts;
  static const ErrorCode not_found;
  static const ErrorCode method_not_allowed;
  static const ErrorCode username_taken;
  static const ErrorCode challenge_invalid;
  static const ErrorCode signature_invalid;
  static const ErrorCode forbidden;
  static const ErrorCode identification_taken;
  static const ErrorCode already_following;
  static const ErrorCode cannot_follow_own_vehicle;
  static const ErrorCode confirmation_invalid;
  static const ErrorCode invalid_cursor;
  static const ErrorCode upgrade_required;
  static const ErrorCode too_many_connections;
  static const ErrorCode not_ready;
  static const ErrorCode storage_unavailable;
  static const ErrorCode internal;
};

// `Errc::not_found` reads as before the codes became open; `Errc` is the same type.
using Errc = ErrorCode;

inline constexpr ErrorCode ErrorCode::invalid_json{"invalid_json", ErrorKind::malformed};
inline constexpr ErrorCode ErrorCode::invalid_field{"invalid_field", ErrorKind::invalid_input};
inline constexpr ErrorCode ErrorCode::password_too_short{"password_too_short",
                                                         ErrorKind::invalid_input};
inline constexpr ErrorCode ErrorCode::unsupported_media_type{"unsupported_media_type",
                                                             ErrorKind::invalid_input};
inline constexpr ErrorCode ErrorCode::malformed_request{"malformed_request", ErrorKind::malformed};
inline constexpr ErrorCode ErrorCode::payload_too_large{"payload_too_large", ErrorKind::too_large};
inline constexpr ErrorCode ErrorCode::header_too_large{"header_too_large", ErrorKind::too_large};
inline constexpr ErrorCode ErrorCode::request_timeout{"request_timeout", ErrorKind::timeout};
inline constexpr ErrorCode ErrorCode::unauthorized{"unauthorized", ErrorKind::unauthorized};
inline constexpr ErrorCode ErrorCode::invalid_credentials{"invalid_credentials",
                                                          ErrorKind::unauthorized};
inline constexpr ErrorCode ErrorCode::too_many_attempts{"too_many_attempts",
                                                        ErrorKind::rate_limited};
inline constexpr ErrorCode ErrorCode::not_found{"not_found", ErrorKind::not_found};
inline constexpr ErrorCode ErrorCode::method_not_allowed{"method_not_allowed",
                                                         ErrorKind::invalid_input};
inline constexpr ErrorCode ErrorCode::username_taken{"username_taken", ErrorKind::conflict};
inline constexpr ErrorCode ErrorCode::challenge_invalid{"challenge_invalid",
                                                        ErrorKind::invalid_input};
inline constexpr ErrorCode ErrorCode::signature_invalid{"signature_invalid",
                                                        ErrorKind::invalid_input};
inline constexpr ErrorCode ErrorCode::forbidden{"forbidden", ErrorKind::forbidden};
inline constexpr ErrorCode ErrorCode::identification_taken{"identification_taken",
                                                           ErrorKind::conflict};
inline constexpr ErrorCode ErrorCode::already_following{"already_following", ErrorKind::conflict};
inline constexpr ErrorCode ErrorCode::cannot_follow_own_vehicle{"cannot_follow_own_vehicle",
                                                                ErrorKind::conflict};
inline constexpr ErrorCode ErrorCode::confirmation_invalid{"confirmation_invalid",
                                                           ErrorKind::invalid_input};
inline constexpr ErrorCode ErrorCode::invalid_cursor{"invalid_cursor", ErrorKind::malformed};
inline constexpr ErrorCode ErrorCode::upgrade_required{"upgrade_required",
                                                       ErrorKind::invalid_input};
inline constexpr ErrorCode ErrorCode::too_many_connections{"too_many_connections",
                                                           ErrorKind::unavailable};
inline constexpr ErrorCode ErrorCode::not_ready{"not_ready", ErrorKind::unavailable};
inline constexpr ErrorCode ErrorCode::storage_unavailable{"storage_unavailable",
                                                          ErrorKind::unavailable};
inline constexpr ErrorCode ErrorCode::internal{"internal", ErrorKind::internal};

// Every code declared above, for tests and tools that list codes. Other modules' codes are not
// here, by design.
std::span<const ErrorCode> core_error_codes();

std::string_view kind_name(ErrorKind kind);

// Prints the code's name (test failure messages).
std::ostream& operator<<(std::ostream& out, const ErrorCode& code);

struct Error {
  ErrorCode code = Errc::internal;
  std::string detail;             // what went wrong this time, for a person
  std::string field;              // the offending input field, when there is one
  int retry_after_seconds = 0;    // > 0 when the client should wait (rate limits)
};

inline Error make_error(ErrorCode code, std::string detail, std::string field = {}) {
  return Error{code, std::move(detail), std::move(field), 0};
}

}  // namespace paddock

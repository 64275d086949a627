#pragma once
// core/error: the error values every module returns at its boundary, with their stable codes.
// Owns the table that maps each code to its HTTP status and title; depends on nothing.
#include <cstdint>
#include <string>
#include <string_view>

namespace paddock {

enum class Errc : std::uint8_t {
  invalid_json,
  invalid_field,
  password_too_short,
  unsupported_media_type,
  malformed_request,
  payload_too_large,
  header_too_large,
  request_timeout,
  unauthorized,
  invalid_credentials,
  too_many_attempts,
  not_found,
  method_not_allowed,
  username_taken,
  challenge_invalid,
  signature_invalid,
  forbidden,
  identification_taken,
  already_following,
  cannot_follow_own_vehicle,
  confirmation_invalid,
  invalid_cursor,
  upgrade_required,
  too_many_connections,
  not_ready,
  storage_unavailable,
  internal,
};

struct ErrcInfo {
  std::string_view code;  // stable snake_case name clients may switch on
  int http_status;
  std::string_view title;  // short human summary, same for every occurrence
};

// Returns the fixed description of `code`.
const ErrcInfo& describe(Errc code);

struct Error {
  Errc code = Errc::internal;
  std::string detail;             // what went wrong this time, for a person
  std::string field;              // the offending input field, when there is one
  int retry_after_seconds = 0;    // > 0 when the client should wait (rate limits)
};

inline Error make_error(Errc code, std::string detail, std::string field = {}) {
  return Error{code, std::move(detail), std::move(field), 0};
}

}  // namespace paddock

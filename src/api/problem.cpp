#include "api/problem.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>

#include "api/utf8.hpp"

namespace paddock::api {
namespace {

HttpProblemType kind_default(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return {422, "A field is missing or invalid"};
    case ErrorKind::malformed: return {400, "Malformed request"};
    case ErrorKind::unauthorized: return {401, "Authentication required"};
    case ErrorKind::forbidden: return {403, "Not allowed for your role"};
    case ErrorKind::not_found: return {404, "Not found"};
    case ErrorKind::conflict: return {409, "Conflicts with the current state"};
    case ErrorKind::too_large: return {413, "Request too large"};
    case ErrorKind::rate_limited: return {429, "Too many requests"};
    case ErrorKind::unavailable: return {503, "Service unavailable"};
    case ErrorKind::timeout: return {408, "Request took too long to arrive"};
    case ErrorKind::internal: break;
  }
  return {500, "Internal server error"};
}

struct CodeRow {
  ErrorCode code;
  HttpProblemType type;
};

// Rows for codes whose status differs from their kind's default (415, 405, 426, 431) and for
// the titles clients already see. Not a registry: a code without a row still renders.
constexpr std::array kCodeRows = {
    CodeRow{Errc::invalid_json, {400, "Request body is not valid JSON"}},
    CodeRow{Errc::invalid_field, {422, "A field is missing or invalid"}},
    CodeRow{Errc::password_too_short, {422, "Password is too short"}},
    CodeRow{Errc::unsupported_media_type, {415, "Unsupported media type"}},
    CodeRow{Errc::malformed_request, {400, "Malformed HTTP request"}},
    CodeRow{Errc::payload_too_large, {413, "Request body too large"}},
    CodeRow{Errc::header_too_large, {431, "Request header fields too large"}},
    CodeRow{Errc::request_timeout, {408, "Request took too long to arrive"}},
    CodeRow{Errc::unauthorized, {401, "Authentication required"}},
    CodeRow{Errc::invalid_credentials, {401, "Wrong username or password"}},
    CodeRow{Errc::too_many_attempts, {429, "Too many failed attempts"}},
    CodeRow{Errc::not_found, {404, "Not found"}},
    CodeRow{Errc::method_not_allowed, {405, "Method not allowed"}},
    CodeRow{Errc::username_taken, {409, "Username is already taken"}},
    CodeRow{Errc::challenge_invalid, {422, "Challenge is unknown, used or expired"}},
    CodeRow{Errc::signature_invalid, {422, "Signature does not verify"}},
    CodeRow{Errc::forbidden, {403, "Not allowed for your role"}},
    CodeRow{Errc::identification_taken, {409, "This VIN or plate is already registered"}},
    CodeRow{Errc::already_following, {409, "You already follow this vehicle"}},
    CodeRow{Errc::cannot_follow_own_vehicle, {409, "You own or share this vehicle"}},
    CodeRow{Errc::confirmation_invalid, {422, "Confirmation token is unknown, used or expired"}},
    CodeRow{Errc::invalid_cursor, {400, "Cursor is not valid"}},
    CodeRow{Errc::upgrade_required, {426, "This route speaks WebSocket"}},
    CodeRow{Errc::too_many_connections, {503, "Server is at its connection limit"}},
    CodeRow{Errc::not_ready, {503, "Server is not ready"}},
    CodeRow{Errc::storage_unavailable, {503, "Storage is unavailable"}},
    CodeRow{Errc::internal, {500, "Internal server error"}},
};

}  // namespace

HttpProblemType http_problem_type(const ErrorCode& code) {
  for (const auto& row : kCodeRows) {
    if (row.code == code) return row.type;
  }
  return kind_default(code.kind);
}

Response problem_response(const Error& error, std::string_view request_id) {
  const HttpProblemType type = http_problem_type(error.code);
  boost::json::object doc;
  doc["type"] = std::string("urn:paddock:problem:") + std::string(error.code.name);
  doc["title"] = type.title;
  doc["status"] = type.status;
  // Details often quote the client's input; a problem document must stay valid JSON in UTF-8.
  doc["detail"] =
      error.detail.empty() ? std::string(type.title) : escape_invalid_utf8(error.detail);
  doc["code"] = error.code.name;
  doc["request_id"] = escape_invalid_utf8(request_id);
  if (!error.field.empty()) doc["field"] = escape_invalid_utf8(error.field);

  Response r;
  r.status = type.status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(doc);
  if (type.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"paddock\"");
  if (error.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return r;
}

}  // namespace paddock::api

#include "api/problem.hpp"

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

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

struct StatusRow {
  ErrorCode code;
  int status;
};

// Codes whose HTTP status is not their kind's (RFC 9110 has a status of its own for them).
// Every other code, any module's, renders by its kind: nothing here to edit for a new one.
constexpr std::array kStatusRows = {
    StatusRow{Errc::unsupported_media_type, 415},
    StatusRow{Errc::method_not_allowed, 405},
    StatusRow{Errc::upgrade_required, 426},
    StatusRow{Errc::header_too_large, 431},
};

}  // namespace

HttpProblemType http_problem_type(const ErrorCode& code) {
  HttpProblemType type = kind_default(code.kind);
  for (const auto& row : kStatusRows) {
    if (row.code == code) type.status = row.status;
  }
  if (!code.title.empty()) type.title = code.title;
  return type;
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

#pragma once
// api/problem: the one place an Error becomes an RFC 9457 problem document, and the one place
// error codes and kinds get their HTTP status and title.
#include <string_view>

#include "api/http_types.hpp"
#include "core/error.hpp"

namespace paddock::api {

struct HttpProblemType {
  int status;
  std::string_view title;  // short human summary, same for every occurrence
};

// The status and title of `code`: the code's own row when it has one (the codes whose status
// differs from their kind's, and core's titles), else its kind's default. A module's new code
// needs no row here unless its status must differ from its kind's.
HttpProblemType http_problem_type(const ErrorCode& code);

// {"type","title","status","detail","code","request_id"[,"field"]} as application/problem+json,
// with WWW-Authenticate on 401 and Retry-After when the error carries one. Always valid UTF-8
// JSON: bytes of `detail` and `field` that are not UTF-8 are shown escaped as \xHH.
Response problem_response(const Error& error, std::string_view request_id);

}  // namespace paddock::api

#pragma once
// api/problem: the one place an Error becomes an RFC 9457 problem document.
#include <string_view>

#include "api/http_types.hpp"
#include "core/error.hpp"

namespace paddock::api {

// {"type","title","status","detail","code","request_id"[,"field"]} as application/problem+json,
// with WWW-Authenticate on 401 and Retry-After when the error carries one.
Response problem_response(const Error& error, std::string_view request_id);

}  // namespace paddock::api

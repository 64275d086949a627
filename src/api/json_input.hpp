#pragma once
// api/json_input: turns request bodies into checked values. Every failure is an Error naming
// the field, so handlers stay a list of "take this, take that".
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "api/http_types.hpp"
#include "core/result.hpp"

namespace paddock::api {

inline constexpr std::size_t kMaxJsonDepth = 32;

// Requires Content-Type application/json (415 otherwise) and a JSON object body with valid
// UTF-8 (400 invalid_json otherwise). Numbers: integers in [-2^63, 2^64) stay exact integers;
// a number with a fraction or an exponent becomes the nearest double, as RFC 8259 section 6
// allows. An integer outside that range (it could only be kept inexactly) and a number past the
// double range (1e400) are 422 invalid_field naming the path, e.g. "attributes.n" or "list[2]".
Result<boost::json::object> parse_json_object(const Request& request);

// A string field. Error invalid_field when missing, not a string, or longer than max_bytes.
Result<std::string> required_string(const boost::json::object& body, std::string_view field,
                                    std::size_t max_bytes);
// Missing or null gives nullopt.
Result<std::optional<std::string>> optional_string(const boost::json::object& body,
                                                   std::string_view field,
                                                   std::size_t max_bytes);
Result<bool> optional_bool(const boost::json::object& body, std::string_view field,
                           bool fallback);

}  // namespace paddock::api

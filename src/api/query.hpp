#pragma once
// api/query: reading query-string parameters with limits and clear errors.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace paddock::api {

// The percent-decoded value of `name` in `query`, if present. Error: invalid_field when the
// query string cannot be decoded or the value is not UTF-8.
Result<std::optional<std::string>> query_param(std::string_view query, std::string_view name);

// An integer parameter in [min, max], `fallback` when absent. Error: invalid_field.
Result<std::int64_t> query_int(std::string_view query, std::string_view name, std::int64_t min,
                               std::int64_t max, std::int64_t fallback);

}  // namespace paddock::api

#include "api/query.hpp"

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <charconv>

#include "api/utf8.hpp"

namespace paddock::api {

Result<std::optional<std::string>> query_param(std::string_view query, std::string_view name) {
  auto params = boost::urls::parse_query(query);
  if (!params) {
    return make_error(Errc::invalid_field, "the query string is malformed", std::string(name));
  }
  for (auto param : *params) {
    // The view is percent-encoded: "types=status%2Ctrip" must read as "status,trip".
    if (param.key.decode() != name) continue;
    std::string value = param.value.decode();
    // Values are echoed in details and compared with UTF-8 names; refuse other bytes here,
    // without quoting them.
    if (!is_valid_utf8(value)) {
      return make_error(Errc::invalid_field, std::string(name) + " must be UTF-8 text",
                        std::string(name));
    }
    return std::optional<std::string>(std::move(value));
  }
  return std::optional<std::string>();
}

Result<std::int64_t> query_int(std::string_view query, std::string_view name, std::int64_t min,
                               std::int64_t max, std::int64_t fallback) {
  auto text = query_param(query, name);
  if (!text) return text.take_error();
  if (!text->has_value()) return fallback;
  const std::string& s = **text;
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value < min || value > max) {
    return make_error(Errc::invalid_field,
                      std::string(name) + " must be an integer from " + std::to_string(min) +
                          " to " + std::to_string(max),
                      std::string(name));
  }
  return value;
}

}  // namespace paddock::api

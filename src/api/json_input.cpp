#include "api/json_input.hpp"

#include <boost/json/parse.hpp>

#include <cmath>

#include "core/text.hpp"

namespace paddock::api {
namespace {

// Finds a number the parser could only represent as +-infinity (1e400): such a value is not
// JSON once stored, and would be lost. Appends its path ("attributes.n", "list[2]") to `path`.
// Recursion is bounded by kMaxJsonDepth, which the parser enforced.
bool find_unrepresentable_number(const boost::json::value& value, std::string& path) {
  if (value.is_double()) return !std::isfinite(value.get_double());
  std::size_t mark = path.size();
  if (const auto* object = value.if_object()) {
    for (const auto& [key, member] : *object) {
      if (!path.empty()) path += '.';
      path.append(key.data(), key.size());
      if (find_unrepresentable_number(member, path)) return true;
      path.resize(mark);
    }
  } else if (const auto* array = value.if_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      path += '[' + std::to_string(i) + ']';
      if (find_unrepresentable_number((*array)[i], path)) return true;
      path.resize(mark);
    }
  }
  return false;
}

}  // namespace

Result<boost::json::object> parse_json_object(const Request& request) {
  std::string_view type = request.content_type();
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (ascii_lower(type) != "application/json") {
    return make_error(Errc::unsupported_media_type,
                      "send the body as JSON with 'Content-Type: application/json'");
  }
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body, ec, {}, options);
  if (ec) {
    return make_error(Errc::invalid_json, "the body is not valid JSON: " + ec.message());
  }
  if (!value.is_object()) return make_error(Errc::invalid_json, "the body must be a JSON object");
  // Integers within int64/uint64 are kept exactly; other numbers become doubles, and one out
  // of the double range is refused rather than stored as a non-JSON infinity.
  if (std::string path; find_unrepresentable_number(value, path)) {
    return make_error(Errc::invalid_field, path + " is a number out of range", path);
  }
  return std::move(value.as_object());
}

Result<std::optional<std::string>> optional_string(const boost::json::object& body,
                                                   std::string_view field,
                                                   std::size_t max_bytes) {
  const boost::json::value* v = body.if_contains(field);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) {
    return make_error(Errc::invalid_field, std::string(field) + " must be a string",
                      std::string(field));
  }
  const auto& s = v->get_string();
  if (s.size() > max_bytes) {
    return make_error(Errc::invalid_field,
                      std::string(field) + " is longer than " + std::to_string(max_bytes) +
                          " bytes",
                      std::string(field));
  }
  return std::optional<std::string>(std::string(s));
}

Result<std::string> required_string(const boost::json::object& body, std::string_view field,
                                    std::size_t max_bytes) {
  auto value = optional_string(body, field, max_bytes);
  if (!value) return value.take_error();
  if (!value->has_value()) {
    return make_error(Errc::invalid_field, std::string(field) + " is required",
                      std::string(field));
  }
  return std::move(**value);
}

Result<bool> optional_bool(const boost::json::object& body, std::string_view field,
                           bool fallback) {
  const boost::json::value* v = body.if_contains(field);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool()) {
    return make_error(Errc::invalid_field, std::string(field) + " must be true or false",
                      std::string(field));
  }
  return v->get_bool();
}

}  // namespace paddock::api

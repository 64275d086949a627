#include "api/json_input.hpp"

#include <boost/json/parse.hpp>

#include "core/text.hpp"

namespace paddock::api {

Result<boost::json::object> parse_json_object(const Request& request) {
  std::string_view type = request.content_type;
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

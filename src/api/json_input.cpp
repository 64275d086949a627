#include "api/json_input.hpp"

#include <boost/json/parse.hpp>

#include <cmath>
#include <string_view>
#include <vector>

#include "core/text.hpp"

namespace paddock::api {
namespace {

// Finds a number the parser could only represent as +-infinity (1e400): such a value is not
// JSON once stored, and would be lost. Appends its path ("attributes.n", "list[2]") to `path`.
// Recursion is bounded by kMaxJsonDepth, which the parser enforced.
// `saw_double` is set when any number is a double (only then can an integer literal have been
// too large to keep exactly).
bool find_unrepresentable_number(const boost::json::value& value, std::string& path,
                                 bool& saw_double) {
  if (value.is_double()) {
    saw_double = true;
    return !std::isfinite(value.get_double());
  }
  std::size_t mark = path.size();
  if (const auto* object = value.if_object()) {
    for (const auto& [key, member] : *object) {
      if (!path.empty()) path += '.';
      path.append(key.data(), key.size());
      if (find_unrepresentable_number(member, path, saw_double)) return true;
      path.resize(mark);
    }
  } else if (const auto* array = value.if_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      path += '[' + std::to_string(i) + ']';
      if (find_unrepresentable_number((*array)[i], path, saw_double)) return true;
      path.resize(mark);
    }
  }
  return false;
}

// Whether an integer literal's digits exceed `limit` (both without sign or leading zeros).
bool digits_exceed(std::string_view digits, std::string_view limit) {
  if (digits.size() != limit.size()) return digits.size() > limit.size();
  return digits > limit;
}

// Finds an integer literal (no fraction, no exponent) outside [-2^63, 2^64): the parser can
// only keep it as an inexact double, which would change the number the client sent. Runs on
// text the parser accepted, so it only has to tokenize. Appends the literal's path to `path`.
bool find_inexact_integer(std::string_view json, std::string& path) {
  struct Frame {
    bool object;
    std::string key;
    std::size_t index = 0;
  };
  std::vector<Frame> stack;
  bool expecting_key = false;
  auto name_path = [&] {
    for (const auto& frame : stack) {
      if (frame.object) {
        if (!path.empty()) path += '.';
        path += frame.key;
      } else {
        path += '[' + std::to_string(frame.index) + ']';
      }
    }
  };
  for (std::size_t i = 0; i < json.size();) {
    char c = json[i];
    if (c == '"') {
      std::size_t end = i + 1;
      while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
      if (expecting_key && !stack.empty()) {
        stack.back().key.assign(json.substr(i + 1, end - i - 1));
        expecting_key = false;
      }
      i = end + 1;
    } else if (c == '{' || c == '[') {
      stack.push_back({c == '{', {}, 0});
      expecting_key = c == '{';
      ++i;
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
      ++i;
    } else if (c == ',') {
      if (!stack.empty()) {
        if (stack.back().object) {
          expecting_key = true;
        } else {
          ++stack.back().index;
        }
      }
      ++i;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t end = i + 1;
      bool integer = true;
      while (end < json.size() && std::string_view("0123456789.eE+-").find(json[end]) !=
                                      std::string_view::npos) {
        if (json[end] == '.' || json[end] == 'e' || json[end] == 'E') integer = false;
        ++end;
      }
      std::string_view token = json.substr(i, end - i);
      bool negative = token.front() == '-';
      if (negative) token.remove_prefix(1);
      if (integer && digits_exceed(token, negative ? "9223372036854775808"
                                                   : "18446744073709551615")) {
        name_path();
        return true;
      }
      i = end;
    } else {
      ++i;  // white space, ':', true, false, null
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
  // Integers within int64/uint64 are kept exactly; an integer past them would silently become
  // an inexact double, and a number past the double range a non-JSON infinity: both refused.
  // The text is scanned again only when the tree holds a double: most bodies have none.
  bool saw_double = false;
  if (std::string path; find_unrepresentable_number(value, path, saw_double) ||
                        (saw_double && find_inexact_integer(request.body, path))) {
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

#include "ocpp/schema.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <cmath>
#include <cstdlib>
#include <iterator>

#include "core/text.hpp"

namespace paddock::ocpp {

// Generated from ocpp/schemas/ocpp1_6.json by CMake (src/ocpp/schemas_data.cpp.in).
std::string_view ocpp16_schemas_text();

namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 16> kKeywords = {
    "$id",        "$schema",   "type",        "properties", "required",    "additionalProperties",
    "enum",       "maxLength", "format",      "$ref",       "definitions", "items",
    "multipleOf", "minItems",  "description", "title"};

constexpr std::string_view kDefinitionsPrefix = "#/definitions/";

Violation violation(CallErrorCode code, const std::string& path, std::string message) {
  return {code, path.empty() ? "/" : path, std::move(message)};
}

bool digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return false;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int number_at(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// RFC 3986 §3.1: a scheme, a colon, and no whitespace or control characters anywhere.
bool is_uri(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(s[0])) return false;
  for (std::size_t i = 1; i < colon; ++i) {
    char c = s[i];
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

// An integer Paddock can hold: JSON Schema's integers are unbounded, but every OCPP integer
// (ids, Wh, seconds) fits 64 bits, and one that does not (1e300, 2^64) is refused here rather
// than cast with undefined behaviour later.
bool is_integer(const json::value& v) {
  if (v.is_int64()) return true;
  if (v.is_uint64()) return v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX);
  if (v.is_double()) {
    double d = v.get_double();
    return std::isfinite(d) && std::floor(d) == d && d >= -9.2233720368547758e18 &&
           d < 9.2233720368547758e18;
  }
  return false;
}

double as_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

bool has_type(const json::value& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_bool();
  if (type == "integer") return is_integer(v);
  if (type == "number") return v.is_number();
  if (type == "null") return v.is_null();
  return false;
}

std::string_view sv(const json::string& s) { return {s.data(), s.size()}; }

class Validator {
 public:
  explicit Validator(const json::object& root) : root_(root) {}

  std::optional<Violation> check(const json::object& schema, const json::value& v,
                                 std::string& path) const {
    if (auto* ref = schema.if_contains("$ref")) {
      auto target = resolve(sv(ref->as_string()));
      return check(*target, v, path);
    }
    if (auto* type = schema.if_contains("type")) {
      if (!has_type(v, sv(type->as_string()))) {
        return violation(CallErrorCode::type_constraint_violation, path,
                         "expected " + std::string(sv(type->as_string())));
      }
    }
    if (auto* values = schema.if_contains("enum")) {
      const auto& list = values->as_array();
      if (std::find(list.begin(), list.end(), v) == list.end()) {
        return violation(CallErrorCode::property_constraint_violation, path,
                         "not one of the allowed values");
      }
    }
    if (v.is_string()) {
      std::string_view text = sv(v.get_string());
      if (auto* max = schema.if_contains("maxLength")) {
        // Characters, not bytes: maxLength counts code points (JSON Schema §6.3.1).
        if (utf8_length(text) > static_cast<std::size_t>(max->to_number<std::int64_t>())) {
          return violation(
              CallErrorCode::property_constraint_violation, path,
              "longer than " + std::to_string(max->to_number<std::int64_t>()) + " characters");
        }
      }
      if (auto* format = schema.if_contains("format")) {
        std::string_view f = sv(format->as_string());
        bool ok = f == "date-time" ? is_rfc3339_date_time(text) : is_uri(text);
        if (!ok) {
          return violation(CallErrorCode::property_constraint_violation, path,
                           "not a valid " + std::string(f));
        }
      }
    }
    if (v.is_number()) {
      if (auto* step = schema.if_contains("multipleOf")) {
        double q = as_double(v) / as_double(*step);
        if (!std::isfinite(q) || std::abs(q - std::round(q)) > 1e-9 * std::max(1.0, std::abs(q))) {
          return violation(CallErrorCode::occurence_constraint_violation, path,
                           "not a multiple of the allowed step");
        }
      }
    }
    if (v.is_array()) {
      const auto& items = v.get_array();
      if (auto* min = schema.if_contains("minItems")) {
        if (items.size() < static_cast<std::size_t>(min->to_number<std::int64_t>())) {
          return violation(CallErrorCode::occurence_constraint_violation, path, "too few items");
        }
      }
      if (auto* item_schema = schema.if_contains("items")) {
        for (std::size_t i = 0; i < items.size(); ++i) {
          auto mark = path.size();
          path += '/';
          path += std::to_string(i);
          if (auto bad = check(item_schema->as_object(), items[i], path)) return bad;
          path.resize(mark);
        }
      }
    }
    if (v.is_object()) return check_object(schema, v.get_object(), path);
    return std::nullopt;
  }

  std::optional<Violation> check_object(const json::object& schema, const json::object& object,
                                        std::string& path) const {
    if (auto* ref = schema.if_contains("$ref")) {
      return check_object(*resolve(sv(ref->as_string())), object, path);
    }
    const json::object* properties = nullptr;
    if (auto* p = schema.if_contains("properties")) properties = &p->as_object();
    if (auto* required = schema.if_contains("required")) {
      for (const auto& name : required->as_array()) {
        if (!object.contains(sv(name.as_string()))) {
          return violation(CallErrorCode::occurence_constraint_violation,
                           path + "/" + std::string(sv(name.as_string())), "required");
        }
      }
    }
    auto* extra = schema.if_contains("additionalProperties");
    const bool closed = extra && extra->is_bool() && !extra->get_bool();
    for (const auto& field : object) {
      const json::value* field_schema = properties ? properties->if_contains(field.key()) : nullptr;
      auto mark = path.size();
      path += '/';
      path += field.key();
      if (!field_schema) {
        if (closed) {
          return violation(CallErrorCode::formation_violation, path, "not a field of this message");
        }
      } else if (auto bad = check(field_schema->as_object(), field.value(), path)) {
        return bad;
      }
      path.resize(mark);
    }

    return std::nullopt;
  }

  // Load-time checks: every keyword known, every $ref resolvable, every value of the expected
  // JSON type; so that check() may use as_string()/as_object() without a fault.
  std::optional<std::string> lint(const json::value& node) const {
    auto* schema = node.if_object();
    if (!schema) return "a schema is not an object";
    for (const auto& field : *schema) {
      if (std::find(kKeywords.begin(), kKeywords.end(), field.key()) == kKeywords.end()) {
        return "unsupported keyword " + std::string(field.key());
      }
    }
    auto want = [&](std::string_view key, auto is_ok) -> bool {
      auto* v = schema->if_contains(key);
      return !v || is_ok(*v);
    };
    if (!want("type", [](const json::value& v) {
          static constexpr std::string_view kTypes[] = {"object",  "array",  "string", "boolean",
                                                        "integer", "number", "null"};
          return v.is_string() && std::find(std::begin(kTypes), std::end(kTypes),
                                            sv(v.get_string())) != std::end(kTypes);
        })) {
      return "type must name one JSON type";
    }
    if (!want("format", [](const json::value& v) {
          return v.is_string() && (v.get_string() == "date-time" || v.get_string() == "uri");
        })) {
      return "unsupported format";
    }
    if (!want("enum", [](const json::value& v) { return v.is_array(); }))
      return "enum must be an array";
    if (!want("maxLength", [](const json::value& v) { return is_integer(v); }))
      return "bad maxLength";
    if (!want("minItems", [](const json::value& v) { return is_integer(v); }))
      return "bad minItems";
    if (!want("multipleOf",
              [](const json::value& v) { return v.is_number() && as_double(v) > 0; })) {
      return "bad multipleOf";
    }
    if (!want("additionalProperties", [](const json::value& v) { return v.is_bool(); })) {
      return "additionalProperties must be a boolean";
    }
    if (!want("required", [](const json::value& v) {
          return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                             [](const json::value& n) { return n.is_string(); });
        })) {
      return "required must list names";
    }
    if (auto* ref = schema->if_contains("$ref")) {
      if (!ref->is_string() || !resolve(sv(ref->get_string()))) return "unresolvable $ref";
    }
    for (std::string_view key : {"properties", "definitions"}) {
      if (auto* children = schema->if_contains(key)) {
        if (!children->is_object()) return std::string(key) + " must be an object";
        for (const auto& child : children->get_object()) {
          if (auto bad = lint(child.value())) return bad;
        }
      }
    }
    if (auto* items = schema->if_contains("items")) {
      if (auto bad = lint(*items)) return bad;
    }
    return std::nullopt;
  }

 private:
  const json::object* resolve(std::string_view ref) const {
    if (!ref.starts_with(kDefinitionsPrefix)) return nullptr;
    auto* definitions = root_.if_contains("definitions");
    if (!definitions || !definitions->is_object()) return nullptr;
    auto* target = definitions->get_object().if_contains(ref.substr(kDefinitionsPrefix.size()));
    return target ? target->if_object() : nullptr;
  }

  const json::object& root_;
};

}  // namespace

bool is_rfc3339_date_time(std::string_view s) {
  // date: YYYY-MM-DD, 'T' (or 't'), time: hh:mm:ss, optional fraction, then Z or ±hh:mm.
  if (s.size() < 20) return false;
  if (!digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2)) {
    return false;
  }
  if (s[10] != 'T' && s[10] != 't') return false;
  if (!digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2)) {
    return false;
  }
  int year = number_at(s, 0, 4), month = number_at(s, 5, 2), day = number_at(s, 8, 2);
  int hour = number_at(s, 11, 2), minute = number_at(s, 14, 2), second = number_at(s, 17, 2);
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  if (hour > 23 || minute > 59 || second > 60) return false;
  std::size_t at = 19;
  if (at < s.size() && s[at] == '.') {
    std::size_t start = ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
    if (at == start) return false;
  }
  if (at >= s.size()) return false;
  if (s[at] == 'Z' || s[at] == 'z') return at + 1 == s.size();
  if (s[at] != '+' && s[at] != '-') return false;
  if (at + 6 != s.size() || !digits(s, at + 1, 2) || s[at + 3] != ':' || !digits(s, at + 4, 2)) {
    return false;
  }
  return number_at(s, at + 1, 2) <= 23 && number_at(s, at + 4, 2) <= 59;
}

Result<SchemaSet> SchemaSet::load(std::string_view schemas_json) {
  boost::system::error_code ec;
  json::value parsed = json::parse(schemas_json, ec);
  if (ec || !parsed.is_array()) {
    return make_error(Errc::internal, "the OCPP schemas are not a JSON array");
  }
  SchemaSet set;
  for (auto& schema : parsed.get_array()) {
    auto* object = schema.if_object();
    auto* id = object ? object->if_contains("$id") : nullptr;
    if (!id || !id->is_string() || !sv(id->get_string()).starts_with("urn:")) {
      return make_error(Errc::internal, "an OCPP schema has no \"$id\": \"urn:...\"");
    }
    std::string name(sv(id->get_string()).substr(4));
    if (auto bad = Validator(*object).lint(schema)) {
      return make_error(Errc::internal, "OCPP schema " + name + ": " + *bad);
    }
    set.schemas_.emplace(std::move(name), Entry{std::move(schema)});
  }
  return set;
}

const SchemaSet& SchemaSet::ocpp16() {
  // The text is part of the binary and its loading is unit-tested, so a failure here is a
  // build defect, not an input error.
  static const SchemaSet set = [] {
    auto loaded = load(ocpp16_schemas_text());
    if (!loaded) std::abort();
    return std::move(loaded.value());
  }();
  return set;
}

bool SchemaSet::knows(std::string_view action) const {
  std::string key(action);
  return schemas_.contains(key + ".req") || schemas_.contains(key + ".conf");
}

std::optional<Violation> SchemaSet::validate(std::string_view action, Direction direction,
                                             const boost::json::object& payload) const {
  std::string key(action);
  key += direction == Direction::request ? ".req" : ".conf";
  auto found = schemas_.find(key);
  if (found == schemas_.end()) {
    return Violation{CallErrorCode::not_supported, "/", "no schema for " + key};
  }
  const auto& root = found->second.schema.get_object();
  std::string path;
  if (auto* type = root.if_contains("type"); type && type->as_string() != "object") {
    return Violation{CallErrorCode::type_constraint_violation, "/", "expected an object"};
  }
  return Validator(root).check_object(root, payload, path);
}

}  // namespace paddock::ocpp

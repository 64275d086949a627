#include "keys/head_unit_auth.hpp"

#include <charconv>
#include <optional>

#include "core/text.hpp"
#include "keys/car_errors.hpp"

namespace paddock::keys {
namespace {

Error invalid(std::string detail) { return make_error(kHeadUnitAuthInvalid, std::move(detail)); }

void skip_spaces(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

}  // namespace

bool is_head_unit_authorization(std::string_view authorization) {
  return authorization.size() > kHeadUnitAuthScheme.size() &&
         ascii_lower(authorization.substr(0, kHeadUnitAuthScheme.size())) ==
             ascii_lower(kHeadUnitAuthScheme) &&
         authorization[kHeadUnitAuthScheme.size()] == ' ';
}

Result<HeadUnitAuthorization> parse_head_unit_authorization(std::string_view authorization) {
  if (authorization.size() > kMaxHeadUnitAuthorizationBytes) {
    return invalid("the Authorization header is too long");
  }
  if (!is_head_unit_authorization(authorization)) {
    return invalid(
        "expected Authorization: PaddockHeadUnit id=\"...\", created=..., signature=\"...\"");
  }
  std::string_view rest = authorization.substr(kHeadUnitAuthScheme.size() + 1);
  HeadUnitAuthorization out;
  bool has_id = false, has_created = false, has_signature = false;
  while (true) {
    skip_spaces(rest);
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) return invalid("a parameter has no value");
    const std::string_view name = rest.substr(0, eq);
    rest.remove_prefix(eq + 1);
    std::string_view value;
    if (!rest.empty() && rest.front() == '"') {
      const auto close = rest.find('"', 1);
      if (close == std::string_view::npos) return invalid("an unterminated quoted value");
      value = rest.substr(1, close - 1);
      rest.remove_prefix(close + 1);
    } else {
      const auto end = rest.find_first_of(", \t");
      value = rest.substr(0, end);
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    if (name == "id" && !has_id) {
      if (value.empty() || value.size() > 64 || has_control_characters(value)) {
        return invalid("id is empty, too long or has control characters");
      }
      out.head_unit_id = std::string(value);
      has_id = true;
    } else if (name == "created" && !has_created) {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out.created);
      if (ec != std::errc{} || end != value.data() + value.size() || value.empty()) {
        return invalid("created must be whole unix seconds");
      }
      has_created = true;
    } else if (name == "signature" && !has_signature) {
      if (value.empty() || value.size() > 128) return invalid("signature is empty or too long");
      out.signature = std::string(value);
      has_signature = true;
    } else {
      return invalid("unknown or repeated parameter " + std::string(name.substr(0, 32)));
    }
    skip_spaces(rest);
    if (rest.empty()) break;
    if (rest.front() != ',') return invalid("parameters must be separated by commas");
    rest.remove_prefix(1);
  }
  if (!has_id || !has_created || !has_signature) {
    return invalid("id, created and signature are all required");
  }
  return out;
}

std::string head_unit_signing_input(std::string_view head_unit_id, std::string_view method,
                                    std::string_view target, std::int64_t created) {
  std::string text(kHeadUnitRequestDomain);
  text += '\n';
  text += head_unit_id;
  text += '\n';
  text += method;
  text += '\n';
  text += target;
  text += '\n';
  text += std::to_string(created);
  return text;
}

bool head_unit_request_fresh(std::int64_t created, std::int64_t now_seconds) {
  // Written so that no hostile `created` can overflow.
  return created >= now_seconds - kHeadUnitRequestWindowSeconds &&
         created <= now_seconds + kHeadUnitRequestWindowSeconds;
}

}  // namespace paddock::keys

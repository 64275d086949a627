#include "core/error.hpp"

#include <array>
#include <ostream>

namespace paddock {
namespace {

constexpr std::array kCoreCodes = {
    Errc::invalid_json,
    Errc::invalid_field,
    Errc::unsupported_media_type,
    Errc::malformed_request,
    Errc::payload_too_large,
    Errc::header_too_large,
    Errc::request_timeout,
    Errc::unauthorized,
    Errc::not_found,
    Errc::method_not_allowed,
    Errc::forbidden,
    Errc::upgrade_required,
    Errc::too_many_connections,
    Errc::not_ready,
    Errc::storage_unavailable,
    Errc::internal,
};

}  // namespace

std::span<const ErrorCode> core_error_codes() { return kCoreCodes; }

std::string_view kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return "invalid_input";
    case ErrorKind::malformed:
      return "malformed";
    case ErrorKind::unauthorized:
      return "unauthorized";
    case ErrorKind::forbidden:
      return "forbidden";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::too_large:
      return "too_large";
    case ErrorKind::rate_limited:
      return "rate_limited";
    case ErrorKind::unavailable:
      return "unavailable";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::internal:
      break;
  }
  return "internal";
}

std::ostream& operator<<(std::ostream& out, const ErrorCode& code) { return out << code.name; }

}  // namespace paddock

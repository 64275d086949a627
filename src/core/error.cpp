#include "core/error.hpp"

#include <array>

namespace paddock {
namespace {

constexpr std::array kTable = {
    ErrcInfo{"invalid_json", 400, "Request body is not valid JSON"},
    ErrcInfo{"invalid_field", 422, "A field is missing or invalid"},
    ErrcInfo{"password_too_short", 422, "Password is too short"},
    ErrcInfo{"unsupported_media_type", 415, "Unsupported media type"},
    ErrcInfo{"malformed_request", 400, "Malformed HTTP request"},
    ErrcInfo{"payload_too_large", 413, "Request body too large"},
    ErrcInfo{"header_too_large", 431, "Request header fields too large"},
    ErrcInfo{"request_timeout", 408, "Request took too long to arrive"},
    ErrcInfo{"unauthorized", 401, "Authentication required"},
    ErrcInfo{"invalid_credentials", 401, "Wrong username or password"},
    ErrcInfo{"too_many_attempts", 429, "Too many failed attempts"},
    ErrcInfo{"not_found", 404, "Not found"},
    ErrcInfo{"method_not_allowed", 405, "Method not allowed"},
    ErrcInfo{"username_taken", 409, "Username is already taken"},
    ErrcInfo{"challenge_invalid", 422, "Challenge is unknown, used or expired"},
    ErrcInfo{"signature_invalid", 422, "Signature does not verify"},
    ErrcInfo{"forbidden", 403, "Not allowed for your role"},
    ErrcInfo{"identification_taken", 409, "This VIN or plate is already registered"},
    ErrcInfo{"already_following", 409, "You already follow this vehicle"},
    ErrcInfo{"cannot_follow_own_vehicle", 409, "You own or share this vehicle"},
    ErrcInfo{"confirmation_invalid", 422, "Confirmation token is unknown, used or expired"},
    ErrcInfo{"invalid_cursor", 400, "Cursor is not valid"},
    ErrcInfo{"upgrade_required", 426, "This route speaks WebSocket"},
    ErrcInfo{"too_many_connections", 503, "Server is at its connection limit"},
    ErrcInfo{"not_ready", 503, "Server is not ready"},
    ErrcInfo{"storage_unavailable", 503, "Storage is unavailable"},
    ErrcInfo{"internal", 500, "Internal server error"},
};
static_assert(kTable.size() == static_cast<std::size_t>(Errc::internal) + 1,
              "every Errc needs a row");

}  // namespace

const ErrcInfo& describe(Errc code) { return kTable[static_cast<std::size_t>(code)]; }

}  // namespace paddock

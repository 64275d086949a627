#pragma once
// links/errors: the error codes of linking terminals, besides core's.
#include "core/error.hpp"

namespace paddock::links {

inline constexpr ErrorCode kLinkSecretInvalid{"link_secret_invalid", ErrorKind::forbidden,
                                              "Link secret does not match"};
inline constexpr ErrorCode kLinkSecretExpired{"link_secret_expired", ErrorKind::conflict,
                                              "Link secret has expired"};
inline constexpr ErrorCode kLinkSecretUsed{"link_secret_used", ErrorKind::conflict,
                                           "Link secret was already used"};
inline constexpr ErrorCode kLinkSecretSuperseded{"link_secret_superseded", ErrorKind::conflict,
                                                 "Link secret was replaced by a refresh"};
inline constexpr ErrorCode kLinkClosed{"link_closed", ErrorKind::conflict,
                                       "Link is revoked, denied or locked"};
inline constexpr ErrorCode kLinkState{"link_state", ErrorKind::conflict,
                                      "Link is not in a state that allows this"};
inline constexpr ErrorCode kTooManyClaims{"too_many_claims", ErrorKind::rate_limited,
                                          "Too many claim attempts"};
inline constexpr ErrorCode kUnknownContext{"unknown_context", ErrorKind::invalid_input,
                                           "Context kind is not supported"};

}  // namespace paddock::links

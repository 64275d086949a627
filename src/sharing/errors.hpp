#pragma once
// sharing/errors: the error codes of vehicle accounts, following and the feed, besides core's.
#include "core/error.hpp"

namespace paddock::sharing {

inline constexpr ErrorCode kIdentificationTaken{"identification_taken", ErrorKind::conflict,
                                                "This VIN or plate is already registered"};
inline constexpr ErrorCode kAlreadyFollowing{"already_following", ErrorKind::conflict,
                                             "You already follow this vehicle"};
inline constexpr ErrorCode kCannotFollowOwnVehicle{"cannot_follow_own_vehicle", ErrorKind::conflict,
                                                   "You own or share this vehicle"};
inline constexpr ErrorCode kConfirmationInvalid{"confirmation_invalid", ErrorKind::invalid_input,
                                                "Confirmation token is unknown, used or expired"};
inline constexpr ErrorCode kInvalidCursor{"invalid_cursor", ErrorKind::malformed,
                                          "Cursor is not valid"};

}  // namespace paddock::sharing

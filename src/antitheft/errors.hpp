#pragma once
// antitheft/errors: the error codes of anti-theft settings and locks, besides core's.
#include "core/error.hpp"

namespace paddock::antitheft {

inline constexpr ErrorCode kIdTagTaken{"id_tag_taken", ErrorKind::conflict,
                                       "This idTag identifies another vehicle"};

inline constexpr ErrorCode kLockActive{"lock_active", ErrorKind::conflict,
                                       "The vehicle already has a lock in progress or in force"};
inline constexpr ErrorCode kNotLocked{"not_locked", ErrorKind::conflict,
                                      "The vehicle has no lock to release"};
// The central system refuses UnlockConnector and RemoteStopTransaction on a pile holding a
// locked car, and an operator's calls that would undo a live lock
// (antitheft/operator_commands).
inline constexpr ErrorCode kVehicleLocked{"vehicle_locked", ErrorKind::conflict,
                                          "A locked vehicle is on this charge point"};

inline constexpr ErrorCode kVehicleNotServed{"vehicle_not_served", ErrorKind::forbidden,
                                             "This platform does not report for this vehicle"};

}  // namespace paddock::antitheft

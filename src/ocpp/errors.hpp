#pragma once
// ocpp/errors: the error codes of charge points and operators, besides core's.
#include "core/error.hpp"

namespace paddock::ocpp {

inline constexpr ErrorCode kChargePointTaken{"charge_point_taken", ErrorKind::conflict,
                                             "A charge point with this id is already registered"};
inline constexpr ErrorCode kOperatorRequired{"operator_required", ErrorKind::forbidden,
                                             "Only operators may do this"};
inline constexpr ErrorCode kChargePointCredentials{"invalid_charge_point_credentials",
                                                   ErrorKind::unauthorized,
                                                   "Wrong charge point id or password"};
// The central system's own calls to a pile (ocpp/central_system.hpp).
inline constexpr ErrorCode kChargePointOffline{"charge_point_offline", ErrorKind::unavailable,
                                               "The charge point is not connected"};
inline constexpr ErrorCode kCallTimedOut{"charge_point_call_timeout", ErrorKind::unavailable,
                                         "The charge point did not answer in time"};
inline constexpr ErrorCode kCallRefused{"charge_point_call_error", ErrorKind::conflict,
                                        "The charge point answered with a CallError"};
// Only GetConfiguration, ChangeConfiguration and TriggerMessage reach a pile answered Pending
// (OCPP 1.6 §4.2); unavailable, so the lock workflow waits as for an offline pile.
inline constexpr ErrorCode kChargePointPending{"charge_point_pending", ErrorKind::unavailable,
                                               "The charge point is not accepted yet"};
inline constexpr ErrorCode kCallQueueFull{"charge_point_busy", ErrorKind::rate_limited,
                                          "Too many calls are waiting for this charge point"};

}  // namespace paddock::ocpp

#pragma once
// antitheft/operator_commands: which of an operator's OCPP calls would undo a vehicle lock
// (issue 10: "operator commands must not undo a lock"), pure. A lock holding a car on a pile is
// live while it is requested (its calls may be out), locked or partially_locked; on its pile
// Reset (any type: the pile reboots and may forget its volatile levers), ChangeAvailability
// Operative, ClearChargingProfile that could match the lock's TxProfile, UnlockConnector and
// RemoteStopTransaction on the lock's connector/transaction are refused. Every other call
// passes. Depends on this module's records and Boost.JSON.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "antitheft/antitheft_repository.hpp"

namespace paddock::antitheft {

// True iff `lock` (on some pile) holds or is taking hold of its car.
bool lock_is_live(const LockRecord& lock);

// Why `action` with `payload` (already schema-valid), sent by an operator to the pile `lock`
// is on, would undo `lock`; nullopt iff it would not (or the lock is not live).
std::optional<std::string> undoes_lock(const LockRecord& lock, std::string_view action,
                                       const boost::json::object& payload);

}  // namespace paddock::antitheft

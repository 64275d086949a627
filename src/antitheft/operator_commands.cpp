#include "antitheft/operator_commands.hpp"

#include "antitheft/lock_machine.hpp"
#include "antitheft/lock_workflow.hpp"

namespace paddock::antitheft {
namespace {

namespace json = boost::json;

std::optional<std::int64_t> integer_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return std::nullopt;
}

std::string_view text_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// The connector the lock's levers act on (standard_levers uses 1 when the lock knows none).
int lock_connector(const LockRecord& lock) { return lock.connector_id > 0 ? lock.connector_id : 1; }

// A connector id in an operator's call touches the lock's connector iff it is that one, or 0:
// the pile as a whole (OCPP 1.6 §5.2 ChangeAvailability, §5.5 ClearChargingProfile).
bool touches_connector(const LockRecord& lock, std::optional<std::int64_t> connector) {
  return !connector || *connector == 0 || *connector == lock_connector(lock);
}

}  // namespace

bool lock_is_live(const LockRecord& lock) {
  return lock.state == lock_state_name(LockState::requested) ||
         lock.state == lock_state_name(LockState::locked) ||
         lock.state == lock_state_name(LockState::partially_locked);
}

std::optional<std::string> undoes_lock(const LockRecord& lock, std::string_view action,
                                       const json::object& payload) {
  if (!lock_is_live(lock)) return std::nullopt;
  const std::string which = "lock " + lock.id + " (" + lock.state + ") on connector " +
                            std::to_string(lock_connector(lock));
  if (action == "Reset") {
    // A reboot drops what a pile keeps in memory (a TxProfile need not survive it) and ends
    // the charging session the lock holds.
    return std::string(action) + " is refused while " + which + " holds a vehicle on this pile";
  }
  if (action == "ChangeAvailability") {
    if (text_at(payload, "type") == "Operative" &&
        touches_connector(lock, integer_at(payload, "connectorId"))) {
      return "ChangeAvailability Operative is refused while " + which + " holds a vehicle";
    }
    return std::nullopt;
  }
  if (action == "ClearChargingProfile") {
    // It clears every profile matching all the criteria given; absent ones match anything.
    auto id = integer_at(payload, "id");
    auto stack_level = integer_at(payload, "stackLevel");
    std::string_view purpose = text_at(payload, "chargingProfilePurpose");
    const bool could_match = (!id || *id == kLockChargingProfileId) &&
                             touches_connector(lock, integer_at(payload, "connectorId")) &&
                             (purpose.empty() || purpose == "TxProfile") &&
                             (!stack_level || *stack_level == kLockChargingProfileStackLevel);
    if (could_match) {
      return "ClearChargingProfile could clear the lock's profile while " + which +
             " holds a vehicle";
    }
    return std::nullopt;
  }
  if (action == "UnlockConnector") {
    if (touches_connector(lock, integer_at(payload, "connectorId"))) {
      return "UnlockConnector is refused while " + which + " holds a vehicle";
    }
    return std::nullopt;
  }
  if (action == "RemoteStopTransaction") {
    auto transaction = integer_at(payload, "transactionId");
    if (!lock.transaction_id || transaction == lock.transaction_id) {
      return "RemoteStopTransaction is refused while " + which + " holds a vehicle";
    }
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace paddock::antitheft

#pragma once
// antitheft/lock_machine: the vehicle lock workflow's state machine (issue 10 item 6), pure: a
// state and an event give the next state and what to do, or a refusal. The workflow around it
// (storage, the audit trail, the calls to the pile) applies the actions; this file decides.
// Depends on nothing.
//
//   requested --on_pile--------------> requested (send the vendor lock, then the levers)
//   requested --not_on_pile----------> pending_plug_in (armed)
//   pending_plug_in --on_pile--------> requested (acts as above)
//   requested --levers_done(outcome)-> locked | partially_locked | failed
//   locked/partially_locked --pile_reconnected--> same state, re-apply what was accepted
//   requested/pending_plug_in/locked/partially_locked/failed --unlock--> released
//                                                        (reverse every lever that was applied)
#include <cstdint>
#include <optional>
#include <string_view>

namespace paddock::antitheft {

enum class LockState : std::uint8_t {
  requested,
  pending_plug_in,
  locked,
  partially_locked,
  failed,
  released,
};
std::string_view lock_state_name(LockState state);

enum class LockEvent : std::uint8_t {
  on_pile,           // the car is on a connected pile (now, or a StartTransaction/Status placed it)
  not_on_pile,       // the car is on no pile, or its pile is offline
  levers_done,       // the pile answered every call; see LeverOutcome
  pile_reconnected,  // the car's pile connected again (or rebooted)
  unlock,            // the owner released the lock
};

// What the pile accepted. The vendor DataTransfer LockVehicle is the real lock; the standard
// levers (UnlockConnectorOnEVSideDisconnect=false, a 0 A TxProfile, ChangeAvailability
// Inoperative) stand in for it on piles that do not know it.
struct LeverOutcome {
  bool vendor_lock_accepted = false;
  int levers_tried = 0;
  int levers_accepted = 0;
};

// locked iff the vendor lock or every lever was accepted; partially_locked iff some lever was;
// failed otherwise.
LockState classify(const LeverOutcome& outcome);

enum Action : unsigned {
  kNone = 0,
  kSendLock = 1 << 0,       // the vendor lock, falling back on the levers
  kReapply = 1 << 1,        // what the pile had accepted, after it reconnected
  kReverseLevers = 1 << 2,  // undo every lever that was applied
  kNotifyOwner = 1 << 3,    // vehicle.lock_state to the owner's stream
};

struct Step {
  LockState next;
  unsigned actions = kNone;
};

// The step `event` takes from `state`; nullopt iff the event is refused there (a released lock
// stays released; levers_done only answers a lock being applied). `outcome` is read only for
// levers_done.
std::optional<Step> step(LockState state, LockEvent event, const LeverOutcome& outcome = {});

}  // namespace paddock::antitheft

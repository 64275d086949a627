#pragma once
// antitheft/lock_workflow: locking a stolen car at the pile it charges on (issue 10 item 6).
// The owner asks (password again, limited like a login); the lock finds the car's charging
// session (a StartTransaction with one of its idTags) and, on a connected pile, sends the vendor
// DataTransfer LockVehicle; a pile that does not know it gets the standard levers instead
// (UnlockConnectorOnEVSideDisconnect=false, a 0 A TxProfile, ChangeAvailability Inoperative;
// the central system also answers Blocked to other idTags on that pile). A car on no pile, or
// on an offline one, arms the lock (pending_plug_in) until a session places it or the pile
// connects; a pile that reboots mid-lock gets the accepted levers again. Unlock reverses what
// was applied (on an offline pile: when it connects again). States and their steps are
// antitheft/lock_machine's; every transition is written with an audit entry and pushed to the
// owner's stream as vehicle.lock_state, in one write job that re-reads the lock, so concurrent
// steps serialize on the writer. With several nodes the pile's connection is on one of them:
// every job that changes a lock announces "pile <id>" (storage announcements), and the node
// holding that pile brings it to what the database says (pile_changed). Depends on core, events,
// identity's hashing and limiter, sharing's access rules, the storage interface and its
// announcement router, lock_machine and pile_link.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "antitheft/antitheft_repository.hpp"
#include "antitheft/lock_chains.hpp"
#include "antitheft/lock_machine.hpp"
#include "antitheft/pile_link.hpp"
#include "events/kinds.hpp"
#include "events/live_events.hpp"
#include "identity/login_limiter.hpp"
#include "identity/passwords.hpp"
#include "storage/announcements.hpp"
#include "storage/store.hpp"

namespace paddock::antitheft {

// Personal event to the owner; the payload is the lock (LockWorkflow::view).
inline constexpr events::EventKind kVehicleLockState{"vehicle.lock_state", "lock"};

inline constexpr std::string_view kVendorId = "com.paddock";
// The TxProfile the lock installs (and clears on unlock): an id no one else should use.
inline constexpr int kLockChargingProfileId = 7011;
inline constexpr int kLockChargingProfileStackLevel = 9;
inline constexpr std::size_t kMaxReasonChars = 200;
// The announcement topic of a lock change; the payload is the pile's id.
inline constexpr std::string_view kPileTopic = "pile";

struct LockView {
  LockRecord lock;
  std::vector<LockAuditEntry> audit;
};

class LockWorkflow final : public PileEvents {
 public:
  LockWorkflow(storage::Store& store, identity::PasswordHasher& hasher,
               identity::LoginLimiter& limiter, events::LiveEvents* live, PileCalls& piles);

  // Owner only. Errors: forbidden/not_found (sharing's rules), invalid_field (reason),
  // too_many_attempts, invalid_credentials, lock_active. Answers with the lock as requested;
  // what follows reaches the owner's stream.
  void lock(std::string user_id, std::string vehicle_id, std::string reason, std::string password,
            std::string address, Callback<LockView> done);
  // Owner only. Errors as lock(), and not_locked.
  void unlock(std::string user_id, std::string vehicle_id, std::string password,
              std::string address, Callback<LockView> done);
  // Owner and authorized users. Error not_found when the vehicle was never locked.
  Result<LockView> get(const std::string& user_id, const std::string& vehicle_id);

  void session_linked(const std::string& vehicle_id, const std::string& charge_point_id,
                      int connector_id, std::int64_t transaction_id) override;
  void pile_booted(const std::string& charge_point_id) override;

  // Hears kPileTopic (pile_changed) and resync (every pile connected here is re-checked).
  // Call before the router becomes the store's announcement handler.
  void listen(storage::AnnouncementRouter& router);
  // A lock on the pile changed, on any node. Any thread (the store's announcement thread): on
  // the node holding the pile's connection, the pile is brought to what the database says on
  // its connection's thread: what an unlock released is reversed, a lock armed for this pile
  // acts. The node that moved a lock to `requested` holds the pile and sends it itself; the
  // lock's chains (LockChains) keep its calls and a reversal from going twice. Elsewhere: nothing.
  void pile_changed(const std::string& charge_point_id);

  static boost::json::object view(const LockRecord& lock);

 private:
  struct Change;
  // One step of the state machine for the vehicle's latest lock, in a write job: refused steps
  // change nothing; a taken one writes the state, `note` in the audit and the event. Then
  // `then` runs (on the calling thread) with the lock as written and the step's actions.
  void transition(const std::string& vehicle_id, LockEvent event, LeverOutcome outcome,
                  std::string note, std::function<void(LockRecord&)> mutate,
                  std::function<void(const LockRecord&, unsigned actions)> then);
  void act(const LockRecord& lock, unsigned actions);
  // What the pile answered to the calls `started` made (its levers, as JSON text): the
  // levers_done step when `started` is still the vehicle's requested lock. When it was released
  // (or replaced) meanwhile, the levers are recorded on it and reversed at once: a lever the
  // pile accepted after the owner's unlock must not hold the car.
  void levers_answered(const LockRecord& started, std::string levers, LeverOutcome outcome,
                       std::string note);
  void send_lock(const LockRecord& lock);
  void send_ended(const LockRecord& lock);
  void reapply_begun(const LockRecord& asked);
  void reapply_ended(const LockRecord& lock);
  void reverse_begun(const LockRecord& lock);
  // Once the reversal's outcome is recorded: a reversal asked for meanwhile (an announcement
  // that crossed the outcome, a pile that came back) looks at the database again, as an
  // announcement would, rather than sending the same calls twice.
  void reverse_ended(const LockRecord& lock);
  void send_levers(const LockRecord& lock, boost::json::object levers);
  void reverse(const LockRecord& lock);
  void reapply(const LockRecord& lock);
  // What a chain starts from: the vehicle's latest lock iff it is still `lock` and in one of
  // `states` (else nullopt), with the vehicle's VIN. A step's actions run after its commit, on
  // the thread that asked, which may come to them after later steps (a busy storage pool on
  // PostgreSQL): they act on the lock as it is now, not as the step saw it. Read in a write
  // job, so that the writer's view is the latest and no I/O thread waits on the database;
  // `then` runs on the calling thread.
  struct LockNow {
    LockRecord lock;
    std::optional<std::string> vin;
  };
  void read_now(const LockRecord& lock, std::vector<LockState> states,
                std::function<void(std::optional<LockNow>)> then);
  // pile_changed's work, on the pile's thread.
  void bring_to_database(const std::string& charge_point_id);
  void note(const LockRecord& lock, std::string text);
  // Records whether the released lock's levers still wait for its pile, with an audit entry;
  // `then` runs once that is written (or failed), on the calling thread.
  void set_reversal_pending(const LockRecord& lock, bool pending, std::string text,
                            std::function<void()> then = {});
  void check_password(const std::string& user_id, std::string password, std::string address,
                      std::function<void(Result<void>)> done);

  storage::Store& store_;
  identity::PasswordHasher& hasher_;
  identity::LoginLimiter& limiter_;
  events::LiveEvents* live_;
  PileCalls& piles_;
  // Which chains of calls run for which lock (one send, one re-application, one reversal).
  LockChains chains_;
};

}  // namespace paddock::antitheft

#pragma once
// ocpp/central_system: what Paddock does as an OCPP 1.6 central system. Answers the charge
// points' CALLs (BootNotification, Heartbeat, StatusNotification, Authorize, StartTransaction,
// StopTransaction, MeterValues, DataTransfer: com.paddock/VehicleConnected places a car by its
// VIN), storing connectors, transactions and SoC (a
// transaction whose idTag is a vehicle's is linked to it, and its SoC readings feed the owner's
// low-charge prompt: antitheft/anti_theft; while a lock holds a car on a pile, other idTags are
// answered Blocked there); keeps
// the registry of connected piles (one connection per pile: a newer one replaces the older);
// and makes the central system's own CALLs to a pile (`call`), the internal API the lock
// workflow will use. Depends on core, the storage interface, this module's codec, schemas and
// repository; never on sockets (ocpp/charge_point_session adapts a session::Session to it).
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "antitheft/pile_link.hpp"
#include "core/result.hpp"
#include "events/live_events.hpp"
#include "ocpp/frame.hpp"
#include "storage/store.hpp"

namespace paddock::ocpp {

class ChargePointSession;

struct CentralSystemOptions {
  // BootNotification.conf interval: how often an idle pile sends a Heartbeat.
  int heartbeat_interval_seconds = 300;
  // The interval of a Pending BootNotification.conf (a pile its operator has not approved):
  // the least time before the pile boots again (OCPP 1.6 §4.2).
  int pending_interval_seconds = 60;
  // How long the pile has to answer one of our CALLs before it fails with
  // charge_point_call_timeout.
  std::chrono::seconds call_timeout{30};
  // Our CALLs waiting behind the outstanding one, per pile; more fail with charge_point_busy.
  std::size_t max_queued_calls = 16;
};

// The CALLs a pile makes that this central system answers.
std::span<const std::string_view> handled_actions();
// The CALLs this central system makes (OCPP 1.6 Core, Remote Trigger, Smart Charging).
std::span<const std::string_view> central_system_actions();

// The answer to a pile's CALL: the .conf payload, or a CallError.
using Answer = std::variant<boost::json::object, CallError>;

class CentralSystem final : public antitheft::PileCalls {
 public:
  // `live` (optional) receives the feed events a pile's messages cause (vehicle.low_charge).
  CentralSystem(storage::Store& store, CentralSystemOptions options,
                events::LiveEvents* live = nullptr);

  const CentralSystemOptions& options() const { return options_; }

  // Answers a CALL from `charge_point_id` whose payload already passed its .req schema and whose
  // action is one of handled_actions(). `done` runs on the calling thread (after the write, if
  // the action writes). A storage fault answers InternalError.
  void handle(const std::string& charge_point_id, const Call& call,
              std::function<void(Answer)> done);

  // Sends `action` with `payload` to the pile and calls `done` with its validated .conf payload
  // on the calling thread. Errors: invalid_field (an action not in central_system_actions() or
  // a payload failing its .req schema: nothing is sent), charge_point_offline,
  // charge_point_busy, charge_point_call_timeout, charge_point_call_error (the pile's CallError:
  // the detail starts with its code, e.g. "NotImplemented: ..."), or charge_point_call_error
  // for a result that fails the .conf schema.
  // While a lock holds a car on the pile, UnlockConnector and RemoteStopTransaction are refused
  // with vehicle_locked.
  void call(std::string_view charge_point_id, std::string action, boost::json::object payload,
            Callback<boost::json::object> done) override;

  // call() for an operator: besides call()'s errors, vehicle_locked (naming the lock) for a
  // call that would undo a live lock on the pile (antitheft/operator_commands: Reset,
  // ChangeAvailability Operative, ClearChargingProfile, UnlockConnector, RemoteStopTransaction
  // on its connector), and storage_unavailable if the locks cannot be read.
  void operator_call(std::string_view charge_point_id, std::string action,
                     boost::json::object payload, Callback<boost::json::object> done);

  // True iff the pile is connected and accepted (approved): the piles a lock acts on. A
  // connected pile its operator has not approved is not online in this sense.
  bool online(std::string_view charge_point_id) const override;
  std::vector<std::string> connected() const override;
  // The task runs where the pile's connection runs its storage work: the handler pool on
  // PostgreSQL, the connection's thread on SQLite (ChargePointSession::run_storage_work).
  bool run_on_pile_thread(std::string_view charge_point_id, std::function<void()> task) override;
  // True iff the pile has a connection here, accepted or pending.
  bool connected(std::string_view charge_point_id) const;

  // The operator approved the pile: if it is connected here, it is asked to boot again
  // (TriggerMessage BootNotification) so that it is Accepted at once. A pile connected to
  // another node learns at its next BootNotification (at most pending_interval_seconds).
  void approved(const std::string& charge_point_id);

  // Told when a session places a vehicle on a pile and when a pile boots (the lock workflow).
  // Set once at start, before piles connect.
  void set_pile_events(antitheft::PileEvents* events) { pile_events_ = events; }

  // Whether the pile is approved, as the database says now; a storage fault reads as not
  // approved (the pile is answered Pending and boots again). A read: call it where reads may
  // block (the route that opens the pile's connection).
  bool read_approval(const std::string& charge_point_id);
  // The registry, for ChargePointSession. attach() replaces (and asks to close) an older
  // connection of the same pile and registers this one as accepted iff `approved` (read when
  // it connected: a pile reconnecting need not boot again, OCPP 1.6 boots only on power-up);
  // detach() forgets `session` only if it is still the registered one.
  void attach(const std::string& charge_point_id,
              const std::shared_ptr<ChargePointSession>& session, bool approved);
  void detach(const std::string& charge_point_id, const ChargePointSession* session);

 private:
  // DataTransfer com.paddock/VehicleConnected: the pile read the car's VIN on a connector.
  void vehicle_connected(const std::string& cp, std::string_view data,
                         std::function<void(Answer)> done);
  using Events = std::vector<storage::EventRecord>;
  void write_answer(std::function<Result<boost::json::object>(storage::Writes&)> job,
                    std::function<void(Answer)> done);
  // The same, for a job that may emit feed events: they are published after the commit.
  void write_answer(std::function<Result<boost::json::object>(storage::Writes&, Events&)> job,
                    std::function<void(Answer)> done);

  storage::Store& store_;
  CentralSystemOptions options_;
  events::LiveEvents* live_;
  antitheft::PileEvents* pile_events_ = nullptr;
  // Whether the pile's registry entry is accepted; false for an unknown pile.
  bool accepted(std::string_view charge_point_id) const;
  void set_accepted(const std::string& charge_point_id, bool accepted);

  struct Connected {
    std::weak_ptr<ChargePointSession> session;
    // Approved when it connected or when its last BootNotification was answered: only an
    // accepted pile may authorize, charge and take calls other than the Pending ones.
    bool accepted = false;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Connected> sessions_;
};

// Unix milliseconds of an RFC 3339 date-time (already checked by the schema); nullopt if not one.
std::optional<UnixMillis> parse_date_time(std::string_view text);

}  // namespace paddock::ocpp

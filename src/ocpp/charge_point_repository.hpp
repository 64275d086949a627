#pragma once
// ocpp/charge_point_repository: what the OCPP module keeps (operators, charge points with their
// hashed passwords, connectors and their last status, transactions with their meter readings),
// as the interface a storage backend implements. Owned by ocpp; depends on core only. Every
// call returns a value, never throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::ocpp {

struct ChargePointRecord {
  std::string id;             // the OCPP chargePointId (the last path segment of its URL)
  std::string password_hash;  // Argon2id (identity/passwords)
  std::string vendor;         // as the operator registered it
  std::string model;
  std::string registered_by;  // the operator's user id
  UnixMillis created_at = 0;
  // What its last BootNotification said, and when it last spoke.
  std::optional<UnixMillis> last_boot_at;
  std::optional<UnixMillis> last_heartbeat_at;
  std::string firmware_version;
  std::string serial_number;
  // False while the operator has not approved the pile: its BootNotification is answered
  // Pending (OCPP 1.6 §4.2) and it may not authorize or charge.
  bool approved = true;
};

struct ConnectorRecord {
  std::string charge_point_id;
  int connector_id = 0;  // 0: the charge point as a whole
  std::string status;    // OCPP ChargePointStatus: Available, Preparing, Charging, ...
  std::string error_code;
  std::string info;
  UnixMillis status_at = 0;  // the pile's timestamp if it sent one, else when we heard it
};

struct TransactionRecord {
  std::int64_t id = 0;  // the transactionId we gave the pile
  std::string charge_point_id;
  int connector_id = 0;
  std::string id_tag;
  std::int64_t meter_start = 0;  // Wh
  UnixMillis started_at = 0;
  std::optional<std::int64_t> meter_stop;
  std::optional<UnixMillis> stopped_at;
  std::string stop_reason;  // empty while running
  // The latest state of charge a MeterValues or StopTransaction reported (measurand SoC).
  std::optional<double> soc_percent;
  std::optional<UnixMillis> soc_at;
  // The vehicle this session charges, when its idTag identifies one (antitheft settings).
  std::optional<std::string> vehicle_id;
};

class ChargePointReads {
 public:
  virtual ~ChargePointReads() = default;
  virtual Result<bool> is_operator(std::string_view user_id) = 0;
  virtual Result<std::optional<ChargePointRecord>> charge_point(std::string_view id) = 0;
  // Every charge point, by id.
  virtual Result<std::vector<ChargePointRecord>> charge_points() = 0;
  // The charge point's connectors, by connector id.
  virtual Result<std::vector<ConnectorRecord>> connectors_of(std::string_view charge_point_id) = 0;
  virtual Result<std::optional<TransactionRecord>> transaction(std::int64_t id) = 0;
  // The charge point's transactions without a stop, oldest first.
  virtual Result<std::vector<TransactionRecord>> running_transactions(
      std::string_view charge_point_id) = 0;
  // The vehicle's most recently started transaction that is still running, on any pile.
  virtual Result<std::optional<TransactionRecord>> running_transaction_of_vehicle(
      std::string_view vehicle_id) = 0;
  // True iff a transaction started with `id_tag` is running on any charge point.
  virtual Result<bool> id_tag_in_use(std::string_view id_tag) = 0;
};

class ChargePointWrites : public ChargePointReads {
 public:
  // Idempotent: granting twice keeps the first grant's time.
  virtual Result<void> grant_operator(std::string_view user_id, UnixMillis at) = 0;
  // Error ocpp::kChargePointTaken iff the id is registered already.
  virtual Result<void> insert_charge_point(const ChargePointRecord& charge_point) = 0;
  // Marks the charge point approved; true iff it was waiting for approval (false for an
  // approved or unknown one).
  virtual Result<bool> approve(std::string_view id) = 0;
  virtual Result<void> record_boot(std::string_view id, std::string_view firmware_version,
                                   std::string_view serial_number, UnixMillis at) = 0;
  virtual Result<void> record_heartbeat(std::string_view id, UnixMillis at) = 0;
  // Creates the connector or replaces its status.
  virtual Result<void> put_connector(const ConnectorRecord& connector) = 0;
  // Inserts a running transaction (id, stop fields ignored) and returns its new id, which is
  // positive and never reused.
  virtual Result<std::int64_t> start_transaction(const TransactionRecord& transaction) = 0;
  // Stops a running transaction; true iff it was running (and now is not).
  virtual Result<bool> stop_transaction(std::int64_t id, std::int64_t meter_stop, UnixMillis at,
                                        std::string_view reason) = 0;
  virtual Result<void> record_soc(std::int64_t transaction_id, double soc_percent,
                                  UnixMillis at) = 0;
  // Links a running transaction that has no vehicle yet to `vehicle_id`; true iff it did (an
  // idTag's link is never overwritten).
  virtual Result<bool> link_vehicle(std::int64_t transaction_id, std::string_view vehicle_id) = 0;
};

}  // namespace paddock::ocpp

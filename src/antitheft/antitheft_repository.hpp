#pragma once
// antitheft/antitheft_repository: what the anti-theft module keeps (a vehicle's low-charge
// threshold and the idTags that identify it at a charging pile, and where its state of charge
// stands against that threshold), as the interface a storage backend implements. Owned by
// antitheft; depends on core only. Every call returns a value, never throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::antitheft {

struct AntiTheftSettings {
  std::string vehicle_id;
  int low_charge_threshold_percent = 20;
  std::vector<std::string> id_tags;  // RFID cards or app tokens, as the pile reports them
  UnixMillis updated_at = 0;
  // The vehicle platform the owner lets report this car's telemetry, if any.
  std::optional<std::string> vehicle_platform_id;
};

// A vehicle cloud platform that reports telemetry with its own credential.
struct VehiclePlatformRecord {
  std::string id;
  std::string name;
  std::string secret_hash;  // BLAKE2b-256 of the secret (identity/tokens), shown once
  std::string registered_by;
  UnixMillis created_at = 0;
};

// The latest telemetry a platform reported for a vehicle.
struct TelemetryRecord {
  std::string vehicle_id;
  std::string vehicle_platform_id;
  double soc_percent = 0;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::optional<double> speed_kmh;
  std::optional<double> odometer_km;
  UnixMillis at = 0;
};

// Where the vehicle's last reported SoC stands: `below` is the hysteresis state (set when the
// SoC fell under the threshold, cleared when it rose clearly above it).
struct ChargeState {
  std::string vehicle_id;
  bool below = false;
  double soc_percent = 0;
  UnixMillis at = 0;
};

// A lock of a vehicle (antitheft/lock_workflow): its state (lock_machine's names), where it
// acts, and what the pile accepted (`levers`: JSON text, {"vendor_lock": status,
// "levers": [{"name", "status", "applied"}]}).
struct LockRecord {
  std::string id;
  std::string vehicle_id;
  std::string state;
  std::string reason;
  std::string requested_by;
  std::optional<std::string> charge_point_id;
  int connector_id = 0;
  std::optional<std::int64_t> transaction_id;
  std::string levers = "{}";
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
  // Released while its pile was offline: the levers are reversed when the pile connects.
  bool reversal_pending = false;
};

struct LockAuditEntry {
  std::string lock_id;
  UnixMillis at = 0;
  std::string state;  // the state after this entry
  std::string note;   // what happened, for a person
};

class AntiTheftReads {
 public:
  virtual ~AntiTheftReads() = default;
  virtual Result<std::optional<AntiTheftSettings>> settings(std::string_view vehicle_id) = 0;
  // The vehicle an idTag identifies, if any.
  virtual Result<std::optional<std::string>> vehicle_of_id_tag(std::string_view id_tag) = 0;
  virtual Result<std::optional<ChargeState>> charge_state(std::string_view vehicle_id) = 0;
  virtual Result<std::optional<VehiclePlatformRecord>> platform_by_secret_hash(
      std::string_view secret_hash) = 0;
  virtual Result<std::optional<VehiclePlatformRecord>> platform(std::string_view id) = 0;
  virtual Result<std::optional<TelemetryRecord>> telemetry(std::string_view vehicle_id) = 0;
  // The vehicle's most recent lock, whatever its state.
  virtual Result<std::optional<LockRecord>> latest_lock(std::string_view vehicle_id) = 0;
  // Locks not released that act (or will act) on this pile, oldest first.
  virtual Result<std::vector<LockRecord>> live_locks_on(std::string_view charge_point_id) = 0;
  // Released locks on this pile whose levers still wait to be reversed, oldest first.
  virtual Result<std::vector<LockRecord>> locks_to_reverse_on(std::string_view charge_point_id) = 0;
  // The lock's audit trail, oldest first.
  virtual Result<std::vector<LockAuditEntry>> lock_audit(std::string_view lock_id) = 0;
};

class AntiTheftWrites : public AntiTheftReads {
 public:
  // Replaces the vehicle's settings and idTags. Error antitheft::kIdTagTaken iff a tag belongs
  // to another vehicle (nothing is then written).
  virtual Result<void> put_settings(const AntiTheftSettings& settings) = 0;
  virtual Result<void> put_charge_state(const ChargeState& state) = 0;
  virtual Result<void> insert_platform(const VehiclePlatformRecord& platform) = 0;
  // Keeps only the newest report per vehicle.
  virtual Result<void> put_telemetry(const TelemetryRecord& telemetry) = 0;
  // Inserts or replaces the lock (by id).
  virtual Result<void> put_lock(const LockRecord& lock) = 0;
  virtual Result<void> append_lock_audit(const LockAuditEntry& entry) = 0;
};

}  // namespace paddock::antitheft

// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::optional<antitheft::AntiTheftSettings>> PgAntiTheft::settings(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::settings is not written yet");
}

Result<std::optional<std::string>> PgAntiTheft::vehicle_of_id_tag(std::string_view id_tag) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::vehicle_of_id_tag is not written yet");
}

Result<std::optional<antitheft::ChargeState>> PgAntiTheft::charge_state(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::charge_state is not written yet");
}

Result<void> PgAntiTheft::put_settings(const antitheft::AntiTheftSettings& settings) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::put_settings is not written yet");
}

Result<void> PgAntiTheft::put_charge_state(const antitheft::ChargeState& state) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::put_charge_state is not written yet");
}

Result<std::optional<antitheft::VehiclePlatformRecord>> PgAntiTheft::platform_by_secret_hash( std::string_view secret_hash) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::platform_by_secret_hash is not written yet");
}

Result<std::optional<antitheft::VehiclePlatformRecord>> PgAntiTheft::platform(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::platform is not written yet");
}

Result<std::optional<antitheft::TelemetryRecord>> PgAntiTheft::telemetry(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::telemetry is not written yet");
}

Result<void> PgAntiTheft::insert_platform(const antitheft::VehiclePlatformRecord& platform) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::insert_platform is not written yet");
}

Result<void> PgAntiTheft::put_telemetry(const antitheft::TelemetryRecord& telemetry) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::put_telemetry is not written yet");
}

Result<std::optional<antitheft::LockRecord>> PgAntiTheft::latest_lock(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::latest_lock is not written yet");
}

Result<std::vector<antitheft::LockRecord>> PgAntiTheft::live_locks_on( std::string_view charge_point_id) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::live_locks_on is not written yet");
}

Result<std::vector<antitheft::LockRecord>> PgAntiTheft::locks_to_reverse_on( std::string_view charge_point_id) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::locks_to_reverse_on is not written yet");
}

Result<std::vector<antitheft::LockAuditEntry>> PgAntiTheft::lock_audit(std::string_view lock_id) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::lock_audit is not written yet");
}

Result<void> PgAntiTheft::put_lock(const antitheft::LockRecord& lock) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::put_lock is not written yet");
}

Result<void> PgAntiTheft::append_lock_audit(const antitheft::LockAuditEntry& entry) {
  return make_error(Errc::storage_unavailable, "PgAntiTheft::append_lock_audit is not written yet");
}

}  // namespace paddock::storage::postgres

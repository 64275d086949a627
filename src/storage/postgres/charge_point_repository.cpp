// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<bool> PgChargePoints::is_operator(std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::is_operator is not written yet");
}

Result<std::optional<ocpp::ChargePointRecord>> PgChargePoints::charge_point(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::charge_point is not written yet");
}

Result<std::vector<ocpp::ChargePointRecord>> PgChargePoints::charge_points() {
  return make_error(Errc::storage_unavailable, "PgChargePoints::charge_points is not written yet");
}

Result<std::vector<ocpp::ConnectorRecord>> PgChargePoints::connectors_of( std::string_view charge_point_id) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::connectors_of is not written yet");
}

Result<std::optional<ocpp::TransactionRecord>> PgChargePoints::transaction(std::int64_t id) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::transaction is not written yet");
}

Result<std::vector<ocpp::TransactionRecord>> PgChargePoints::running_transactions( std::string_view charge_point_id) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::running_transactions is not written yet");
}

Result<std::optional<ocpp::TransactionRecord>> PgChargePoints::running_transaction_of_vehicle( std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::running_transaction_of_vehicle is not written yet");
}

Result<bool> PgChargePoints::id_tag_in_use(std::string_view id_tag) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::id_tag_in_use is not written yet");
}

Result<void> PgChargePoints::grant_operator(std::string_view user_id, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::grant_operator is not written yet");
}

Result<void> PgChargePoints::insert_charge_point(const ocpp::ChargePointRecord& charge_point) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::insert_charge_point is not written yet");
}

Result<void> PgChargePoints::record_boot(std::string_view id, std::string_view firmware_version, std::string_view serial_number, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::record_boot is not written yet");
}

Result<void> PgChargePoints::record_heartbeat(std::string_view id, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::record_heartbeat is not written yet");
}

Result<void> PgChargePoints::put_connector(const ocpp::ConnectorRecord& connector) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::put_connector is not written yet");
}

Result<std::int64_t> PgChargePoints::start_transaction(const ocpp::TransactionRecord& transaction) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::start_transaction is not written yet");
}

Result<bool> PgChargePoints::stop_transaction(std::int64_t id, std::int64_t meter_stop, UnixMillis at, std::string_view reason) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::stop_transaction is not written yet");
}

Result<void> PgChargePoints::record_soc(std::int64_t transaction_id, double soc_percent, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::record_soc is not written yet");
}

Result<bool> PgChargePoints::link_vehicle(std::int64_t transaction_id, std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgChargePoints::link_vehicle is not written yet");
}

}  // namespace paddock::storage::postgres

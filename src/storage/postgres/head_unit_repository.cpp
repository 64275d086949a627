// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::vector<keys::HeadUnitRecord>> PgHeadUnits::head_units_of(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgHeadUnits::head_units_of is not written yet");
}

Result<std::optional<keys::HeadUnitRecord>> PgHeadUnits::head_unit_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgHeadUnits::head_unit_by_id is not written yet");
}

Result<void> PgHeadUnits::insert_head_unit(const keys::HeadUnitRecord& head_unit) {
  return make_error(Errc::storage_unavailable, "PgHeadUnits::insert_head_unit is not written yet");
}

Result<bool> PgHeadUnits::delete_head_unit(std::string_view vehicle_id, std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgHeadUnits::delete_head_unit is not written yet");
}

Result<bool> PgHeadUnits::advance_report_counter(std::string_view id, std::uint64_t counter) {
  return make_error(Errc::storage_unavailable, "PgHeadUnits::advance_report_counter is not written yet");
}

}  // namespace paddock::storage::postgres

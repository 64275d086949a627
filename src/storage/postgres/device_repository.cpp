// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::vector<DeviceRecord>> PgDevices::devices_of_user(std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgDevices::devices_of_user is not written yet");
}

Result<std::optional<DeviceRecord>> PgDevices::device_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgDevices::device_by_id is not written yet");
}

Result<void> PgDevices::insert_device(const DeviceRecord& device) {
  return make_error(Errc::storage_unavailable, "PgDevices::insert_device is not written yet");
}

Result<void> PgDevices::clear_primary_devices(std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgDevices::clear_primary_devices is not written yet");
}

Result<bool> PgDevices::delete_device(std::string_view device_id, std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgDevices::delete_device is not written yet");
}

Result<void> PgDevices::mark_device_verified(std::string_view device_id, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgDevices::mark_device_verified is not written yet");
}

}  // namespace paddock::storage::postgres

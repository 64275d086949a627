// PostgreSQL: the devices module's devices (the twin of sqlite/device_repository.cpp).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define DEVICE_COLUMNS "id, user_id, name, kind, public_key, is_primary, verified_at, created_at"

DeviceRecord read_device(const Rows& r, int i) {
  return DeviceRecord{r.text(i, 0), r.text(i, 1),    r.text(i, 2),
                      r.text(i, 3), r.text(i, 4),    r.boolean(i, 5),
                      optional_integer(r, i, 6), r.integer(i, 7)};
}

}  // namespace

Result<std::vector<DeviceRecord>> PgDevices::devices_of_user(std::string_view user_id) {
  return guarded(link_, "devices_of_user", [&](Connection& db) {
    // `ord` (insertion order) breaks ties as SQLite's rowid does.
    return all<DeviceRecord>(db.query("SELECT " DEVICE_COLUMNS " FROM devices WHERE user_id = $1 "
                                      "ORDER BY created_at, ord",
                                      user_id),
                             read_device);
  });
}

Result<std::optional<DeviceRecord>> PgDevices::device_by_id(std::string_view id) {
  return guarded(link_, "device_by_id", [&](Connection& db) {
    return one<DeviceRecord>(db.query("SELECT " DEVICE_COLUMNS " FROM devices WHERE id = $1", id),
                             read_device);
  });
}

Result<void> PgDevices::insert_device(const DeviceRecord& d) {
  return guarded(link_, "insert_device", [&](Connection& db) {
    db.query("INSERT INTO devices (" DEVICE_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
             d.id, d.user_id, d.name, d.kind, d.public_key, d.primary, d.verified_at,
             d.created_at);
  });
}

Result<void> PgDevices::clear_primary_devices(std::string_view user_id) {
  return guarded(link_, "clear_primary_devices", [&](Connection& db) {
    db.query("UPDATE devices SET is_primary = FALSE WHERE user_id = $1 AND is_primary", user_id);
  });
}

Result<bool> PgDevices::delete_device(std::string_view device_id, std::string_view user_id) {
  return guarded(link_, "delete_device", [&](Connection& db) {
    return db.query("DELETE FROM devices WHERE id = $1 AND user_id = $2", device_id, user_id)
               .affected() > 0;
  });
}

Result<void> PgDevices::mark_device_verified(std::string_view device_id, UnixMillis at) {
  return guarded(link_, "mark_device_verified", [&](Connection& db) {
    db.query("UPDATE devices SET verified_at = $1 WHERE id = $2", at, device_id);
  });
}

}  // namespace paddock::storage::postgres

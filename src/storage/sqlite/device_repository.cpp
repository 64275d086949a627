// SQLite: the devices module's devices.
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define DEVICE_COLUMNS "id, user_id, name, kind, public_key, is_primary, verified_at, created_at"

DeviceRecord read_device(const Statement& s) {
  DeviceRecord d{s.text(0), s.text(1),         s.text(2),    s.text(3),
                 s.text(4), s.integer(5) != 0, std::nullopt, s.integer(7)};
  if (!s.is_null(6)) d.verified_at = s.integer(6);
  return d;
}

}  // namespace

Result<std::vector<DeviceRecord>> SqliteDevices::devices_of_user(std::string_view user_id) {
  return guarded(link_, "devices_of_user", [&](Connection& db) {
    return all<DeviceRecord>(db.cached("SELECT " DEVICE_COLUMNS " FROM devices WHERE user_id = ? "
                                       "ORDER BY created_at, rowid")
                                 .bind(user_id),
                             read_device);
  });
}

Result<std::optional<DeviceRecord>> SqliteDevices::device_by_id(std::string_view id) {
  return guarded(link_, "device_by_id", [&](Connection& db) {
    return one<DeviceRecord>(
        db.cached("SELECT " DEVICE_COLUMNS " FROM devices WHERE id = ?").bind(id), read_device);
  });
}

Result<void> SqliteDevices::insert_device(const DeviceRecord& d) {
  return guarded(link_, "insert_device", [&](Connection& db) {
    run(db.cached("INSERT INTO devices (" DEVICE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(d.id, d.user_id, d.name, d.kind, d.public_key, d.primary, d.verified_at,
                  d.created_at));
  });
}

Result<void> SqliteDevices::clear_primary_devices(std::string_view user_id) {
  return guarded(link_, "clear_primary_devices", [&](Connection& db) {
    run(db.cached("UPDATE devices SET is_primary = 0 WHERE user_id = ? AND is_primary = 1")
            .bind(user_id));
  });
}

Result<bool> SqliteDevices::delete_device(std::string_view device_id, std::string_view user_id) {
  return guarded(link_, "delete_device", [&](Connection& db) {
    run(db.cached("DELETE FROM devices WHERE id = ? AND user_id = ?").bind(device_id, user_id));
    return db.changes() > 0;
  });
}

Result<void> SqliteDevices::mark_device_verified(std::string_view device_id, UnixMillis at) {
  return guarded(link_, "mark_device_verified", [&](Connection& db) {
    run(db.cached("UPDATE devices SET verified_at = ? WHERE id = ?").bind(at, device_id));
  });
}

}  // namespace paddock::storage::sqlite

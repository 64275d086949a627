// SQLite: the keys module's head units.
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define HEAD_UNIT_COLUMNS "id, vehicle_id, name, public_key, last_report_counter, created_at"

keys::HeadUnitRecord read_head_unit(const Statement& s) {
  return {s.text(0),   s.text(1), s.text(2), s.text(3), static_cast<std::uint64_t>(s.integer(4)),
          s.integer(5)};
}

}  // namespace

Result<std::vector<keys::HeadUnitRecord>> SqliteHeadUnits::head_units_of(
    std::string_view vehicle_id) {
  return guarded(link_, "head_units_of", [&](Connection& db) {
    return all<keys::HeadUnitRecord>(
        db.cached("SELECT " HEAD_UNIT_COLUMNS " FROM head_units WHERE vehicle_id = ? "
                  "ORDER BY created_at, rowid")
            .bind(vehicle_id),
        read_head_unit);
  });
}

Result<std::optional<keys::HeadUnitRecord>> SqliteHeadUnits::head_unit_by_id(std::string_view id) {
  return guarded(link_, "head_unit_by_id", [&](Connection& db) {
    return one<keys::HeadUnitRecord>(
        db.cached("SELECT " HEAD_UNIT_COLUMNS " FROM head_units WHERE id = ?").bind(id),
        read_head_unit);
  });
}

Result<void> SqliteHeadUnits::insert_head_unit(const keys::HeadUnitRecord& h) {
  return guarded(link_, "insert_head_unit", [&](Connection& db) {
    run(db.cached("INSERT INTO head_units (" HEAD_UNIT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?)")
            .bind(h.id, h.vehicle_id, h.name, h.public_key,
                  static_cast<std::int64_t>(h.last_report_counter), h.created_at));
  });
}

Result<bool> SqliteHeadUnits::delete_head_unit(std::string_view vehicle_id, std::string_view id) {
  return guarded(link_, "delete_head_unit", [&](Connection& db) {
    run(db.cached("DELETE FROM head_units WHERE vehicle_id = ? AND id = ?").bind(vehicle_id, id));
    return db.changes() > 0;
  });
}

Result<bool> SqliteHeadUnits::advance_report_counter(std::string_view id, std::uint64_t counter) {
  return guarded(link_, "advance_report_counter", [&](Connection& db) {
    // Counters above INT64_MAX cannot be stored; the service refuses them before this.
    run(db.cached("UPDATE head_units SET last_report_counter = ? "
                  "WHERE id = ? AND last_report_counter < ?")
            .bind(static_cast<std::int64_t>(counter), id, static_cast<std::int64_t>(counter)));
    return db.changes() > 0;
  });
}

}  // namespace paddock::storage::sqlite

// PostgreSQL: the keys module's head units (the twin of sqlite/head_unit_repository.cpp).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define HEAD_UNIT_COLUMNS "id, vehicle_id, name, public_key, last_report_counter, created_at"

keys::HeadUnitRecord read_head_unit(const Rows& r, int i) {
  return {r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3),
          static_cast<std::uint64_t>(r.integer(i, 4)), r.integer(i, 5)};
}

}  // namespace

Result<std::vector<keys::HeadUnitRecord>> PgHeadUnits::head_units_of(std::string_view vehicle_id) {
  return guarded(link_, "head_units_of", [&](Connection& db) {
    // `ord` (insertion order) breaks ties as SQLite's rowid does.
    return all<keys::HeadUnitRecord>(
        db.query("SELECT " HEAD_UNIT_COLUMNS " FROM head_units WHERE vehicle_id = $1 "
                 "ORDER BY created_at, ord",
                 vehicle_id),
        read_head_unit);
  });
}

Result<std::optional<keys::HeadUnitRecord>> PgHeadUnits::head_unit_by_id(std::string_view id) {
  return guarded(link_, "head_unit_by_id", [&](Connection& db) {
    return one<keys::HeadUnitRecord>(
        db.query("SELECT " HEAD_UNIT_COLUMNS " FROM head_units WHERE id = $1", id),
        read_head_unit);
  });
}

Result<void> PgHeadUnits::insert_head_unit(const keys::HeadUnitRecord& h) {
  return guarded(link_, "insert_head_unit", [&](Connection& db) {
    db.query("INSERT INTO head_units (" HEAD_UNIT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6)",
             h.id, h.vehicle_id, h.name, h.public_key,
             static_cast<std::int64_t>(h.last_report_counter), h.created_at);
  });
}

Result<bool> PgHeadUnits::delete_head_unit(std::string_view vehicle_id, std::string_view id) {
  return guarded(link_, "delete_head_unit", [&](Connection& db) {
    return db.query("DELETE FROM head_units WHERE vehicle_id = $1 AND id = $2", vehicle_id, id)
               .affected() > 0;
  });
}

Result<bool> PgHeadUnits::advance_report_counter(std::string_view id, std::uint64_t counter) {
  return guarded(link_, "advance_report_counter", [&](Connection& db) {
    // Counters above INT64_MAX cannot be stored; the service refuses them before this. One
    // conditional UPDATE: of two nodes accepting the same report, the second waits for the
    // first's commit, re-reads the row and finds the counter no longer lower.
    auto c = static_cast<std::int64_t>(counter);
    return db.query("UPDATE head_units SET last_report_counter = $1 "
                    "WHERE id = $2 AND last_report_counter < $1",
                    c, id)
               .affected() > 0;
  });
}

}  // namespace paddock::storage::postgres

// SQLite: the OCPP module's operators, charge points, connectors and transactions.
#include <cmath>

#include "ocpp/errors.hpp"
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define CHARGE_POINT_COLUMNS                                                    \
  "id, password_hash, vendor, model, registered_by, created_at, last_boot_at, " \
  "last_heartbeat_at, firmware_version, serial_number, approved"
#define CONNECTOR_COLUMNS "charge_point_id, connector_id, status, error_code, info, status_at"
#define TRANSACTION_COLUMNS                                                                      \
  "id, charge_point_id, connector_id, id_tag, meter_start, started_at, meter_stop, stopped_at, " \
  "stop_reason, soc_centi, soc_at, vehicle_id"

ocpp::ChargePointRecord read_charge_point(const Statement& s) {
  return {s.text(0),
          s.text(1),
          s.text(2),
          s.text(3),
          s.text(4),
          s.integer(5),
          optional_integer(s, 6),
          optional_integer(s, 7),
          s.text(8),
          s.text(9),
          s.integer(10) != 0};
}

ocpp::ConnectorRecord read_connector(const Statement& s) {
  return {s.text(0), static_cast<int>(s.integer(1)), s.text(2), s.text(3), s.text(4), s.integer(5)};
}

ocpp::TransactionRecord read_transaction(const Statement& s) {
  ocpp::TransactionRecord t{
      s.integer(0), s.text(1),    static_cast<int>(s.integer(2)), s.text(3),
      s.integer(4), s.integer(5), optional_integer(s, 6),         optional_integer(s, 7),
      s.text(8),    std::nullopt, optional_integer(s, 10),        optional_text(s, 11)};
  if (auto centi = optional_integer(s, 9)) t.soc_percent = static_cast<double>(*centi) / 100.0;
  return t;
}

}  // namespace

Result<bool> SqliteChargePoints::is_operator(std::string_view user_id) {
  return guarded(link_, "is_operator", [&](Connection& db) {
    auto& s = db.cached("SELECT 1 FROM operators WHERE user_id = ?").bind(user_id);
    ResetOnExit guard{s};
    return s.step();
  });
}

Result<std::optional<ocpp::ChargePointRecord>> SqliteChargePoints::charge_point(
    std::string_view id) {
  return guarded(link_, "charge_point", [&](Connection& db) {
    return one<ocpp::ChargePointRecord>(
        db.cached("SELECT " CHARGE_POINT_COLUMNS " FROM charge_points WHERE id = ?").bind(id),
        read_charge_point);
  });
}

Result<std::vector<ocpp::ChargePointRecord>> SqliteChargePoints::charge_points() {
  return guarded(link_, "charge_points", [&](Connection& db) {
    return all<ocpp::ChargePointRecord>(
        db.cached("SELECT " CHARGE_POINT_COLUMNS " FROM charge_points ORDER BY id").bind(),
        read_charge_point);
  });
}

Result<std::vector<ocpp::ConnectorRecord>> SqliteChargePoints::connectors_of(
    std::string_view charge_point_id) {
  return guarded(link_, "connectors_of", [&](Connection& db) {
    return all<ocpp::ConnectorRecord>(
        db.cached("SELECT " CONNECTOR_COLUMNS " FROM charge_point_connectors "
                  "WHERE charge_point_id = ? ORDER BY connector_id")
            .bind(charge_point_id),
        read_connector);
  });
}

Result<std::optional<ocpp::TransactionRecord>> SqliteChargePoints::transaction(std::int64_t id) {
  return guarded(link_, "transaction", [&](Connection& db) {
    return one<ocpp::TransactionRecord>(
        db.cached("SELECT " TRANSACTION_COLUMNS " FROM charge_transactions WHERE id = ?").bind(id),
        read_transaction);
  });
}

Result<std::vector<ocpp::TransactionRecord>> SqliteChargePoints::running_transactions(
    std::string_view charge_point_id) {
  return guarded(link_, "running_transactions", [&](Connection& db) {
    return all<ocpp::TransactionRecord>(
        db.cached("SELECT " TRANSACTION_COLUMNS " FROM charge_transactions "
                  "WHERE charge_point_id = ? AND stopped_at IS NULL ORDER BY id")
            .bind(charge_point_id),
        read_transaction);
  });
}

Result<std::optional<ocpp::TransactionRecord>> SqliteChargePoints::running_transaction_of_vehicle(
    std::string_view vehicle_id) {
  return guarded(link_, "running_transaction_of_vehicle", [&](Connection& db) {
    return one<ocpp::TransactionRecord>(
        db.cached("SELECT " TRANSACTION_COLUMNS " FROM charge_transactions "
                  "WHERE vehicle_id = ? AND stopped_at IS NULL ORDER BY id DESC LIMIT 1")
            .bind(vehicle_id),
        read_transaction);
  });
}

Result<bool> SqliteChargePoints::id_tag_in_use(std::string_view id_tag) {
  return guarded(link_, "id_tag_in_use", [&](Connection& db) {
    auto& s = db.cached(
                    "SELECT 1 FROM charge_transactions WHERE id_tag = ? AND stopped_at IS NULL "
                    "LIMIT 1")
                  .bind(id_tag);
    ResetOnExit guard{s};
    return s.step();
  });
}

Result<void> SqliteChargePoints::grant_operator(std::string_view user_id, UnixMillis at) {
  return guarded(link_, "grant_operator", [&](Connection& db) {
    run(db.cached("INSERT INTO operators (user_id, granted_at) VALUES (?, ?) "
                  "ON CONFLICT (user_id) DO NOTHING")
            .bind(user_id, at));
  });
}

Result<void> SqliteChargePoints::insert_charge_point(const ocpp::ChargePointRecord& c) {
  return guarded(link_, "insert_charge_point", [&](Connection& db) -> Result<void> {
    run(db.cached("INSERT INTO charge_points (" CHARGE_POINT_COLUMNS ") "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")
            .bind(c.id, c.password_hash, c.vendor, c.model, c.registered_by, c.created_at,
                  c.last_boot_at, c.last_heartbeat_at, c.firmware_version, c.serial_number,
                  c.approved ? 1 : 0));
    if (db.changes() == 0) {
      return make_error(ocpp::kChargePointTaken, "the charge point '" + c.id + "' exists", "id");
    }
    return {};
  });
}

Result<bool> SqliteChargePoints::approve(std::string_view id) {
  return guarded(link_, "approve", [&](Connection& db) {
    run(db.cached("UPDATE charge_points SET approved = 1 WHERE id = ? AND approved = 0").bind(id));
    return db.changes() > 0;
  });
}

Result<void> SqliteChargePoints::record_boot(std::string_view id, std::string_view firmware_version,
                                             std::string_view serial_number, UnixMillis at) {
  return guarded(link_, "record_boot", [&](Connection& db) {
    run(db.cached("UPDATE charge_points SET last_boot_at = ?, last_heartbeat_at = ?, "
                  "firmware_version = ?, serial_number = ? WHERE id = ?")
            .bind(at, at, firmware_version, serial_number, id));
  });
}

Result<void> SqliteChargePoints::record_heartbeat(std::string_view id, UnixMillis at) {
  return guarded(link_, "record_heartbeat", [&](Connection& db) {
    run(db.cached("UPDATE charge_points SET last_heartbeat_at = ? WHERE id = ?").bind(at, id));
  });
}

Result<void> SqliteChargePoints::put_connector(const ocpp::ConnectorRecord& c) {
  return guarded(link_, "put_connector", [&](Connection& db) {
    run(db.cached("INSERT INTO charge_point_connectors (" CONNECTOR_COLUMNS ") "
                  "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (charge_point_id, connector_id) "
                  "DO UPDATE SET status = excluded.status, error_code = excluded.error_code, "
                  "info = excluded.info, status_at = excluded.status_at")
            .bind(c.charge_point_id, c.connector_id, c.status, c.error_code, c.info, c.status_at));
  });
}

Result<std::int64_t> SqliteChargePoints::start_transaction(const ocpp::TransactionRecord& t) {
  return guarded(link_, "start_transaction", [&](Connection& db) {
    run(db.cached("INSERT INTO charge_transactions (charge_point_id, connector_id, id_tag, "
                  "meter_start, started_at, vehicle_id) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(t.charge_point_id, t.connector_id, t.id_tag, t.meter_start, t.started_at,
                  t.vehicle_id));
    return db.last_insert_rowid();
  });
}

Result<bool> SqliteChargePoints::stop_transaction(std::int64_t id, std::int64_t meter_stop,
                                                  UnixMillis at, std::string_view reason) {
  return guarded(link_, "stop_transaction", [&](Connection& db) {
    run(db.cached("UPDATE charge_transactions SET meter_stop = ?, stopped_at = ?, stop_reason = ? "
                  "WHERE id = ? AND stopped_at IS NULL")
            .bind(meter_stop, at, reason, id));
    return db.changes() > 0;
  });
}

Result<void> SqliteChargePoints::record_soc(std::int64_t transaction_id, double soc_percent,
                                            UnixMillis at) {
  return guarded(link_, "record_soc", [&](Connection& db) {
    run(db.cached("UPDATE charge_transactions SET soc_centi = ?, soc_at = ? WHERE id = ?")
            .bind(static_cast<std::int64_t>(std::llround(soc_percent * 100.0)), at,
                  transaction_id));
  });
}

Result<bool> SqliteChargePoints::link_vehicle(std::int64_t transaction_id,
                                              std::string_view vehicle_id) {
  return guarded(link_, "link_vehicle", [&](Connection& db) {
    run(db.cached("UPDATE charge_transactions SET vehicle_id = ? "
                  "WHERE id = ? AND vehicle_id IS NULL AND stopped_at IS NULL")
            .bind(vehicle_id, transaction_id));
    return db.changes() > 0;
  });
}

}  // namespace paddock::storage::sqlite

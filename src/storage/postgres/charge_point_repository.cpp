// PostgreSQL: the OCPP module's operators, charge points, connectors and transactions; the twin
// of sqlite/charge_point_repository.cpp. A charge point id is unique by its primary key
// (ON CONFLICT DO NOTHING), and the conditional updates (stop once, link a vehicle once) stay
// single statements whose row lock decides between racing nodes.
#include <cmath>

#include "ocpp/errors.hpp"
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define CHARGE_POINT_COLUMNS                                                    \
  "id, password_hash, vendor, model, registered_by, created_at, last_boot_at, " \
  "last_heartbeat_at, firmware_version, serial_number, approved"
#define CONNECTOR_COLUMNS "charge_point_id, connector_id, status, error_code, info, status_at"
#define TRANSACTION_COLUMNS                                                                      \
  "id, charge_point_id, connector_id, id_tag, meter_start, started_at, meter_stop, stopped_at, " \
  "stop_reason, soc_centi, soc_at, vehicle_id"

ocpp::ChargePointRecord read_charge_point(const Rows& r, int i) {
  return {r.text(i, 0),
          r.text(i, 1),
          r.text(i, 2),
          r.text(i, 3),
          r.text(i, 4),
          r.integer(i, 5),
          optional_integer(r, i, 6),
          optional_integer(r, i, 7),
          r.text(i, 8),
          r.text(i, 9),
          r.boolean(i, 10)};
}

ocpp::ConnectorRecord read_connector(const Rows& r, int i) {
  return {r.text(i, 0), static_cast<int>(r.integer(i, 1)), r.text(i, 2),
          r.text(i, 3), r.text(i, 4),                      r.integer(i, 5)};
}

ocpp::TransactionRecord read_transaction(const Rows& r, int i) {
  ocpp::TransactionRecord t{r.integer(i, 0),
                            r.text(i, 1),
                            static_cast<int>(r.integer(i, 2)),
                            r.text(i, 3),
                            r.integer(i, 4),
                            r.integer(i, 5),
                            optional_integer(r, i, 6),
                            optional_integer(r, i, 7),
                            r.text(i, 8),
                            std::nullopt,
                            optional_integer(r, i, 10),
                            optional_text(r, i, 11)};
  if (auto centi = optional_integer(r, i, 9)) t.soc_percent = static_cast<double>(*centi) / 100.0;
  return t;
}

}  // namespace

Result<bool> PgChargePoints::is_operator(std::string_view user_id) {
  return guarded(link_, "is_operator", [&](Connection& db) {
    return !db.query("SELECT 1 FROM operators WHERE user_id = $1", user_id).empty();
  });
}

Result<std::optional<ocpp::ChargePointRecord>> PgChargePoints::charge_point(std::string_view id) {
  return guarded(link_, "charge_point", [&](Connection& db) {
    return one<ocpp::ChargePointRecord>(
        db.query("SELECT " CHARGE_POINT_COLUMNS " FROM charge_points WHERE id = $1", id),
        read_charge_point);
  });
}

Result<std::vector<ocpp::ChargePointRecord>> PgChargePoints::charge_points() {
  return guarded(link_, "charge_points", [&](Connection& db) {
    // COLLATE "C": ids sort bytewise, as SQLite sorts them, whatever the database's locale.
    return all<ocpp::ChargePointRecord>(
        db.query("SELECT " CHARGE_POINT_COLUMNS " FROM charge_points ORDER BY id COLLATE \"C\""),
        read_charge_point);
  });
}

Result<std::vector<ocpp::ConnectorRecord>> PgChargePoints::connectors_of(
    std::string_view charge_point_id) {
  return guarded(link_, "connectors_of", [&](Connection& db) {
    return all<ocpp::ConnectorRecord>(
        db.query("SELECT " CONNECTOR_COLUMNS " FROM charge_point_connectors "
                 "WHERE charge_point_id = $1 ORDER BY connector_id",
                 charge_point_id),
        read_connector);
  });
}

Result<std::optional<ocpp::TransactionRecord>> PgChargePoints::transaction(std::int64_t id) {
  return guarded(link_, "transaction", [&](Connection& db) {
    return one<ocpp::TransactionRecord>(
        db.query("SELECT " TRANSACTION_COLUMNS " FROM charge_transactions WHERE id = $1", id),
        read_transaction);
  });
}

Result<std::vector<ocpp::TransactionRecord>> PgChargePoints::running_transactions(
    std::string_view charge_point_id) {
  return guarded(link_, "running_transactions", [&](Connection& db) {
    return all<ocpp::TransactionRecord>(
        db.query("SELECT " TRANSACTION_COLUMNS " FROM charge_transactions "
                 "WHERE charge_point_id = $1 AND stopped_at IS NULL ORDER BY id",
                 charge_point_id),
        read_transaction);
  });
}

Result<std::optional<ocpp::TransactionRecord>> PgChargePoints::running_transaction_of_vehicle(
    std::string_view vehicle_id) {
  return guarded(link_, "running_transaction_of_vehicle", [&](Connection& db) {
    return one<ocpp::TransactionRecord>(
        db.query("SELECT " TRANSACTION_COLUMNS " FROM charge_transactions "
                 "WHERE vehicle_id = $1 AND stopped_at IS NULL ORDER BY id DESC LIMIT 1",
                 vehicle_id),
        read_transaction);
  });
}

Result<bool> PgChargePoints::id_tag_in_use(std::string_view id_tag) {
  return guarded(link_, "id_tag_in_use", [&](Connection& db) {
    return !db.query("SELECT 1 FROM charge_transactions WHERE id_tag = $1 AND stopped_at IS NULL "
                     "LIMIT 1",
                     id_tag)
                .empty();
  });
}

Result<void> PgChargePoints::grant_operator(std::string_view user_id, UnixMillis at) {
  return guarded(link_, "grant_operator", [&](Connection& db) {
    db.query("INSERT INTO operators (user_id, granted_at) VALUES ($1, $2) "
             "ON CONFLICT (user_id) DO NOTHING",
             user_id, at);
  });
}

Result<void> PgChargePoints::insert_charge_point(const ocpp::ChargePointRecord& c) {
  return guarded(link_, "insert_charge_point", [&](Connection& db) -> Result<void> {
    auto inserted =
        db.query("INSERT INTO charge_points (" CHARGE_POINT_COLUMNS ") "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
                 c.id, c.password_hash, c.vendor, c.model, c.registered_by, c.created_at,
                 c.last_boot_at, c.last_heartbeat_at, c.firmware_version, c.serial_number,
                 c.approved);
    if (inserted.affected() == 0) {
      return make_error(ocpp::kChargePointTaken, "the charge point '" + c.id + "' exists", "id");
    }
    return {};
  });
}

Result<void> PgChargePoints::record_boot(std::string_view id, std::string_view firmware_version,
                                         std::string_view serial_number, UnixMillis at) {
  return guarded(link_, "record_boot", [&](Connection& db) {
    db.query("UPDATE charge_points SET last_boot_at = $1, last_heartbeat_at = $1, "
             "firmware_version = $2, serial_number = $3 WHERE id = $4",
             at, firmware_version, serial_number, id);
  });
}

Result<void> PgChargePoints::record_heartbeat(std::string_view id, UnixMillis at) {
  return guarded(link_, "record_heartbeat", [&](Connection& db) {
    db.query("UPDATE charge_points SET last_heartbeat_at = $1 WHERE id = $2", at, id);
  });
}

Result<void> PgChargePoints::put_connector(const ocpp::ConnectorRecord& c) {
  return guarded(link_, "put_connector", [&](Connection& db) {
    db.query("INSERT INTO charge_point_connectors (" CONNECTOR_COLUMNS ") "
             "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (charge_point_id, connector_id) "
             "DO UPDATE SET status = excluded.status, error_code = excluded.error_code, "
             "info = excluded.info, status_at = excluded.status_at",
             c.charge_point_id, c.connector_id, c.status, c.error_code, c.info, c.status_at);
  });
}

Result<std::int64_t> PgChargePoints::start_transaction(const ocpp::TransactionRecord& t) {
  return guarded(link_, "start_transaction", [&](Connection& db) {
    return db
        .query("INSERT INTO charge_transactions (charge_point_id, connector_id, id_tag, "
               "meter_start, started_at, vehicle_id) VALUES ($1, $2, $3, $4, $5, $6) "
               "RETURNING id",
               t.charge_point_id, t.connector_id, t.id_tag, t.meter_start, t.started_at,
               t.vehicle_id)
        .integer(0, 0);
  });
}

Result<bool> PgChargePoints::stop_transaction(std::int64_t id, std::int64_t meter_stop,
                                              UnixMillis at, std::string_view reason) {
  return guarded(link_, "stop_transaction", [&](Connection& db) {
    return db.query("UPDATE charge_transactions SET meter_stop = $1, stopped_at = $2, "
                    "stop_reason = $3 WHERE id = $4 AND stopped_at IS NULL",
                    meter_stop, at, reason, id)
               .affected() > 0;
  });
}

Result<void> PgChargePoints::record_soc(std::int64_t transaction_id, double soc_percent,
                                        UnixMillis at) {
  return guarded(link_, "record_soc", [&](Connection& db) {
    db.query("UPDATE charge_transactions SET soc_centi = $1, soc_at = $2 WHERE id = $3",
             static_cast<std::int64_t>(std::llround(soc_percent * 100.0)), at, transaction_id);
  });
}

Result<bool> PgChargePoints::link_vehicle(std::int64_t transaction_id,
                                          std::string_view vehicle_id) {
  return guarded(link_, "link_vehicle", [&](Connection& db) {
    return db.query("UPDATE charge_transactions SET vehicle_id = $1 "
                    "WHERE id = $2 AND vehicle_id IS NULL AND stopped_at IS NULL",
                    vehicle_id, transaction_id)
               .affected() > 0;
  });
}

Result<bool> PgChargePoints::approve(std::string_view id) {
  return guarded(link_, "approve", [&](Connection& db) {
    return db.query("UPDATE charge_points SET approved = TRUE WHERE id = $1 AND NOT approved", id)
               .affected() > 0;
  });
}

}  // namespace paddock::storage::postgres

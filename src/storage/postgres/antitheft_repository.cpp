// PostgreSQL: the anti-theft module's settings, idTags, charge state, vehicle platforms,
// telemetry and locks; the twin of sqlite/antitheft_repository.cpp. An idTag names one vehicle
// by its primary key: put_settings inserts with ON CONFLICT DO NOTHING and reads the refusal from
// affected(), so two nodes claiming one tag at once cannot both win.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "antitheft/errors.hpp"
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::optional<antitheft::AntiTheftSettings>> PgAntiTheft::settings(
    std::string_view vehicle_id) {
  return guarded(link_, "antitheft_settings", [&](Connection& db) {
    auto found = one<antitheft::AntiTheftSettings>(
        db.query("SELECT vehicle_id, low_charge_threshold_percent, updated_at, "
                 "vehicle_platform_id FROM antitheft_settings WHERE vehicle_id = $1",
                 vehicle_id),
        [](const Rows& r, int i) {
          antitheft::AntiTheftSettings a;
          a.vehicle_id = r.text(i, 0);
          a.low_charge_threshold_percent = static_cast<int>(r.integer(i, 1));
          a.updated_at = r.integer(i, 2);
          a.vehicle_platform_id = optional_text(r, i, 3);
          return a;
        });
    if (found) {
      found->id_tags = all<std::string>(
          db.query("SELECT id_tag FROM antitheft_id_tags WHERE vehicle_id = $1 ORDER BY position",
                   vehicle_id),
          first_text);
    }
    return found;
  });
}

Result<std::optional<std::string>> PgAntiTheft::vehicle_of_id_tag(std::string_view id_tag) {
  return guarded(link_, "vehicle_of_id_tag", [&](Connection& db) {
    return one<std::string>(
        db.query("SELECT vehicle_id FROM antitheft_id_tags WHERE id_tag = $1", id_tag),
        first_text);
  });
}

Result<std::optional<antitheft::ChargeState>> PgAntiTheft::charge_state(
    std::string_view vehicle_id) {
  return guarded(link_, "charge_state", [&](Connection& db) {
    return one<antitheft::ChargeState>(
        db.query("SELECT vehicle_id, below, soc_centi, at FROM vehicle_charge_state "
                 "WHERE vehicle_id = $1",
                 vehicle_id),
        [](const Rows& r, int i) {
          return antitheft::ChargeState{r.text(i, 0), r.boolean(i, 1),
                                        static_cast<double>(r.integer(i, 2)) / 100.0,
                                        r.integer(i, 3)};
        });
  });
}

Result<void> PgAntiTheft::put_settings(const antitheft::AntiTheftSettings& a) {
  return guarded(link_, "put_antitheft_settings", [&](Connection& db) -> Result<void> {
    db.query("INSERT INTO antitheft_settings (vehicle_id, low_charge_threshold_percent, "
             "updated_at, vehicle_platform_id) VALUES ($1, $2, $3, $4) "
             "ON CONFLICT (vehicle_id) DO UPDATE SET "
             "low_charge_threshold_percent = excluded.low_charge_threshold_percent, "
             "updated_at = excluded.updated_at, "
             "vehicle_platform_id = excluded.vehicle_platform_id",
             a.vehicle_id, a.low_charge_threshold_percent, a.updated_at, a.vehicle_platform_id);
    db.query("DELETE FROM antitheft_id_tags WHERE vehicle_id = $1", a.vehicle_id);
    for (std::size_t i = 0; i < a.id_tags.size(); ++i) {
      // This vehicle's old tags are gone, so a conflict is another vehicle's tag (the domain
      // refuses a list naming a tag twice). The error rolls back this job's savepoint.
      auto inserted = db.query(
          "INSERT INTO antitheft_id_tags (id_tag, vehicle_id, position) VALUES ($1, $2, $3) "
          "ON CONFLICT (id_tag) DO NOTHING",
          a.id_tags[i], a.vehicle_id, static_cast<std::int64_t>(i));
      if (inserted.affected() == 0) {
        return make_error(antitheft::kIdTagTaken,
                          "the idTag '" + a.id_tags[i] + "' identifies another vehicle",
                          "id_tags");
      }
    }
    return {};
  });
}

Result<void> PgAntiTheft::put_charge_state(const antitheft::ChargeState& c) {
  return guarded(link_, "put_charge_state", [&](Connection& db) {
    db.query("INSERT INTO vehicle_charge_state (vehicle_id, below, soc_centi, at) "
             "VALUES ($1, $2, $3, $4) ON CONFLICT (vehicle_id) DO UPDATE SET "
             "below = excluded.below, soc_centi = excluded.soc_centi, at = excluded.at",
             c.vehicle_id, c.below, static_cast<std::int64_t>(std::llround(c.soc_percent * 100.0)),
             c.at);
  });
}

namespace {

#define PLATFORM_COLUMNS "id, name, secret_hash, registered_by, created_at"

antitheft::VehiclePlatformRecord read_platform(const Rows& r, int i) {
  return {r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.integer(i, 4)};
}

// Doubles are stored as their shortest round-tripping text, as on SQLite.
std::optional<std::string> number_text(const std::optional<double>& v) {
  if (!v) return std::nullopt;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", *v);
  return std::string(buffer);
}

std::optional<double> text_number(const std::optional<std::string>& t) {
  if (!t) return std::nullopt;
  return std::strtod(t->c_str(), nullptr);
}

}  // namespace

Result<std::optional<antitheft::VehiclePlatformRecord>> PgAntiTheft::platform_by_secret_hash(
    std::string_view secret_hash) {
  return guarded(link_, "platform_by_secret_hash", [&](Connection& db) {
    return one<antitheft::VehiclePlatformRecord>(
        db.query("SELECT " PLATFORM_COLUMNS " FROM vehicle_platforms WHERE secret_hash = $1",
                 secret_hash),
        read_platform);
  });
}

Result<std::optional<antitheft::VehiclePlatformRecord>> PgAntiTheft::platform(
    std::string_view id) {
  return guarded(link_, "platform", [&](Connection& db) {
    return one<antitheft::VehiclePlatformRecord>(
        db.query("SELECT " PLATFORM_COLUMNS " FROM vehicle_platforms WHERE id = $1", id),
        read_platform);
  });
}

Result<void> PgAntiTheft::insert_platform(const antitheft::VehiclePlatformRecord& p) {
  return guarded(link_, "insert_platform", [&](Connection& db) {
    db.query("INSERT INTO vehicle_platforms (" PLATFORM_COLUMNS ") VALUES ($1, $2, $3, $4, $5)",
             p.id, p.name, p.secret_hash, p.registered_by, p.created_at);
  });
}

Result<std::optional<antitheft::TelemetryRecord>> PgAntiTheft::telemetry(
    std::string_view vehicle_id) {
  return guarded(link_, "telemetry", [&](Connection& db) {
    return one<antitheft::TelemetryRecord>(
        db.query("SELECT vehicle_id, vehicle_platform_id, soc_centi, position, speed_kmh, "
                 "odometer_km, at FROM vehicle_telemetry WHERE vehicle_id = $1",
                 vehicle_id),
        [](const Rows& r, int i) {
          antitheft::TelemetryRecord t;
          t.vehicle_id = r.text(i, 0);
          t.vehicle_platform_id = r.text(i, 1);
          t.soc_percent = static_cast<double>(r.integer(i, 2)) / 100.0;
          if (auto position = optional_text(r, i, 3)) {
            auto comma = position->find(',');
            t.latitude = std::strtod(position->substr(0, comma).c_str(), nullptr);
            t.longitude = std::strtod(position->substr(comma + 1).c_str(), nullptr);
          }
          t.speed_kmh = text_number(optional_text(r, i, 4));
          t.odometer_km = text_number(optional_text(r, i, 5));
          t.at = r.integer(i, 6);
          return t;
        });
  });
}

Result<void> PgAntiTheft::put_telemetry(const antitheft::TelemetryRecord& t) {
  return guarded(link_, "put_telemetry", [&](Connection& db) {
    std::optional<std::string> position;
    if (t.latitude && t.longitude)
      position = *number_text(t.latitude) + "," + *number_text(t.longitude);
    // An older report arriving late (another node, a retried batch) never replaces a newer one.
    db.query("INSERT INTO vehicle_telemetry (vehicle_id, vehicle_platform_id, soc_centi, "
             "position, speed_kmh, odometer_km, at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
             "ON CONFLICT (vehicle_id) DO UPDATE SET "
             "vehicle_platform_id = excluded.vehicle_platform_id, "
             "soc_centi = excluded.soc_centi, position = excluded.position, "
             "speed_kmh = excluded.speed_kmh, odometer_km = excluded.odometer_km, "
             "at = excluded.at WHERE excluded.at >= vehicle_telemetry.at",
             t.vehicle_id, t.vehicle_platform_id,
             static_cast<std::int64_t>(std::llround(t.soc_percent * 100.0)), position,
             number_text(t.speed_kmh), number_text(t.odometer_km), t.at);
  });
}

namespace {

#define LOCK_COLUMNS                                                                             \
  "id, vehicle_id, state, reason, requested_by, charge_point_id, connector_id, transaction_id, " \
  "levers, created_at, updated_at, reversal_pending"

antitheft::LockRecord read_lock(const Rows& r, int i) {
  return {r.text(i, 0),
          r.text(i, 1),
          r.text(i, 2),
          r.text(i, 3),
          r.text(i, 4),
          optional_text(r, i, 5),
          static_cast<int>(r.integer(i, 6)),
          optional_integer(r, i, 7),
          r.text(i, 8),
          r.integer(i, 9),
          r.integer(i, 10),
          r.boolean(i, 11)};
}

}  // namespace

Result<std::optional<antitheft::LockRecord>> PgAntiTheft::latest_lock(
    std::string_view vehicle_id) {
  return guarded(link_, "latest_lock", [&](Connection& db) {
    return one<antitheft::LockRecord>(
        db.query("SELECT " LOCK_COLUMNS " FROM vehicle_locks WHERE vehicle_id = $1 "
                 "ORDER BY created_at DESC, ordinal DESC LIMIT 1",
                 vehicle_id),
        read_lock);
  });
}

Result<std::vector<antitheft::LockRecord>> PgAntiTheft::live_locks_on(
    std::string_view charge_point_id) {
  return guarded(link_, "live_locks_on", [&](Connection& db) {
    return all<antitheft::LockRecord>(
        db.query("SELECT " LOCK_COLUMNS " FROM vehicle_locks WHERE charge_point_id = $1 "
                 "AND state <> 'released' ORDER BY created_at, ordinal",
                 charge_point_id),
        read_lock);
  });
}

Result<std::vector<antitheft::LockRecord>> PgAntiTheft::locks_to_reverse_on(
    std::string_view charge_point_id) {
  return guarded(link_, "locks_to_reverse_on", [&](Connection& db) {
    return all<antitheft::LockRecord>(
        db.query("SELECT " LOCK_COLUMNS " FROM vehicle_locks WHERE charge_point_id = $1 "
                 "AND reversal_pending ORDER BY created_at, ordinal",
                 charge_point_id),
        read_lock);
  });
}

Result<std::vector<antitheft::LockAuditEntry>> PgAntiTheft::lock_audit(std::string_view lock_id) {
  return guarded(link_, "lock_audit", [&](Connection& db) {
    return all<antitheft::LockAuditEntry>(
        db.query("SELECT lock_id, at, state, note FROM vehicle_lock_audit WHERE lock_id = $1 "
                 "ORDER BY seq",
                 lock_id),
        [](const Rows& r, int i) {
          return antitheft::LockAuditEntry{r.text(i, 0), r.integer(i, 1), r.text(i, 2),
                                           r.text(i, 3)};
        });
  });
}

Result<void> PgAntiTheft::put_lock(const antitheft::LockRecord& l) {
  return guarded(link_, "put_lock", [&](Connection& db) {
    db.query("INSERT INTO vehicle_locks (" LOCK_COLUMNS ") "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
             "ON CONFLICT (id) DO UPDATE SET "
             "state = excluded.state, charge_point_id = excluded.charge_point_id, "
             "connector_id = excluded.connector_id, transaction_id = excluded.transaction_id, "
             "levers = excluded.levers, updated_at = excluded.updated_at, "
             "reversal_pending = excluded.reversal_pending",
             l.id, l.vehicle_id, l.state, l.reason, l.requested_by, l.charge_point_id,
             l.connector_id, l.transaction_id, l.levers, l.created_at, l.updated_at,
             l.reversal_pending);
  });
}

Result<void> PgAntiTheft::append_lock_audit(const antitheft::LockAuditEntry& e) {
  return guarded(link_, "append_lock_audit", [&](Connection& db) {
    db.query("INSERT INTO vehicle_lock_audit (lock_id, at, state, note) VALUES ($1, $2, $3, $4)",
             e.lock_id, e.at, e.state, e.note);
  });
}

}  // namespace paddock::storage::postgres

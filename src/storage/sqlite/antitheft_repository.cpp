// SQLite: the anti-theft module's settings, idTags and charge state.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "antitheft/errors.hpp"
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {

Result<std::optional<antitheft::AntiTheftSettings>> SqliteAntiTheft::settings(
    std::string_view vehicle_id) {
  return guarded(link_, "antitheft_settings", [&](Connection& db) {
    auto found = one<antitheft::AntiTheftSettings>(
        db.cached("SELECT vehicle_id, low_charge_threshold_percent, updated_at, "
                  "vehicle_platform_id FROM antitheft_settings WHERE vehicle_id = ?")
            .bind(vehicle_id),
        [](const Statement& s) {
          antitheft::AntiTheftSettings a;
          a.vehicle_id = s.text(0);
          a.low_charge_threshold_percent = static_cast<int>(s.integer(1));
          a.updated_at = s.integer(2);
          a.vehicle_platform_id = optional_text(s, 3);
          return a;
        });
    if (found) {
      found->id_tags = all<std::string>(
          db.cached("SELECT id_tag FROM antitheft_id_tags WHERE vehicle_id = ? ORDER BY position")
              .bind(vehicle_id),
          first_text);
    }
    return found;
  });
}

Result<std::optional<std::string>> SqliteAntiTheft::vehicle_of_id_tag(std::string_view id_tag) {
  return guarded(link_, "vehicle_of_id_tag", [&](Connection& db) {
    return one<std::string>(
        db.cached("SELECT vehicle_id FROM antitheft_id_tags WHERE id_tag = ?").bind(id_tag),
        first_text);
  });
}

Result<std::optional<antitheft::ChargeState>> SqliteAntiTheft::charge_state(
    std::string_view vehicle_id) {
  return guarded(link_, "charge_state", [&](Connection& db) {
    return one<antitheft::ChargeState>(
        db.cached("SELECT vehicle_id, below, soc_centi, at FROM vehicle_charge_state "
                  "WHERE vehicle_id = ?")
            .bind(vehicle_id),
        [](const Statement& s) {
          return antitheft::ChargeState{s.text(0), s.integer(1) != 0,
                                        static_cast<double>(s.integer(2)) / 100.0, s.integer(3)};
        });
  });
}

Result<void> SqliteAntiTheft::put_settings(const antitheft::AntiTheftSettings& a) {
  return guarded(link_, "put_antitheft_settings", [&](Connection& db) -> Result<void> {
    for (const auto& tag : a.id_tags) {
      auto owner = one<std::string>(
          db.cached("SELECT vehicle_id FROM antitheft_id_tags WHERE id_tag = ?").bind(tag),
          first_text);
      if (owner && *owner != a.vehicle_id) {
        return make_error(antitheft::kIdTagTaken,
                          "the idTag '" + tag + "' identifies another vehicle", "id_tags");
      }
    }
    run(db.cached("INSERT INTO antitheft_settings (vehicle_id, low_charge_threshold_percent, "
                  "updated_at, vehicle_platform_id) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (vehicle_id) DO UPDATE SET "
                  "low_charge_threshold_percent = excluded.low_charge_threshold_percent, "
                  "updated_at = excluded.updated_at, "
                  "vehicle_platform_id = excluded.vehicle_platform_id")
            .bind(a.vehicle_id, a.low_charge_threshold_percent, a.updated_at,
                  a.vehicle_platform_id));
    run(db.cached("DELETE FROM antitheft_id_tags WHERE vehicle_id = ?").bind(a.vehicle_id));
    for (std::size_t i = 0; i < a.id_tags.size(); ++i) {
      run(db.cached("INSERT INTO antitheft_id_tags (id_tag, vehicle_id, position) VALUES (?, ?, ?)")
              .bind(a.id_tags[i], a.vehicle_id, static_cast<std::int64_t>(i)));
    }
    return {};
  });
}

Result<void> SqliteAntiTheft::put_charge_state(const antitheft::ChargeState& c) {
  return guarded(link_, "put_charge_state", [&](Connection& db) {
    run(db.cached("INSERT INTO vehicle_charge_state (vehicle_id, below, soc_centi, at) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT (vehicle_id) DO UPDATE SET "
                  "below = excluded.below, soc_centi = excluded.soc_centi, at = excluded.at")
            .bind(c.vehicle_id, c.below,
                  static_cast<std::int64_t>(std::llround(c.soc_percent * 100.0)), c.at));
  });
}

namespace {

antitheft::VehiclePlatformRecord read_platform(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
}

// Doubles travel as their shortest text: the Statement binds text and integers only.
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

Result<std::optional<antitheft::VehiclePlatformRecord>> SqliteAntiTheft::platform_by_secret_hash(
    std::string_view secret_hash) {
  return guarded(link_, "platform_by_secret_hash", [&](Connection& db) {
    return one<antitheft::VehiclePlatformRecord>(
        db.cached("SELECT id, name, secret_hash, registered_by, created_at FROM vehicle_platforms "
                  "WHERE secret_hash = ?")
            .bind(secret_hash),
        read_platform);
  });
}

Result<std::optional<antitheft::VehiclePlatformRecord>> SqliteAntiTheft::platform(
    std::string_view id) {
  return guarded(link_, "platform", [&](Connection& db) {
    return one<antitheft::VehiclePlatformRecord>(
        db.cached("SELECT id, name, secret_hash, registered_by, created_at FROM vehicle_platforms "
                  "WHERE id = ?")
            .bind(id),
        read_platform);
  });
}

Result<void> SqliteAntiTheft::insert_platform(const antitheft::VehiclePlatformRecord& p) {
  return guarded(link_, "insert_platform", [&](Connection& db) {
    run(db.cached(
              "INSERT INTO vehicle_platforms (id, name, secret_hash, registered_by, created_at) "
              "VALUES (?, ?, ?, ?, ?)")
            .bind(p.id, p.name, p.secret_hash, p.registered_by, p.created_at));
  });
}

Result<std::optional<antitheft::TelemetryRecord>> SqliteAntiTheft::telemetry(
    std::string_view vehicle_id) {
  return guarded(link_, "telemetry", [&](Connection& db) {
    return one<antitheft::TelemetryRecord>(
        db.cached("SELECT vehicle_id, vehicle_platform_id, soc_centi, position, speed_kmh, "
                  "odometer_km, at FROM vehicle_telemetry WHERE vehicle_id = ?")
            .bind(vehicle_id),
        [](const Statement& s) {
          antitheft::TelemetryRecord t;
          t.vehicle_id = s.text(0);
          t.vehicle_platform_id = s.text(1);
          t.soc_percent = static_cast<double>(s.integer(2)) / 100.0;
          if (auto position = optional_text(s, 3)) {
            auto comma = position->find(',');
            t.latitude = std::strtod(position->substr(0, comma).c_str(), nullptr);
            t.longitude = std::strtod(position->substr(comma + 1).c_str(), nullptr);
          }
          t.speed_kmh = text_number(optional_text(s, 4));
          t.odometer_km = text_number(optional_text(s, 5));
          t.at = s.integer(6);
          return t;
        });
  });
}

Result<void> SqliteAntiTheft::put_telemetry(const antitheft::TelemetryRecord& t) {
  return guarded(link_, "put_telemetry", [&](Connection& db) {
    std::optional<std::string> position;
    if (t.latitude && t.longitude)
      position = *number_text(t.latitude) + "," + *number_text(t.longitude);
    auto speed = number_text(t.speed_kmh);
    auto odometer = number_text(t.odometer_km);
    run(db.cached("INSERT INTO vehicle_telemetry (vehicle_id, vehicle_platform_id, soc_centi, "
                  "position, speed_kmh, odometer_km, at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (vehicle_id) DO UPDATE SET "
                  "vehicle_platform_id = excluded.vehicle_platform_id, "
                  "soc_centi = excluded.soc_centi, position = excluded.position, "
                  "speed_kmh = excluded.speed_kmh, odometer_km = excluded.odometer_km, "
                  "at = excluded.at WHERE excluded.at >= vehicle_telemetry.at")
            .bind(t.vehicle_id, t.vehicle_platform_id,
                  static_cast<std::int64_t>(std::llround(t.soc_percent * 100.0)), position,
                  speed, odometer, t.at));
  });
}

namespace {

#define LOCK_COLUMNS                                                                             \
  "id, vehicle_id, state, reason, requested_by, charge_point_id, connector_id, transaction_id, " \
  "levers, created_at, updated_at, reversal_pending"

antitheft::LockRecord read_lock(const Statement& s) {
  return {s.text(0),
          s.text(1),
          s.text(2),
          s.text(3),
          s.text(4),
          optional_text(s, 5),
          static_cast<int>(s.integer(6)),
          optional_integer(s, 7),
          s.text(8),
          s.integer(9),
          s.integer(10),
          s.integer(11) != 0};
}

}  // namespace

Result<std::optional<antitheft::LockRecord>> SqliteAntiTheft::latest_lock(
    std::string_view vehicle_id) {
  return guarded(link_, "latest_lock", [&](Connection& db) {
    return one<antitheft::LockRecord>(
        db.cached("SELECT " LOCK_COLUMNS " FROM vehicle_locks WHERE vehicle_id = ? "
                  "ORDER BY created_at DESC, rowid DESC LIMIT 1")
            .bind(vehicle_id),
        read_lock);
  });
}

Result<std::vector<antitheft::LockRecord>> SqliteAntiTheft::live_locks_on(
    std::string_view charge_point_id) {
  return guarded(link_, "live_locks_on", [&](Connection& db) {
    return all<antitheft::LockRecord>(
        db.cached("SELECT " LOCK_COLUMNS " FROM vehicle_locks WHERE charge_point_id = ? "
                  "AND state <> 'released' ORDER BY created_at, rowid")
            .bind(charge_point_id),
        read_lock);
  });
}

Result<std::vector<antitheft::LockRecord>> SqliteAntiTheft::locks_to_reverse_on(
    std::string_view charge_point_id) {
  return guarded(link_, "locks_to_reverse_on", [&](Connection& db) {
    return all<antitheft::LockRecord>(
        db.cached("SELECT " LOCK_COLUMNS " FROM vehicle_locks WHERE charge_point_id = ? "
                  "AND reversal_pending = 1 ORDER BY created_at, rowid")
            .bind(charge_point_id),
        read_lock);
  });
}

Result<std::vector<antitheft::LockAuditEntry>> SqliteAntiTheft::lock_audit(
    std::string_view lock_id) {
  return guarded(link_, "lock_audit", [&](Connection& db) {
    return all<antitheft::LockAuditEntry>(
        db.cached("SELECT lock_id, at, state, note FROM vehicle_lock_audit WHERE lock_id = ? "
                  "ORDER BY seq")
            .bind(lock_id),
        [](const Statement& s) {
          return antitheft::LockAuditEntry{s.text(0), s.integer(1), s.text(2), s.text(3)};
        });
  });
}

Result<void> SqliteAntiTheft::put_lock(const antitheft::LockRecord& l) {
  return guarded(link_, "put_lock", [&](Connection& db) {
    run(db.cached("INSERT INTO vehicle_locks (" LOCK_COLUMNS ") "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                  "state = excluded.state, charge_point_id = excluded.charge_point_id, "
                  "connector_id = excluded.connector_id, transaction_id = excluded.transaction_id, "
                  "levers = excluded.levers, updated_at = excluded.updated_at, "
                  "reversal_pending = excluded.reversal_pending")
            .bind(l.id, l.vehicle_id, l.state, l.reason, l.requested_by, l.charge_point_id,
                  l.connector_id, l.transaction_id, l.levers, l.created_at, l.updated_at,
                  l.reversal_pending));
  });
}

Result<void> SqliteAntiTheft::append_lock_audit(const antitheft::LockAuditEntry& e) {
  return guarded(link_, "append_lock_audit", [&](Connection& db) {
    run(db.cached("INSERT INTO vehicle_lock_audit (lock_id, at, state, note) VALUES (?, ?, ?, ?)")
            .bind(e.lock_id, e.at, e.state, e.note));
  });
}

}  // namespace paddock::storage::sqlite

#include "storage/postgres/migrations.hpp"

#include <array>
#include <string>

namespace paddock::storage::postgres {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Times are Unix milliseconds (BIGINT), as on SQLite; flags are BOOLEAN.
constexpr std::array kMigrations = {
    Migration{4, R"sql(
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
CREATE TABLE devices (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  is_primary  BOOLEAN NOT NULL DEFAULT FALSE,
  verified_at BIGINT,
  created_at  BIGINT NOT NULL
);
CREATE INDEX devices_by_user ON devices(user_id, created_at);
CREATE TABLE vehicles (
  id                TEXT PRIMARY KEY,
  owner_id          TEXT NOT NULL REFERENCES users(id),
  vin               TEXT UNIQUE,
  plate_number      TEXT,
  plate_region      TEXT,
  plate_key         TEXT UNIQUE,
  nickname          TEXT NOT NULL,
  visibility        TEXT NOT NULL,
  requires_approval BOOLEAN NOT NULL DEFAULT FALSE,
  last_message_seq  BIGINT NOT NULL DEFAULT 0,
  created_at        BIGINT NOT NULL
);
CREATE INDEX vehicles_by_owner ON vehicles(owner_id, created_at);
CREATE TABLE vehicle_members (
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  added_at   BIGINT NOT NULL,
  PRIMARY KEY (vehicle_id, user_id)
);
CREATE INDEX vehicle_members_by_user ON vehicle_members(user_id);
CREATE TABLE messages (
  id         TEXT PRIMARY KEY,
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  seq        BIGINT NOT NULL,
  type       INTEGER NOT NULL,
  text       TEXT NOT NULL,
  attributes TEXT NOT NULL,
  author_id  TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT,
  UNIQUE (vehicle_id, seq)
);
CREATE TABLE follows (
  id          TEXT PRIMARY KEY,
  vehicle_id  TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  follower_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status      TEXT NOT NULL,
  types       BIGINT NOT NULL,
  approved    BOOLEAN NOT NULL DEFAULT FALSE,
  muted       BOOLEAN NOT NULL DEFAULT FALSE,
  created_at  BIGINT NOT NULL,
  UNIQUE (vehicle_id, follower_id)
);
CREATE INDEX follows_by_follower ON follows(follower_id, created_at);
CREATE TABLE single_use_secrets (
  purpose    TEXT NOT NULL,
  key        TEXT NOT NULL,
  payload    TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (purpose, key)
);
CREATE INDEX single_use_secrets_by_expiry ON single_use_secrets(expires_at);
-- The feed log. seq comes from the identity's sequence: increasing and never reused; the order
-- in which seqs become visible is the store's job (see events/event_log.hpp).
CREATE TABLE events (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id    TEXT,
  target_user   TEXT,
  target_device TEXT,
  type          TEXT NOT NULL,
  message_type  INTEGER,
  message_id    TEXT,
  payload       TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE INDEX events_by_vehicle ON events(vehicle_id, seq) WHERE target_user IS NULL;
CREATE INDEX events_by_user ON events(target_user, seq) WHERE target_user IS NOT NULL;
CREATE INDEX events_by_message ON events(message_id) WHERE message_id IS NOT NULL;
CREATE TABLE contacts (
  owner_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  contact_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  relationship TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  PRIMARY KEY (owner_id, contact_id)
);
)sql"},
    // Keys (SQLite's 5): key shares and their credentials, each vehicle's key audit log and
    // its revocation-list version (no foreign key: a version never goes back).
    Migration{5, R"sql(
CREATE TABLE key_shares (
  id                    TEXT PRIMARY KEY,
  vehicle_id            TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  sharer_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  recipient_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_id             TEXT,
  task                  TEXT NOT NULL,
  status                TEXT NOT NULL,
  rights                TEXT NOT NULL,
  refused               TEXT NOT NULL,
  verification          TEXT NOT NULL,
  code_hash             TEXT,
  failed_attempts       INTEGER NOT NULL DEFAULT 0,
  not_before            BIGINT NOT NULL,
  not_after             BIGINT NOT NULL,
  max_uses              INTEGER,
  note                  TEXT NOT NULL,
  via_share_id          TEXT,
  credential            TEXT,
  credential_id         TEXT,
  kid                   TEXT,
  credential_expires_at BIGINT,
  issued_at             BIGINT,
  created_at            BIGINT NOT NULL,
  updated_at            BIGINT NOT NULL
);
CREATE INDEX key_shares_by_vehicle ON key_shares(vehicle_id, created_at);
CREATE INDEX key_shares_by_recipient ON key_shares(recipient_id, vehicle_id);
CREATE UNIQUE INDEX key_shares_by_credential ON key_shares(vehicle_id, credential_id)
  WHERE credential_id IS NOT NULL;
CREATE TABLE key_audit (
  seq           BIGSERIAL PRIMARY KEY,
  vehicle_id    TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  share_id      TEXT,
  credential_id TEXT,
  actor_kind    TEXT NOT NULL,
  actor_id      TEXT NOT NULL,
  action        TEXT NOT NULL,
  detail        TEXT NOT NULL,
  at            BIGINT NOT NULL
);
CREATE INDEX key_audit_by_vehicle ON key_audit(vehicle_id, seq);
CREATE TABLE key_revocation_versions (
  vehicle_id TEXT PRIMARY KEY,
  version    BIGINT NOT NULL
);
)sql"},
    // Keys, the car's side (SQLite's 6): a vehicle's head units and the highest report counter
    // accepted from each.
    Migration{6, R"sql(
CREATE TABLE head_units (
  id                  TEXT PRIMARY KEY,
  vehicle_id          TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  name                TEXT NOT NULL,
  public_key          TEXT NOT NULL,
  last_report_counter BIGINT NOT NULL DEFAULT 0,
  created_at          BIGINT NOT NULL
);
CREATE INDEX head_units_by_vehicle ON head_units(vehicle_id, created_at);
)sql"},
};

// Any fixed number: every node migrating the same database takes the same lock.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7400361)";

}  // namespace

int latest_schema_version() { return kMigrations.back().version; }

int current_schema_version(Connection& db) {
  auto exists = db.query("SELECT to_regclass('paddock_schema') IS NOT NULL");
  if (!exists.boolean(0, 0)) return 0;
  auto rows = db.query("SELECT version FROM paddock_schema");
  return rows.empty() ? 0 : static_cast<int>(rows.integer(0, 0));
}

int migrate(Connection& db, int up_to) {
  db.exec("BEGIN");
  try {
    db.exec(kMigrationLock);
    db.exec(
        "CREATE TABLE IF NOT EXISTS paddock_schema ("
        "  one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), version INTEGER NOT NULL)");
    int version = current_schema_version(db);
    if (version > latest_schema_version()) {
      throw PgError("", "database schema version " + std::to_string(version) +
                            " is newer than this build (" +
                            std::to_string(latest_schema_version()) + ")");
    }
    for (const auto& m : kMigrations) {
      if (m.version <= version || m.version > up_to) continue;
      db.exec(m.sql);
      version = m.version;
    }
    db.query(
        "INSERT INTO paddock_schema (one, version) VALUES (TRUE, $1) "
        "ON CONFLICT (one) DO UPDATE SET version = excluded.version",
        version);
    db.exec("COMMIT");
    return version;
  } catch (...) {
    if (db.ok()) db.exec("ROLLBACK");
    throw;
  }
}

}  // namespace paddock::storage::postgres

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
  created_at  BIGINT NOT NULL,
  ord         BIGINT GENERATED ALWAYS AS IDENTITY  -- insertion order: SQLite's rowid in ties
);
CREATE INDEX devices_by_user ON devices(user_id, created_at, ord);
CREATE TABLE vehicles (
  id                TEXT PRIMARY KEY,
  ordinal           BIGINT GENERATED ALWAYS AS IDENTITY,  -- SQLite's rowid: ties in created_at
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
  ordinal    BIGINT GENERATED ALWAYS AS IDENTITY,
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
  ordinal     BIGINT GENERATED ALWAYS AS IDENTITY,
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
-- The feed log. A seq is taken from feed_head's one row, whose row lock the appending
-- transaction holds until it commits: appends from every node are serialized at commit, so seqs
-- become visible in order (the ordering contract in events/event_log.hpp; the argument is in
-- docs/ARCHITECTURE.md). feed_head.seq is also the highest committed seq, deletes or not.
CREATE TABLE feed_head (
  only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
  seq      BIGINT NOT NULL
);
INSERT INTO feed_head (only_row, seq) VALUES (TRUE, 0);
CREATE TABLE events (
  seq           BIGINT PRIMARY KEY,
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
  ord          BIGINT GENERATED ALWAYS AS IDENTITY,  -- insertion order: SQLite's rowid in ties
  PRIMARY KEY (owner_id, contact_id)
);
)sql"},
    // Keys (SQLite's 5): key shares and their credentials, each vehicle's key audit log and
    // its revocation-list version (no foreign key: a version never goes back).
    Migration{5, R"sql(
CREATE TABLE key_shares (
  id                    TEXT PRIMARY KEY,
  ordinal               BIGINT GENERATED ALWAYS AS IDENTITY,  -- SQLite's rowid: created_at ties
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
  created_at          BIGINT NOT NULL,
  ord                 BIGINT GENERATED ALWAYS AS IDENTITY  -- insertion order: SQLite's rowid in ties
);
CREATE INDEX head_units_by_vehicle ON head_units(vehicle_id, created_at, ord);
)sql"},
    // Links (SQLite's 7): QR-code link sessions; personal events that expire.
    Migration{7, R"sql(
CREATE TABLE links (
  id                   TEXT PRIMARY KEY,
  purpose              TEXT NOT NULL,
  state                TEXT NOT NULL,
  creator_user         TEXT REFERENCES users(id) ON DELETE CASCADE,
  creator_device       TEXT,
  context_kind         TEXT,
  context_id           TEXT,
  terminal_name        TEXT NOT NULL,
  terminal_kind        TEXT NOT NULL,
  terminal_public_key  TEXT,
  creator_address      TEXT NOT NULL,
  secret_hash          TEXT NOT NULL,
  previous_secret_hash TEXT,
  secret_expires_at    BIGINT NOT NULL,
  watch_token_hash     TEXT NOT NULL,
  failed_attempts      BIGINT NOT NULL DEFAULT 0,
  claimant_user        TEXT REFERENCES users(id) ON DELETE CASCADE,
  claimant_device      TEXT,
  claim_address        TEXT,
  claimed_at           BIGINT,
  signed_in_device     TEXT,
  session_hash         TEXT,
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL
);
CREATE INDEX links_by_creator ON links(creator_user, created_at) WHERE creator_user IS NOT NULL;
CREATE INDEX links_by_claimant ON links(claimant_user, created_at) WHERE claimant_user IS NOT NULL;
-- A personal event may expire (a push between terminals): past it, the log no longer serves it.
ALTER TABLE events ADD COLUMN expires_at BIGINT;
)sql"},
    // OCPP and anti-theft (SQLite's 8).
    Migration{8, R"sql(
CREATE TABLE operators (
  user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  granted_at BIGINT NOT NULL
);
CREATE TABLE charge_points (
  id                TEXT PRIMARY KEY,
  password_hash     TEXT NOT NULL,
  vendor            TEXT NOT NULL,
  model             TEXT NOT NULL,
  registered_by     TEXT NOT NULL,
  created_at        BIGINT NOT NULL,
  last_boot_at      BIGINT,
  last_heartbeat_at BIGINT,
  firmware_version  TEXT NOT NULL DEFAULT '',
  serial_number     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE charge_point_connectors (
  charge_point_id TEXT NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
  connector_id    BIGINT NOT NULL,
  status          TEXT NOT NULL,
  error_code      TEXT NOT NULL,
  info            TEXT NOT NULL,
  status_at       BIGINT NOT NULL,
  PRIMARY KEY (charge_point_id, connector_id)
);
CREATE TABLE charge_transactions (
  id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  charge_point_id TEXT NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
  connector_id    BIGINT NOT NULL,
  id_tag          TEXT NOT NULL,
  meter_start     BIGINT NOT NULL,
  started_at      BIGINT NOT NULL,
  meter_stop      BIGINT,
  stopped_at      BIGINT,
  stop_reason     TEXT NOT NULL DEFAULT '',
  soc_centi       BIGINT,
  soc_at          BIGINT,
  vehicle_id      TEXT REFERENCES vehicles(id) ON DELETE SET NULL
);
CREATE INDEX charge_transactions_running ON charge_transactions(charge_point_id, id)
  WHERE stopped_at IS NULL;
CREATE INDEX charge_transactions_running_tag ON charge_transactions(id_tag)
  WHERE stopped_at IS NULL;
CREATE TABLE vehicle_platforms (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  secret_hash   TEXT NOT NULL UNIQUE,
  registered_by TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE TABLE antitheft_settings (
  vehicle_id                   TEXT PRIMARY KEY REFERENCES vehicles(id) ON DELETE CASCADE,
  low_charge_threshold_percent BIGINT NOT NULL,
  updated_at                   BIGINT NOT NULL,
  vehicle_platform_id          TEXT REFERENCES vehicle_platforms(id)
);
CREATE TABLE vehicle_telemetry (
  vehicle_id          TEXT PRIMARY KEY REFERENCES vehicles(id) ON DELETE CASCADE,
  vehicle_platform_id TEXT NOT NULL,
  soc_centi           BIGINT NOT NULL,
  position            TEXT,
  speed_kmh           TEXT,
  odometer_km         TEXT,
  at                  BIGINT NOT NULL
);
CREATE TABLE antitheft_id_tags (
  id_tag     TEXT PRIMARY KEY,
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  position   BIGINT NOT NULL
);
CREATE INDEX antitheft_id_tags_by_vehicle ON antitheft_id_tags(vehicle_id, position);
CREATE TABLE vehicle_locks (
  id              TEXT PRIMARY KEY,
  vehicle_id      TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  state           TEXT NOT NULL,
  reason          TEXT NOT NULL,
  requested_by    TEXT NOT NULL,
  charge_point_id TEXT,
  connector_id    BIGINT NOT NULL,
  transaction_id  BIGINT,
  levers          TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  reversal_pending BOOLEAN NOT NULL DEFAULT FALSE,
  -- First-insertion order (SQLite's rowid), the tie-break between locks created the same ms.
  ordinal         BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX vehicle_locks_by_vehicle ON vehicle_locks(vehicle_id, created_at, ordinal);
CREATE INDEX vehicle_locks_live_by_pile ON vehicle_locks(charge_point_id)
  WHERE state <> 'released';
CREATE TABLE vehicle_lock_audit (
  lock_id TEXT NOT NULL REFERENCES vehicle_locks(id) ON DELETE CASCADE,
  seq     BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at      BIGINT NOT NULL,
  state   TEXT NOT NULL,
  note    TEXT NOT NULL
);
CREATE INDEX vehicle_lock_audit_by_lock ON vehicle_lock_audit(lock_id, seq);
CREATE TABLE vehicle_charge_state (
  vehicle_id TEXT PRIMARY KEY REFERENCES vehicles(id) ON DELETE CASCADE,
  below      BOOLEAN NOT NULL,
  soc_centi  BIGINT NOT NULL,
  at         BIGINT NOT NULL
);
)sql"},
    // The publisher hub (SQLite's 9).
    Migration{9, R"sql(
CREATE TABLE publishers (
  registration_id TEXT PRIMARY KEY,
  id              TEXT UNIQUE,
  name            TEXT NOT NULL,
  kind            TEXT NOT NULL,
  contact         TEXT NOT NULL,
  public_key      TEXT,
  status          TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE TABLE publisher_secrets (
  registration_id TEXT NOT NULL REFERENCES publishers(registration_id) ON DELETE CASCADE,
  serial          BIGINT NOT NULL,
  sealed          TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  expires_at      BIGINT,
  PRIMARY KEY (registration_id, serial)
);
CREATE TABLE publisher_sequence (
  id   BIGINT PRIMARY KEY CHECK (id = 1),
  last BIGINT NOT NULL
);
INSERT INTO publisher_sequence (id, last) VALUES (1, 0);
CREATE TABLE publisher_messages (
  publisher_id TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  seq          BIGINT NOT NULL UNIQUE,
  first_seq    BIGINT NOT NULL,
  is_public    BOOLEAN NOT NULL,
  category     TEXT NOT NULL,
  title        TEXT NOT NULL,
  body         TEXT NOT NULL,
  data         TEXT NOT NULL,
  expires_at   BIGINT,
  version      BIGINT NOT NULL,
  withdrawn    BOOLEAN NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  PRIMARY KEY (publisher_id, message_id)
);
CREATE INDEX publisher_messages_public ON publisher_messages(seq) WHERE is_public;
CREATE TABLE publisher_receivers (
  publisher_id TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  read_at      BIGINT,
  PRIMARY KEY (publisher_id, message_id, user_id)
);
CREATE INDEX publisher_receivers_by_user ON publisher_receivers(user_id);
CREATE TABLE publisher_subscriptions (
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  publisher_id TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (user_id, publisher_id)
);
CREATE TABLE publisher_opt_outs (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind    TEXT NOT NULL,
  value   TEXT NOT NULL,
  PRIMARY KEY (user_id, kind, value)
);
CREATE INDEX publisher_opt_outs_by_value ON publisher_opt_outs(kind, value);
CREATE TABLE publisher_message_stats (
  publisher_id TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  delivered    BIGINT NOT NULL DEFAULT 0,
  synced       BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (publisher_id, message_id)
);
CREATE TABLE publisher_public_reads (
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  publisher_id TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  read_at      BIGINT NOT NULL,
  PRIMARY KEY (user_id, publisher_id, message_id)
);
)sql"},
    // Charge point approval (issue 10): a pile registered unapproved is answered
    // BootNotification Pending until its operator approves it. Existing piles stay approved.
    Migration{10, R"sql(
ALTER TABLE charge_points ADD COLUMN approved BOOLEAN NOT NULL DEFAULT TRUE;
)sql"},
    // Issue 11: the publishers an owner named as serving a vehicle (its owner is then their
    // customer). Gone with the vehicle; emptied when the vehicle changes hands.
    Migration{11, R"sql(
CREATE TABLE vehicle_service_providers (
  vehicle_id   TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  publisher_id TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (vehicle_id, publisher_id)
);
CREATE INDEX vehicle_service_providers_by_publisher ON vehicle_service_providers(publisher_id);
)sql"},
    // Issue 11: publisher statistics in distinct receivers (sqlite/migrations.cpp says why).
    Migration{12, R"sql(
DROP TABLE publisher_message_stats;
CREATE TABLE publisher_message_reach (
  publisher_id TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  reach        TEXT NOT NULL,
  PRIMARY KEY (publisher_id, message_id)
);
CREATE TABLE publisher_inbox_cursors (
  user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  synced_seq BIGINT NOT NULL,
  synced_at  BIGINT NOT NULL
);
CREATE INDEX publisher_inbox_cursors_by_seq ON publisher_inbox_cursors(synced_seq);
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

#include "storage/sqlite/migrations.hpp"

#include <array>
#include <string>

namespace paddock::storage::sqlite {
namespace {

struct Migration {
  int version;
  const char* sql;
};

constexpr std::array kMigrations = {
    Migration{1, R"sql(
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
CREATE TABLE devices (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  is_primary  INTEGER NOT NULL DEFAULT 0,
  verified_at INTEGER,
  created_at  INTEGER NOT NULL
);
CREATE INDEX devices_by_user ON devices(user_id, created_at);
CREATE TABLE device_challenges (
  device_id  TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  nonce      TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_challenges_by_expiry ON device_challenges(expires_at);
)sql"},
    Migration{2, R"sql(
CREATE TABLE vehicles (
  id                TEXT PRIMARY KEY,
  owner_id          TEXT NOT NULL REFERENCES users(id),
  vin               TEXT UNIQUE,
  plate_number      TEXT,
  plate_region      TEXT,
  plate_key         TEXT UNIQUE,
  nickname          TEXT NOT NULL,
  visibility        TEXT NOT NULL,
  requires_approval INTEGER NOT NULL DEFAULT 0,
  last_message_seq  INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL
);
CREATE INDEX vehicles_by_owner ON vehicles(owner_id, created_at);
CREATE TABLE vehicle_members (
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  added_at   INTEGER NOT NULL,
  PRIMARY KEY (vehicle_id, user_id)
);
CREATE INDEX vehicle_members_by_user ON vehicle_members(user_id);
CREATE TABLE messages (
  id         TEXT PRIMARY KEY,
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  type       INTEGER NOT NULL,
  text       TEXT NOT NULL,
  attributes TEXT NOT NULL,
  author_id  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER,
  UNIQUE (vehicle_id, seq)
);
CREATE TABLE follows (
  id          TEXT PRIMARY KEY,
  vehicle_id  TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  follower_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status      TEXT NOT NULL,
  types       INTEGER NOT NULL,
  approved    INTEGER NOT NULL DEFAULT 0,
  muted       INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  UNIQUE (vehicle_id, follower_id)
);
CREATE INDEX follows_by_follower ON follows(follower_id, created_at);
CREATE TABLE follow_confirmations (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  types      INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX follow_confirmations_by_expiry ON follow_confirmations(expires_at);
-- The feed log. AUTOINCREMENT: a seq is never reused, so cursors stay valid after deletes.
CREATE TABLE events (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  vehicle_id   TEXT NOT NULL,
  target_user  TEXT,
  type         TEXT NOT NULL,
  message_type INTEGER,
  message_id   TEXT,
  payload      TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX events_by_vehicle ON events(vehicle_id, seq) WHERE target_user IS NULL;
CREATE INDEX events_by_user ON events(target_user, seq) WHERE target_user IS NOT NULL;
CREATE INDEX events_by_message ON events(message_id) WHERE message_id IS NOT NULL;
)sql"},
    // Single-use secrets: one table for every purpose (device challenges and follow
    // confirmations move in, with their payloads). The feed log: events may belong to a user
    // alone (vehicle_id nullable) and to one of their devices (target_device). SQLite cannot
    // drop NOT NULL, so events is rebuilt; its AUTOINCREMENT high-water mark is carried over so
    // that no seq (cursor) is ever issued twice.
    Migration{3, R"sql(
CREATE TABLE single_use_secrets (
  purpose    TEXT NOT NULL,
  key        TEXT NOT NULL,
  payload    TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (purpose, key)
);
CREATE INDEX single_use_secrets_by_expiry ON single_use_secrets(expires_at);
INSERT INTO single_use_secrets (purpose, key, payload, expires_at)
  SELECT 'device_challenge', device_id || ':' || nonce, device_id, expires_at
  FROM device_challenges;
INSERT INTO single_use_secrets (purpose, key, payload, expires_at)
  SELECT 'follow_confirmation', token_hash,
         json_object('user_id', user_id, 'vehicle_id', vehicle_id, 'types', types), expires_at
  FROM follow_confirmations;
DROP TABLE device_challenges;
DROP TABLE follow_confirmations;

CREATE TABLE events_v3 (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  vehicle_id    TEXT,
  target_user   TEXT,
  target_device TEXT,
  type          TEXT NOT NULL,
  message_type  INTEGER,
  message_id    TEXT,
  payload       TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);
INSERT INTO events_v3 (seq, vehicle_id, target_user, type, message_type, message_id, payload,
                       created_at)
  SELECT seq, vehicle_id, target_user, type, message_type, message_id, payload, created_at
  FROM events;
DELETE FROM sqlite_sequence WHERE name = 'events_v3';
INSERT INTO sqlite_sequence (name, seq) SELECT 'events_v3', seq FROM sqlite_sequence
  WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_by_vehicle ON events(vehicle_id, seq) WHERE target_user IS NULL;
CREATE INDEX events_by_user ON events(target_user, seq) WHERE target_user IS NOT NULL;
CREATE INDEX events_by_message ON events(message_id) WHERE message_id IS NOT NULL;
)sql"},
    // Keys: a user's contacts and the relationship they give each (one-directional).
    Migration{4, R"sql(
CREATE TABLE contacts (
  owner_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  contact_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  relationship TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (owner_id, contact_id)
);
)sql"},
    // Keys: shared keys and their credentials, each vehicle's key audit log, and its
    // revocation-list version. The version table has no foreign key: a version never goes back,
    // even when a vehicle's rows are deleted.
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
  not_before            INTEGER NOT NULL,
  not_after             INTEGER NOT NULL,
  max_uses              INTEGER,
  note                  TEXT NOT NULL,
  via_share_id          TEXT,
  credential            TEXT,
  credential_id         TEXT,
  kid                   TEXT,
  credential_expires_at INTEGER,
  issued_at             INTEGER,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
);
CREATE INDEX key_shares_by_vehicle ON key_shares(vehicle_id, created_at);
CREATE INDEX key_shares_by_recipient ON key_shares(recipient_id, vehicle_id);
CREATE UNIQUE INDEX key_shares_by_credential ON key_shares(vehicle_id, credential_id)
  WHERE credential_id IS NOT NULL;
CREATE TABLE key_audit (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  vehicle_id    TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  share_id      TEXT,
  credential_id TEXT,
  actor_kind    TEXT NOT NULL,
  actor_id      TEXT NOT NULL,
  action        TEXT NOT NULL,
  detail        TEXT NOT NULL,
  at            INTEGER NOT NULL
);
CREATE INDEX key_audit_by_vehicle ON key_audit(vehicle_id, seq);
CREATE TABLE key_revocation_versions (
  vehicle_id TEXT PRIMARY KEY,
  version    INTEGER NOT NULL
);
)sql"},
    // Keys, the car's side: the head units an owner registered for a vehicle, each with its
    // Ed25519 key and the highest signed-report counter accepted from it (replays are refused).
    Migration{6, R"sql(
CREATE TABLE head_units (
  id                  TEXT PRIMARY KEY,
  vehicle_id          TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  name                TEXT NOT NULL,
  public_key          TEXT NOT NULL,
  last_report_counter INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL
);
CREATE INDEX head_units_by_vehicle ON head_units(vehicle_id, created_at);
)sql"},
    // Links: QR-code link sessions between two terminals (issue 9). Secrets and watch tokens
    // are kept only as hashes.
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
  secret_expires_at    INTEGER NOT NULL,
  watch_token_hash     TEXT NOT NULL,
  failed_attempts      INTEGER NOT NULL DEFAULT 0,
  claimant_user        TEXT REFERENCES users(id) ON DELETE CASCADE,
  claimant_device      TEXT,
  claim_address        TEXT,
  claimed_at           INTEGER,
  signed_in_device     TEXT,
  session_hash         TEXT,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
);
CREATE INDEX links_by_creator ON links(creator_user, created_at) WHERE creator_user IS NOT NULL;
CREATE INDEX links_by_claimant ON links(claimant_user, created_at) WHERE claimant_user IS NOT NULL;
-- A personal event may expire (a push between terminals): past it, the log no longer serves it.
ALTER TABLE events ADD COLUMN expires_at INTEGER;
)sql"},
    // OCPP: operators, charge points (password hashed), connectors, transactions (issue 10);
    // anti-theft: a vehicle's low-charge threshold, its idTags, its SoC against the threshold.
    // SoC is kept in hundredths of a percent, an integer.
    Migration{8, R"sql(
CREATE TABLE operators (
  user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  granted_at INTEGER NOT NULL
);
CREATE TABLE charge_points (
  id                TEXT PRIMARY KEY,
  password_hash     TEXT NOT NULL,
  vendor            TEXT NOT NULL,
  model             TEXT NOT NULL,
  registered_by     TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  last_boot_at      INTEGER,
  last_heartbeat_at INTEGER,
  firmware_version  TEXT NOT NULL DEFAULT '',
  serial_number     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE charge_point_connectors (
  charge_point_id TEXT NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
  connector_id    INTEGER NOT NULL,
  status          TEXT NOT NULL,
  error_code      TEXT NOT NULL,
  info            TEXT NOT NULL,
  status_at       INTEGER NOT NULL,
  PRIMARY KEY (charge_point_id, connector_id)
);
CREATE TABLE charge_transactions (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  charge_point_id TEXT NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
  connector_id    INTEGER NOT NULL,
  id_tag          TEXT NOT NULL,
  meter_start     INTEGER NOT NULL,
  started_at      INTEGER NOT NULL,
  meter_stop      INTEGER,
  stopped_at      INTEGER,
  stop_reason     TEXT NOT NULL DEFAULT '',
  soc_centi       INTEGER,
  soc_at          INTEGER,
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
  created_at    INTEGER NOT NULL
);
CREATE TABLE antitheft_settings (
  vehicle_id                   TEXT PRIMARY KEY REFERENCES vehicles(id) ON DELETE CASCADE,
  low_charge_threshold_percent INTEGER NOT NULL,
  updated_at                   INTEGER NOT NULL,
  vehicle_platform_id          TEXT REFERENCES vehicle_platforms(id)
);
CREATE TABLE vehicle_telemetry (
  vehicle_id          TEXT PRIMARY KEY REFERENCES vehicles(id) ON DELETE CASCADE,
  vehicle_platform_id TEXT NOT NULL,
  soc_centi           INTEGER NOT NULL,
  position            TEXT,
  speed_kmh           TEXT,
  odometer_km         TEXT,
  at                  INTEGER NOT NULL
);
CREATE TABLE antitheft_id_tags (
  id_tag     TEXT PRIMARY KEY,
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  position   INTEGER NOT NULL
);
CREATE INDEX antitheft_id_tags_by_vehicle ON antitheft_id_tags(vehicle_id, position);
CREATE TABLE vehicle_locks (
  id              TEXT PRIMARY KEY,
  vehicle_id      TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  state           TEXT NOT NULL,
  reason          TEXT NOT NULL,
  requested_by    TEXT NOT NULL,
  charge_point_id TEXT,
  connector_id    INTEGER NOT NULL,
  transaction_id  INTEGER,
  levers          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  reversal_pending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vehicle_locks_by_vehicle ON vehicle_locks(vehicle_id, created_at);
CREATE INDEX vehicle_locks_live_by_pile ON vehicle_locks(charge_point_id)
  WHERE state <> 'released';
CREATE TABLE vehicle_lock_audit (
  lock_id TEXT NOT NULL REFERENCES vehicle_locks(id) ON DELETE CASCADE,
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  state   TEXT NOT NULL,
  note    TEXT NOT NULL
);
CREATE INDEX vehicle_lock_audit_by_lock ON vehicle_lock_audit(lock_id, seq);
CREATE TABLE vehicle_charge_state (
  vehicle_id TEXT PRIMARY KEY REFERENCES vehicles(id) ON DELETE CASCADE,
  below      INTEGER NOT NULL,
  soc_centi  INTEGER NOT NULL,
  at         INTEGER NOT NULL
);
)sql"},
    // The publisher hub. A message is one row whatever its audience; targeted messages add a
    // row per receiver, public ones none. publisher_sequence numbers every message change (the
    // inbox cursor); a withdrawn message stays as a tombstone so receivers that hold it learn.
    Migration{9, R"sql(
CREATE TABLE publishers (
  registration_id TEXT PRIMARY KEY,
  id              TEXT UNIQUE,
  name            TEXT NOT NULL,
  kind            TEXT NOT NULL,
  contact         TEXT NOT NULL,
  public_key      TEXT,
  status          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE TABLE publisher_secrets (
  registration_id TEXT NOT NULL REFERENCES publishers(registration_id) ON DELETE CASCADE,
  serial          INTEGER NOT NULL,
  sealed          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER,
  PRIMARY KEY (registration_id, serial)
);
CREATE TABLE publisher_sequence (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  last INTEGER NOT NULL
);
INSERT INTO publisher_sequence (id, last) VALUES (1, 0);
CREATE TABLE publisher_messages (
  publisher_id TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  seq          INTEGER NOT NULL UNIQUE,
  first_seq    INTEGER NOT NULL,
  is_public    INTEGER NOT NULL,
  category     TEXT NOT NULL,
  title        TEXT NOT NULL,
  body         TEXT NOT NULL,
  data         TEXT NOT NULL,
  expires_at   INTEGER,
  version      INTEGER NOT NULL,
  withdrawn    INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (publisher_id, message_id)
);
CREATE INDEX publisher_messages_public ON publisher_messages(seq) WHERE is_public = 1;
CREATE TABLE publisher_receivers (
  publisher_id TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  read_at      INTEGER,
  PRIMARY KEY (publisher_id, message_id, user_id)
);
CREATE INDEX publisher_receivers_by_user ON publisher_receivers(user_id);
CREATE TABLE publisher_subscriptions (
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  publisher_id TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
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
  delivered    INTEGER NOT NULL DEFAULT 0,
  synced       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (publisher_id, message_id)
);
CREATE TABLE publisher_public_reads (
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  publisher_id TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  read_at      INTEGER NOT NULL,
  PRIMARY KEY (user_id, publisher_id, message_id)
);
)sql"},
    // Charge point approval (issue 10): a pile registered unapproved is answered
    // BootNotification Pending until its operator approves it. Existing piles stay approved.
    Migration{10, R"sql(
ALTER TABLE charge_points ADD COLUMN approved INTEGER NOT NULL DEFAULT 1;
)sql"},
    // Issue 11: the publishers an owner named as serving a vehicle (its owner is then their
    // customer). Gone with the vehicle; emptied when the vehicle changes hands.
    Migration{11, R"sql(
CREATE TABLE vehicle_service_providers (
  vehicle_id   TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  publisher_id TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (vehicle_id, publisher_id)
);
CREATE INDEX vehicle_service_providers_by_publisher ON vehicle_service_providers(publisher_id);
)sql"},
    // Issue 11: publisher statistics in distinct receivers. The old table counted events
    // (streams, syncs), which no one can turn into receivers, so it goes. Live reach is one
    // sketch per message (publishers/reach_sketch.hpp); synced is counted from one inbox
    // cursor per receiver.
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
  synced_seq INTEGER NOT NULL,
  synced_at  INTEGER NOT NULL
);
CREATE INDEX publisher_inbox_cursors_by_seq ON publisher_inbox_cursors(synced_seq);
)sql"},
};

}  // namespace

int latest_schema_version() { return kMigrations.back().version; }

int current_schema_version(Connection& db) {
  auto& stmt = db.cached("PRAGMA user_version");
  stmt.bind();
  int version = stmt.step() ? static_cast<int>(stmt.integer(0)) : 0;
  stmt.reset();
  return version;
}

int migrate(Connection& db, int up_to) {
  db.exec("BEGIN IMMEDIATE");
  try {
    int version = current_schema_version(db);
    if (version > latest_schema_version()) {
      throw SqliteError(0, "database schema version " + std::to_string(version) +
                               " is newer than this build (" +
                               std::to_string(latest_schema_version()) + ")");
    }
    for (const auto& m : kMigrations) {
      if (m.version <= version || m.version > up_to) continue;
      db.exec(m.sql);
      db.exec(("PRAGMA user_version = " + std::to_string(m.version)).c_str());
      version = m.version;
    }
    db.exec("COMMIT");
    return version;
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

}  // namespace paddock::storage::sqlite

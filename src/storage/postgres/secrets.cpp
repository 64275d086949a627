// PostgreSQL: single-use secrets of every purpose, in one table keyed by (purpose, key) (the
// twin of sqlite/secrets.cpp).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<void> PgSecrets::put_secret(const SecretRecord& secret) {
  return guarded(link_, "put_secret", [&](Connection& db) {
    // SQLite's INSERT OR REPLACE: a new secret under the same key replaces the old one.
    db.query("INSERT INTO single_use_secrets (purpose, key, payload, expires_at) "
             "VALUES ($1, $2, $3, $4) ON CONFLICT (purpose, key) DO UPDATE SET "
             "payload = excluded.payload, expires_at = excluded.expires_at",
             secret.purpose, secret.key, secret.payload, secret.expires_at);
  });
}

Result<std::optional<SecretRecord>> PgSecrets::take_secret(std::string_view purpose,
                                                           std::string_view key,
                                                           UnixMillis now) {
  return guarded(link_, "take_secret", [&](Connection& db) -> std::optional<SecretRecord> {
    // One statement: of two nodes deleting the same row, the second waits for the first to
    // commit and then finds nothing, so a secret is handed out at most once.
    auto rows = db.query("DELETE FROM single_use_secrets WHERE purpose = $1 AND key = $2 "
                         "RETURNING purpose, key, payload, expires_at",
                         purpose, key);
    if (rows.empty()) return std::nullopt;
    SecretRecord secret{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2), rows.integer(0, 3)};
    // An expired secret is spent all the same: taking it removes it.
    if (secret.expires_at <= now) return std::nullopt;
    return secret;
  });
}

Result<std::size_t> PgSecrets::purge_expired_secrets(UnixMillis now) {
  return guarded(link_, "purge_expired_secrets", [&](Connection& db) {
    return static_cast<std::size_t>(
        db.query("DELETE FROM single_use_secrets WHERE expires_at <= $1", now).affected());
  });
}

}  // namespace paddock::storage::postgres

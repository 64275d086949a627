// SQLite: single-use secrets of every purpose, in one table keyed by (purpose, key).
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {

Result<void> SqliteSecrets::put_secret(const SecretRecord& secret) {
  return guarded(link_, "put_secret", [&](Connection& db) {
    run(db.cached("INSERT OR REPLACE INTO single_use_secrets (purpose, key, payload, expires_at) "
                  "VALUES (?, ?, ?, ?)")
            .bind(secret.purpose, secret.key, secret.payload, secret.expires_at));
  });
}

Result<std::optional<SecretRecord>> SqliteSecrets::take_secret(std::string_view purpose,
                                                               std::string_view key,
                                                               UnixMillis now) {
  return guarded(link_, "take_secret", [&](Connection& db) -> std::optional<SecretRecord> {
    auto& s = db.cached(
                    "DELETE FROM single_use_secrets WHERE purpose = ? AND key = ? "
                    "RETURNING purpose, key, payload, expires_at")
                  .bind(purpose, key);
    ResetOnExit guard{s};
    if (!s.step()) return std::nullopt;
    SecretRecord secret{s.text(0), s.text(1), s.text(2), s.integer(3)};
    s.run();  // RETURNING statements must run to completion before the delete takes effect
    if (secret.expires_at <= now) return std::nullopt;
    return secret;
  });
}

Result<std::size_t> SqliteSecrets::purge_expired_secrets(UnixMillis now) {
  return guarded(link_, "purge_expired_secrets", [&](Connection& db) {
    run(db.cached("DELETE FROM single_use_secrets WHERE expires_at <= ?").bind(now));
    return static_cast<std::size_t>(db.changes());
  });
}

}  // namespace paddock::storage::sqlite

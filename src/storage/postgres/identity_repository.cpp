// PostgreSQL: identity's users and sessions (the twin of sqlite/identity_repository.cpp).
#include "identity/errors.hpp"
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define USER_COLUMNS "id, username, display_name, password_hash, created_at"

UserRecord read_user(const Rows& r, int i) {
  return UserRecord{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.integer(i, 4)};
}

}  // namespace

Result<std::optional<UserRecord>> PgIdentity::user_by_id(std::string_view id) {
  return guarded(link_, "user_by_id", [&](Connection& db) {
    return one<UserRecord>(db.query("SELECT " USER_COLUMNS " FROM users WHERE id = $1", id),
                           read_user);
  });
}

Result<std::optional<UserRecord>> PgIdentity::user_by_username(std::string_view username) {
  return guarded(link_, "user_by_username", [&](Connection& db) {
    return one<UserRecord>(
        db.query("SELECT " USER_COLUMNS " FROM users WHERE username = $1", username), read_user);
  });
}

Result<std::optional<SessionRecord>> PgIdentity::session_by_token_hash(
    std::string_view token_hash) {
  return guarded(link_, "session_by_token_hash", [&](Connection& db) {
    return one<SessionRecord>(
        db.query("SELECT token_hash, user_id, created_at, expires_at FROM sessions "
                 "WHERE token_hash = $1",
                 token_hash),
        [](const Rows& r, int i) {
          return SessionRecord{r.text(i, 0), r.text(i, 1), r.integer(i, 2), r.integer(i, 3)};
        });
  });
}

Result<void> PgIdentity::insert_user(const UserRecord& u) {
  return guarded(link_, "insert_user", [&](Connection& db) -> Result<void> {
    // Two nodes racing for one username: the unique index decides, the loser sees 0 rows (the
    // statement waits for the winner's transaction to end, so a rolled-back winner frees it).
    auto inserted = db.query("INSERT INTO users (" USER_COLUMNS ") VALUES ($1, $2, $3, $4, $5) "
                             "ON CONFLICT (username) DO NOTHING",
                             u.id, u.username, u.display_name, u.password_hash, u.created_at);
    if (inserted.affected() == 0) {
      return make_error(identity::kUsernameTaken, "the username '" + u.username + "' is taken",
                        "username");
    }
    return {};
  });
}

Result<void> PgIdentity::insert_session(const SessionRecord& r) {
  return guarded(link_, "insert_session", [&](Connection& db) {
    db.query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
             "VALUES ($1, $2, $3, $4)",
             r.token_hash, r.user_id, r.created_at, r.expires_at);
  });
}

Result<bool> PgIdentity::delete_session(std::string_view token_hash) {
  return guarded(link_, "delete_session", [&](Connection& db) {
    return db.query("DELETE FROM sessions WHERE token_hash = $1", token_hash).affected() > 0;
  });
}

Result<std::size_t> PgIdentity::purge_expired_sessions(UnixMillis now) {
  return guarded(link_, "purge_expired_sessions", [&](Connection& db) {
    return static_cast<std::size_t>(
        db.query("DELETE FROM sessions WHERE expires_at < $1", now).affected());
  });
}

}  // namespace paddock::storage::postgres

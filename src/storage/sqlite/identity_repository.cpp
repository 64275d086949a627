// SQLite: identity's users and sessions.
#include "identity/errors.hpp"
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define USER_COLUMNS "id, username, display_name, password_hash, created_at"

UserRecord read_user(const Statement& s) {
  return UserRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
}

}  // namespace

Result<std::optional<UserRecord>> SqliteIdentity::user_by_id(std::string_view id) {
  if (sessions_version_) {
    if (auto hit = users_.find(id); hit != users_.end()) return std::optional(hit->second);
  }
  auto found = guarded(link_, "user_by_id", [&](Connection& db) {
    return one<UserRecord>(db.cached("SELECT " USER_COLUMNS " FROM users WHERE id = ?").bind(id),
                           read_user);
  });
  if (sessions_version_ && found && *found) {
    if (users_.size() >= kMaxCached) users_.clear();
    users_.insert_or_assign(std::string(id), **found);
  }
  return found;
}

Result<std::optional<UserRecord>> SqliteIdentity::user_by_username(std::string_view username) {
  return guarded(link_, "user_by_username", [&](Connection& db) {
    return one<UserRecord>(
        db.cached("SELECT " USER_COLUMNS " FROM users WHERE username = ?").bind(username),
        read_user);
  });
}

Result<std::optional<SessionRecord>> SqliteIdentity::session_by_token_hash(
    std::string_view token_hash) {
  if (!sessions_version_) return read_session(token_hash);
  // The version is taken before the read: a deletion committed meanwhile makes this entry old.
  std::uint64_t version = sessions_version_->value.load(std::memory_order_acquire);
  if (auto hit = sessions_.find(token_hash); hit != sessions_.end()) {
    if (hit->version == version) return std::optional(hit->record);
    sessions_.erase(hit);
  }
  auto found = read_session(token_hash);
  if (found && *found) {
    if (sessions_.size() >= kMaxCached) sessions_.clear();
    // Nothing cached under this hash now (a stale entry was erased above).
    sessions_.insert(CachedSession{**found, version});
  }
  return found;
}

Result<std::optional<SessionRecord>> SqliteIdentity::read_session(std::string_view token_hash) {
  return guarded(link_, "session_by_token_hash", [&](Connection& db) {
    return one<SessionRecord>(
        db.cached("SELECT token_hash, user_id, created_at, expires_at FROM sessions "
                  "WHERE token_hash = ?")
            .bind(token_hash),
        [](const Statement& s) {
          return SessionRecord{s.text(0), s.text(1), s.integer(2), s.integer(3)};
        });
  });
}

Result<void> SqliteIdentity::insert_user(const UserRecord& u) {
  return guarded(link_, "insert_user", [&](Connection& db) -> Result<void> {
    run(db.cached("INSERT INTO users (" USER_COLUMNS ") VALUES (?, ?, ?, ?, ?) "
                  "ON CONFLICT (username) DO NOTHING")
            .bind(u.id, u.username, u.display_name, u.password_hash, u.created_at));
    if (db.changes() == 0) {
      return make_error(identity::kUsernameTaken, "the username '" + u.username + "' is taken",
                        "username");
    }
    return {};
  });
}

Result<void> SqliteIdentity::insert_session(const SessionRecord& r) {
  return guarded(link_, "insert_session", [&](Connection& db) {
    run(db.cached("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                  "VALUES (?, ?, ?, ?)")
            .bind(r.token_hash, r.user_id, r.created_at, r.expires_at));
  });
}

Result<bool> SqliteIdentity::delete_session(std::string_view token_hash) {
  return guarded(link_, "delete_session", [&](Connection& db) {
    run(db.cached("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash));
    deleted_sessions_ = deleted_sessions_ || db.changes() > 0;
    return db.changes() > 0;
  });
}

Result<std::size_t> SqliteIdentity::purge_expired_sessions(UnixMillis now) {
  return guarded(link_, "purge_expired_sessions", [&](Connection& db) {
    run(db.cached("DELETE FROM sessions WHERE expires_at < ?").bind(now));
    return static_cast<std::size_t>(db.changes());
  });
}

}  // namespace paddock::storage::sqlite

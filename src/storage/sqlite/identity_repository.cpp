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

std::optional<SqliteIdentity::TokenDigest> SqliteIdentity::token_digest(
    std::string_view token_hash) {
  TokenDigest digest;
  if (token_hash.size() != 2 * digest.size()) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case too: the cached record gives the hash back in lower case
  };
  for (std::size_t i = 0; i < digest.size(); ++i) {
    int high = nibble(token_hash[2 * i]);
    int low = nibble(token_hash[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return digest;
}

Result<std::optional<SessionRecord>> SqliteIdentity::session_by_token_hash(
    std::string_view token_hash) {
  if (!sessions_version_) return read_session(token_hash);
  if (auto digest = token_digest(token_hash)) return cached_session(sessions_, *digest, token_hash);
  return cached_session(other_sessions_, token_hash, token_hash);
}

template <class Cache, class Key>
Result<std::optional<SessionRecord>> SqliteIdentity::cached_session(Cache& cache, const Key& key,
                                                                    std::string_view token_hash) {
  // The version is taken before the read: a deletion committed meanwhile makes this entry old.
  std::uint64_t version = sessions_version_->value.load(std::memory_order_acquire);
  if (auto hit = cache.find(key); hit != cache.end()) {
    const CachedSession& c = hit->second;
    if (c.version == version) {
      return std::optional(
          SessionRecord{std::string(token_hash), c.user_id, c.created_at, c.expires_at});
    }
    cache.erase(hit);
  }
  auto found = read_session(token_hash);
  if (found && *found) {
    if (cache.size() >= kMaxCached) cache.clear();
    const SessionRecord& r = **found;
    cache.insert_or_assign(typename Cache::key_type(key),
                           CachedSession{r.user_id, r.created_at, r.expires_at, version});
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

#include "storage/sqlite/queries.hpp"

namespace paddock::storage::sqlite {
namespace {

// Resets a cached statement when the caller is done with its row, even on early return.
struct ResetOnExit {
  Statement& stmt;
  ~ResetOnExit() { stmt.reset(); }
};

constexpr const char* kUserColumns = "id, username, display_name, password_hash, created_at";

UserRecord read_user(const Statement& s) {
  return UserRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
}

DeviceRecord read_device(const Statement& s) {
  DeviceRecord d{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5) != 0,
                 std::nullopt, s.integer(7)};
  if (!s.is_null(6)) d.verified_at = s.integer(6);
  return d;
}

#define DEVICE_COLUMNS "id, user_id, name, kind, public_key, is_primary, verified_at, created_at"

}  // namespace

std::optional<UserRecord> Queries::user_by_id(std::string_view id) {
  static const std::string sql = std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?";
  auto& s = db_.cached(sql.c_str()).bind(id);
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<UserRecord> Queries::user_by_username(std::string_view username) {
  static const std::string sql =
      std::string("SELECT ") + kUserColumns + " FROM users WHERE username = ?";
  auto& s = db_.cached(sql.c_str()).bind(username);
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<SessionRecord> Queries::session_by_token_hash(std::string_view token_hash) {
  auto& s = db_.cached(
                   "SELECT token_hash, user_id, created_at, expires_at FROM sessions "
                   "WHERE token_hash = ?")
                .bind(token_hash);
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  return SessionRecord{s.text(0), s.text(1), s.integer(2), s.integer(3)};
}

std::vector<DeviceRecord> Queries::devices_of_user(std::string_view user_id) {
  auto& s = db_.cached("SELECT " DEVICE_COLUMNS
                       " FROM devices WHERE user_id = ? ORDER BY created_at, rowid")
                .bind(user_id);
  ResetOnExit guard{s};
  std::vector<DeviceRecord> out;
  while (s.step()) out.push_back(read_device(s));
  return out;
}

std::optional<DeviceRecord> Queries::device_by_id(std::string_view id) {
  auto& s = db_.cached("SELECT " DEVICE_COLUMNS " FROM devices WHERE id = ?").bind(id);
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  return read_device(s);
}

std::optional<ChallengeRecord> Queries::challenge(std::string_view device_id,
                                                  std::string_view nonce) {
  auto& s = db_.cached(
                   "SELECT device_id, nonce, expires_at FROM device_challenges "
                   "WHERE device_id = ? AND nonce = ?")
                .bind(device_id, nonce);
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  return ChallengeRecord{s.text(0), s.text(1), s.integer(2)};
}

Result<void> Queries::insert_user(const UserRecord& u) {
  auto& s = db_.cached(
                   "INSERT INTO users (id, username, display_name, password_hash, created_at) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING")
                .bind(u.id, u.username, u.display_name, u.password_hash, u.created_at);
  ResetOnExit guard{s};
  s.run();
  if (db_.changes() == 0) {
    return make_error(Errc::username_taken, "the username '" + u.username + "' is taken",
                      "username");
  }
  return {};
}

void Queries::insert_session(const SessionRecord& r) {
  auto& s = db_.cached(
                   "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                   "VALUES (?, ?, ?, ?)")
                .bind(r.token_hash, r.user_id, r.created_at, r.expires_at);
  ResetOnExit guard{s};
  s.run();
}

bool Queries::delete_session(std::string_view token_hash) {
  auto& s = db_.cached("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash);
  ResetOnExit guard{s};
  s.run();
  return db_.changes() > 0;
}

void Queries::insert_device(const DeviceRecord& d) {
  auto& s = db_.cached("INSERT INTO devices (" DEVICE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(d.id, d.user_id, d.name, d.kind, d.public_key, d.primary, d.verified_at,
                      d.created_at);
  ResetOnExit guard{s};
  s.run();
}

void Queries::clear_primary_devices(std::string_view user_id) {
  auto& s = db_.cached("UPDATE devices SET is_primary = 0 WHERE user_id = ? AND is_primary = 1")
                .bind(user_id);
  ResetOnExit guard{s};
  s.run();
}

bool Queries::delete_device(std::string_view device_id, std::string_view user_id) {
  auto& s = db_.cached("DELETE FROM devices WHERE id = ? AND user_id = ?").bind(device_id, user_id);
  ResetOnExit guard{s};
  s.run();
  return db_.changes() > 0;
}

void Queries::mark_device_verified(std::string_view device_id, UnixMillis at) {
  auto& s = db_.cached("UPDATE devices SET verified_at = ? WHERE id = ?").bind(at, device_id);
  ResetOnExit guard{s};
  s.run();
}

void Queries::insert_challenge(const ChallengeRecord& c) {
  auto& s = db_.cached(
                   "INSERT INTO device_challenges (device_id, nonce, expires_at) VALUES (?, ?, ?)")
                .bind(c.device_id, c.nonce, c.expires_at);
  ResetOnExit guard{s};
  s.run();
}

std::optional<ChallengeRecord> Queries::take_challenge(std::string_view device_id,
                                                       std::string_view nonce) {
  auto& s = db_.cached(
                   "DELETE FROM device_challenges WHERE device_id = ? AND nonce = ? "
                   "RETURNING device_id, nonce, expires_at")
                .bind(device_id, nonce);
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  ChallengeRecord c{s.text(0), s.text(1), s.integer(2)};
  s.run();  // RETURNING statements must run to completion before the delete takes effect
  return c;
}

std::size_t Queries::purge_expired(UnixMillis now) {
  std::size_t removed = 0;
  for (const char* sql : {"DELETE FROM sessions WHERE expires_at < ?",
                          "DELETE FROM device_challenges WHERE expires_at < ?"}) {
    auto& s = db_.cached(sql).bind(now);
    ResetOnExit guard{s};
    s.run();
    removed += static_cast<std::size_t>(db_.changes());
  }
  return removed;
}

}  // namespace paddock::storage::sqlite

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

#define VEHICLE_COLUMNS                                                                    \
  "id, owner_id, vin, plate_number, plate_region, plate_key, nickname, visibility, " \
  "requires_approval, last_message_seq, created_at"
#define MESSAGE_COLUMNS \
  "id, vehicle_id, seq, type, text, attributes, author_id, created_at, updated_at"
#define FOLLOW_COLUMNS "id, vehicle_id, follower_id, status, types, approved, muted, created_at"
#define EVENT_COLUMNS \
  "seq, vehicle_id, target_user, type, message_type, message_id, payload, created_at"

std::optional<std::string> optional_text(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.text(col);
}

std::optional<std::int64_t> optional_integer(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.integer(col);
}

VehicleRecord read_vehicle(const Statement& s) {
  return VehicleRecord{s.text(0),          s.text(1),          optional_text(s, 2),
                       optional_text(s, 3), optional_text(s, 4), optional_text(s, 5),
                       s.text(6),          s.text(7),          s.integer(8) != 0,
                       s.integer(9),       s.integer(10)};
}

MessageRecord read_message(const Statement& s) {
  return MessageRecord{s.text(0), s.text(1), s.integer(2), static_cast<int>(s.integer(3)),
                       s.text(4), s.text(5), s.text(6),    s.integer(7),
                       optional_integer(s, 8)};
}

FollowRecord read_follow(const Statement& s) {
  return FollowRecord{s.text(0),
                      s.text(1),
                      s.text(2),
                      s.text(3),
                      static_cast<unsigned>(s.integer(4)),
                      s.integer(5) != 0,
                      s.integer(6) != 0,
                      s.integer(7)};
}

EventRecord read_event(const Statement& s) {
  EventRecord e{s.integer(0), s.text(1), optional_text(s, 2), s.text(3),
                std::nullopt, optional_text(s, 5), s.text(6), s.integer(7)};
  if (!s.is_null(4)) e.message_type = static_cast<int>(s.integer(4));
  return e;
}

template <class Record, class Reader>
std::optional<Record> one(Statement& s, Reader read) {
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  return read(s);
}

template <class Record, class Reader>
std::vector<Record> all(Statement& s, Reader read) {
  ResetOnExit guard{s};
  std::vector<Record> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

void run(Statement& s) {
  ResetOnExit guard{s};
  s.run();
}

#define DEVICE_COLUMNS "id, user_id, name, kind, public_key, is_primary, verified_at, created_at"

}  // namespace

std::optional<UserRecord> Queries::user_by_id(std::string_view id) {
  static const std::string sql = std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?";
  return one<UserRecord>(db_.cached(sql.c_str()).bind(id), read_user);
}

std::optional<UserRecord> Queries::user_by_username(std::string_view username) {
  static const std::string sql =
      std::string("SELECT ") + kUserColumns + " FROM users WHERE username = ?";
  return one<UserRecord>(db_.cached(sql.c_str()).bind(username), read_user);
}

std::optional<SessionRecord> Queries::session_by_token_hash(std::string_view token_hash) {
  return one<SessionRecord>(
      db_.cached("SELECT token_hash, user_id, created_at, expires_at FROM sessions "
                 "WHERE token_hash = ?")
          .bind(token_hash),
      [](const Statement& s) {
        return SessionRecord{s.text(0), s.text(1), s.integer(2), s.integer(3)};
      });
}

std::vector<DeviceRecord> Queries::devices_of_user(std::string_view user_id) {
  return all<DeviceRecord>(db_.cached("SELECT " DEVICE_COLUMNS
                                     " FROM devices WHERE user_id = ? ORDER BY created_at, rowid")
                              .bind(user_id),
                          read_device);
}

std::optional<DeviceRecord> Queries::device_by_id(std::string_view id) {
  return one<DeviceRecord>(db_.cached("SELECT " DEVICE_COLUMNS " FROM devices WHERE id = ?").bind(id),
                           read_device);
}

std::optional<ChallengeRecord> Queries::challenge(std::string_view device_id,
                                                  std::string_view nonce) {
  return one<ChallengeRecord>(
      db_.cached("SELECT device_id, nonce, expires_at FROM device_challenges "
                 "WHERE device_id = ? AND nonce = ?")
          .bind(device_id, nonce),
      [](const Statement& s) { return ChallengeRecord{s.text(0), s.text(1), s.integer(2)}; });
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
                          "DELETE FROM device_challenges WHERE expires_at < ?",
                          "DELETE FROM follow_confirmations WHERE expires_at < ?"}) {
    auto& s = db_.cached(sql).bind(now);
    ResetOnExit guard{s};
    s.run();
    removed += static_cast<std::size_t>(db_.changes());
  }
  return removed;
}

std::optional<VehicleRecord> Queries::vehicle_by_id(std::string_view id) {
  return one<VehicleRecord>(
      db_.cached("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE id = ?").bind(id), read_vehicle);
}

std::optional<VehicleRecord> Queries::vehicle_by_vin(std::string_view vin) {
  return one<VehicleRecord>(
      db_.cached("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE vin = ?").bind(vin), read_vehicle);
}

std::optional<VehicleRecord> Queries::vehicle_by_plate_key(std::string_view plate_key) {
  return one<VehicleRecord>(
      db_.cached("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE plate_key = ?").bind(plate_key),
      read_vehicle);
}

std::vector<VehicleRecord> Queries::vehicles_of_member(std::string_view user_id) {
  return all<VehicleRecord>(
      db_.cached("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE owner_id = ?1 OR id IN "
                 "(SELECT vehicle_id FROM vehicle_members WHERE user_id = ?1) "
                 "ORDER BY created_at, rowid")
          .bind(user_id),
      read_vehicle);
}

std::vector<MemberRecord> Queries::members_of(std::string_view vehicle_id) {
  return all<MemberRecord>(
      db_.cached("SELECT vehicle_id, user_id, added_at FROM vehicle_members WHERE vehicle_id = ? "
                 "ORDER BY added_at, rowid")
          .bind(vehicle_id),
      [](const Statement& s) { return MemberRecord{s.text(0), s.text(1), s.integer(2)}; });
}

bool Queries::is_member(std::string_view vehicle_id, std::string_view user_id) {
  auto& s = db_.cached("SELECT 1 FROM vehicle_members WHERE vehicle_id = ? AND user_id = ?")
                .bind(vehicle_id, user_id);
  ResetOnExit guard{s};
  return s.step();
}

std::optional<MessageRecord> Queries::message_by_id(std::string_view id) {
  return one<MessageRecord>(
      db_.cached("SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?").bind(id), read_message);
}

std::vector<MessageRecord> Queries::messages_page(std::string_view vehicle_id, std::int64_t after,
                                                  unsigned types, int limit) {
  return all<MessageRecord>(
      db_.cached("SELECT " MESSAGE_COLUMNS " FROM messages WHERE vehicle_id = ? AND seq > ? "
                 "AND ((? >> type) & 1) = 1 ORDER BY seq LIMIT ?")
          .bind(vehicle_id, after, static_cast<std::int64_t>(types), limit),
      read_message);
}

std::optional<FollowRecord> Queries::follow_by_id(std::string_view id) {
  return one<FollowRecord>(db_.cached("SELECT " FOLLOW_COLUMNS " FROM follows WHERE id = ?").bind(id),
                           read_follow);
}

std::optional<FollowRecord> Queries::follow_of(std::string_view vehicle_id,
                                               std::string_view follower_id) {
  return one<FollowRecord>(
      db_.cached("SELECT " FOLLOW_COLUMNS " FROM follows WHERE vehicle_id = ? AND follower_id = ?")
          .bind(vehicle_id, follower_id),
      read_follow);
}

std::vector<FollowRecord> Queries::follows_of_user(std::string_view follower_id) {
  return all<FollowRecord>(
      db_.cached("SELECT " FOLLOW_COLUMNS " FROM follows WHERE follower_id = ? "
                 "ORDER BY created_at, rowid")
          .bind(follower_id),
      read_follow);
}

std::vector<FollowRecord> Queries::followers_of(std::string_view vehicle_id) {
  return all<FollowRecord>(
      db_.cached("SELECT " FOLLOW_COLUMNS " FROM follows WHERE vehicle_id = ? "
                 "ORDER BY created_at, rowid")
          .bind(vehicle_id),
      read_follow);
}

std::vector<FollowRecord> Queries::all_live_follows() {
  return all<FollowRecord>(
      db_.cached("SELECT " FOLLOW_COLUMNS " FROM follows WHERE status != 'blocked'").bind(),
      read_follow);
}

std::vector<std::pair<std::string, std::string>> Queries::all_vehicle_visibilities() {
  return all<std::pair<std::string, std::string>>(
      db_.cached("SELECT id, visibility FROM vehicles").bind(),
      [](const Statement& s) { return std::make_pair(s.text(0), s.text(1)); });
}

int Queries::count_active_followers(std::string_view vehicle_id) {
  auto& s = db_.cached("SELECT count(*) FROM follows WHERE vehicle_id = ? AND status = 'active'")
                .bind(vehicle_id);
  ResetOnExit guard{s};
  return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

std::vector<EventRecord> Queries::vehicle_events_after(std::string_view vehicle_id,
                                                       std::int64_t after, unsigned types,
                                                       int limit) {
  return all<EventRecord>(
      db_.cached("SELECT " EVENT_COLUMNS " FROM events WHERE vehicle_id = ? AND "
                 "target_user IS NULL AND seq > ? AND ((? >> message_type) & 1) = 1 "
                 "ORDER BY seq LIMIT ?")
          .bind(vehicle_id, after, static_cast<std::int64_t>(types), limit),
      read_event);
}

std::vector<EventRecord> Queries::personal_events_after(std::string_view user_id,
                                                        std::int64_t after, int limit) {
  return all<EventRecord>(
      db_.cached("SELECT " EVENT_COLUMNS " FROM events WHERE target_user = ? AND seq > ? "
                 "ORDER BY seq LIMIT ?")
          .bind(user_id, after, limit),
      read_event);
}

std::int64_t Queries::last_event_seq() {
  // sqlite_sequence remembers the highest seq ever issued, even if that row was deleted.
  auto& s = db_.cached("SELECT seq FROM sqlite_sequence WHERE name = 'events'").bind();
  ResetOnExit guard{s};
  return s.step() ? s.integer(0) : 0;
}

Result<void> Queries::insert_vehicle(const VehicleRecord& v) {
  if ((v.vin && vehicle_by_vin(*v.vin)) || (v.plate_key && vehicle_by_plate_key(*v.plate_key))) {
    return make_error(Errc::identification_taken,
                      "this VIN or plate already belongs to a sharing account");
  }
  run(db_.cached("INSERT INTO vehicles (" VEHICLE_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?)")
          .bind(v.id, v.owner_id, v.vin, v.plate_number, v.plate_region, v.plate_key, v.nickname,
                v.visibility, v.requires_approval, v.last_message_seq, v.created_at));
  return {};
}

void Queries::update_vehicle(const VehicleRecord& v) {
  run(db_.cached("UPDATE vehicles SET owner_id = ?, nickname = ?, visibility = ?, "
                 "requires_approval = ? WHERE id = ?")
          .bind(v.owner_id, v.nickname, v.visibility, v.requires_approval, v.id));
}

void Queries::delete_vehicle(std::string_view vehicle_id) {
  run(db_.cached("DELETE FROM events WHERE vehicle_id = ? AND target_user IS NULL")
          .bind(vehicle_id));
  run(db_.cached("DELETE FROM vehicles WHERE id = ?").bind(vehicle_id));
}

void Queries::put_member(const MemberRecord& m) {
  run(db_.cached("INSERT INTO vehicle_members (vehicle_id, user_id, added_at) VALUES (?, ?, ?) "
                 "ON CONFLICT DO NOTHING")
          .bind(m.vehicle_id, m.user_id, m.added_at));
}

bool Queries::delete_member(std::string_view vehicle_id, std::string_view user_id) {
  run(db_.cached("DELETE FROM vehicle_members WHERE vehicle_id = ? AND user_id = ?")
          .bind(vehicle_id, user_id));
  return db_.changes() > 0;
}

std::int64_t Queries::next_message_seq(std::string_view vehicle_id) {
  auto& s = db_.cached("UPDATE vehicles SET last_message_seq = last_message_seq + 1 "
                       "WHERE id = ? RETURNING last_message_seq")
                .bind(vehicle_id);
  ResetOnExit guard{s};
  if (!s.step()) throw SqliteError(0, "next_message_seq: no such vehicle");
  std::int64_t seq = s.integer(0);
  s.run();
  return seq;
}

void Queries::insert_message(const MessageRecord& m) {
  run(db_.cached("INSERT INTO messages (" MESSAGE_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?)")
          .bind(m.id, m.vehicle_id, m.seq, m.type, m.text, m.attributes, m.author_id,
                m.created_at, m.updated_at));
}

void Queries::update_message(const MessageRecord& m) {
  run(db_.cached("UPDATE messages SET text = ?, attributes = ?, updated_at = ? WHERE id = ?")
          .bind(m.text, m.attributes, m.updated_at, m.id));
}

void Queries::delete_message(std::string_view message_id) {
  run(db_.cached("DELETE FROM messages WHERE id = ?").bind(message_id));
}

void Queries::insert_follow(const FollowRecord& f) {
  run(db_.cached("INSERT INTO follows (" FOLLOW_COLUMNS ") VALUES (?,?,?,?,?,?,?,?)")
          .bind(f.id, f.vehicle_id, f.follower_id, f.status, static_cast<std::int64_t>(f.types),
                f.approved, f.muted, f.created_at));
}

void Queries::update_follow(const FollowRecord& f) {
  run(db_.cached("UPDATE follows SET status = ?, types = ?, approved = ?, muted = ? WHERE id = ?")
          .bind(f.status, static_cast<std::int64_t>(f.types), f.approved, f.muted, f.id));
}

void Queries::delete_follow(std::string_view follow_id) {
  run(db_.cached("DELETE FROM follows WHERE id = ?").bind(follow_id));
}

void Queries::insert_confirmation(const ConfirmationRecord& c) {
  run(db_.cached("INSERT INTO follow_confirmations (token_hash, user_id, vehicle_id, types, "
                 "expires_at) VALUES (?, ?, ?, ?, ?)")
          .bind(c.token_hash, c.user_id, c.vehicle_id, static_cast<std::int64_t>(c.types),
                c.expires_at));
}

std::optional<ConfirmationRecord> Queries::take_confirmation(std::string_view token_hash) {
  auto& s = db_.cached("DELETE FROM follow_confirmations WHERE token_hash = ? "
                       "RETURNING token_hash, user_id, vehicle_id, types, expires_at")
                .bind(token_hash);
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  ConfirmationRecord c{s.text(0), s.text(1), s.text(2), static_cast<unsigned>(s.integer(3)),
                       s.integer(4)};
  s.run();
  return c;
}

std::int64_t Queries::append_event(const EventRecord& e) {
  std::optional<std::int64_t> message_type;
  if (e.message_type) message_type = *e.message_type;
  auto& s = db_.cached("INSERT INTO events (vehicle_id, target_user, type, message_type, "
                       "message_id, payload, created_at) VALUES (?,?,?,?,?,?,?) RETURNING seq")
                .bind(e.vehicle_id, e.target_user, e.type, message_type, e.message_id, e.payload,
                      e.created_at);
  ResetOnExit guard{s};
  if (!s.step()) throw SqliteError(0, "append_event returned no seq");
  std::int64_t seq = s.integer(0);
  s.run();
  return seq;
}

void Queries::delete_message_events(std::string_view message_id) {
  run(db_.cached("DELETE FROM events WHERE message_id = ?").bind(message_id));
}

}  // namespace paddock::storage::sqlite

// SQLite: sharing's vehicles, authorized users, messages and follows.
#include "sharing/errors.hpp"
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define VEHICLE_COLUMNS                                                              \
  "id, owner_id, vin, plate_number, plate_region, plate_key, nickname, visibility, " \
  "requires_approval, last_message_seq, created_at"
#define MESSAGE_COLUMNS \
  "id, vehicle_id, seq, type, text, attributes, author_id, created_at, updated_at"
#define FOLLOW_COLUMNS "id, vehicle_id, follower_id, status, types, approved, muted, created_at"

VehicleRecord read_vehicle(const Statement& s) {
  return VehicleRecord{s.text(0),           s.text(1),           optional_text(s, 2),
                       optional_text(s, 3), optional_text(s, 4), optional_text(s, 5),
                       s.text(6),           s.text(7),           s.integer(8) != 0,
                       s.integer(9),        s.integer(10)};
}

MessageRecord read_message(const Statement& s) {
  return MessageRecord{
      s.text(0), s.text(1), s.integer(2), static_cast<int>(s.integer(3)), s.text(4),
      s.text(5), s.text(6), s.integer(7), optional_integer(s, 8)};
}

FollowRecord read_follow(const Statement& s) {
  return FollowRecord{s.text(0),
                      s.text(1),
                      s.text(2),
                      parse_follow_status(s.text(3)),
                      static_cast<unsigned>(s.integer(4)),
                      s.integer(5) != 0,
                      s.integer(6) != 0,
                      s.integer(7)};
}

std::optional<VehicleRecord> vehicle_where(Connection& db, const char* sql, std::string_view v) {
  return one<VehicleRecord>(db.cached(sql).bind(v), read_vehicle);
}

}  // namespace

Result<std::optional<VehicleRecord>> SqliteSharing::vehicle_by_id(std::string_view id) {
  return guarded(link_, "vehicle_by_id", [&](Connection& db) {
    return vehicle_where(db, "SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE id = ?", id);
  });
}

Result<std::optional<VehicleRecord>> SqliteSharing::vehicle_by_vin(std::string_view vin) {
  return guarded(link_, "vehicle_by_vin", [&](Connection& db) {
    return vehicle_where(db, "SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE vin = ?", vin);
  });
}

Result<std::optional<VehicleRecord>> SqliteSharing::vehicle_by_plate_key(
    std::string_view plate_key) {
  return guarded(link_, "vehicle_by_plate_key", [&](Connection& db) {
    return vehicle_where(db, "SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE plate_key = ?",
                         plate_key);
  });
}

Result<std::vector<VehicleRecord>> SqliteSharing::vehicles_of_member(std::string_view user_id) {
  return guarded(link_, "vehicles_of_member", [&](Connection& db) {
    return all<VehicleRecord>(
        db.cached("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE owner_id = ?1 OR id IN "
                  "(SELECT vehicle_id FROM vehicle_members WHERE user_id = ?1) "
                  "ORDER BY created_at, rowid")
            .bind(user_id),
        read_vehicle);
  });
}

Result<std::vector<MemberRecord>> SqliteSharing::members_of(std::string_view vehicle_id) {
  return guarded(link_, "members_of", [&](Connection& db) {
    return all<MemberRecord>(db.cached("SELECT vehicle_id, user_id, added_at FROM vehicle_members "
                                       "WHERE vehicle_id = ? ORDER BY added_at, rowid")
                                 .bind(vehicle_id),
                             [](const Statement& s) {
                               return MemberRecord{s.text(0), s.text(1), s.integer(2)};
                             });
  });
}

Result<bool> SqliteSharing::is_member(std::string_view vehicle_id, std::string_view user_id) {
  return guarded(link_, "is_member", [&](Connection& db) {
    auto& s = db.cached("SELECT 1 FROM vehicle_members WHERE vehicle_id = ? AND user_id = ?")
                  .bind(vehicle_id, user_id);
    ResetOnExit guard{s};
    return s.step();
  });
}

Result<std::optional<MessageRecord>> SqliteSharing::message_by_id(std::string_view id) {
  return guarded(link_, "message_by_id", [&](Connection& db) {
    return one<MessageRecord>(
        db.cached("SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?").bind(id), read_message);
  });
}

Result<std::vector<MessageRecord>> SqliteSharing::messages_page(std::string_view vehicle_id,
                                                                std::int64_t after, unsigned types,
                                                                int limit) {
  return guarded(link_, "messages_page", [&](Connection& db) {
    return all<MessageRecord>(
        db.cached("SELECT " MESSAGE_COLUMNS " FROM messages WHERE vehicle_id = ? AND seq > ? "
                  "AND ((? >> type) & 1) = 1 ORDER BY seq LIMIT ?")
            .bind(vehicle_id, after, static_cast<std::int64_t>(types), limit),
        read_message);
  });
}

Result<std::optional<FollowRecord>> SqliteSharing::follow_by_id(std::string_view id) {
  return guarded(link_, "follow_by_id", [&](Connection& db) {
    return one<FollowRecord>(
        db.cached("SELECT " FOLLOW_COLUMNS " FROM follows WHERE id = ?").bind(id), read_follow);
  });
}

Result<std::optional<FollowRecord>> SqliteSharing::follow_of(std::string_view vehicle_id,
                                                             std::string_view follower_id) {
  return guarded(link_, "follow_of", [&](Connection& db) {
    return one<FollowRecord>(db.cached("SELECT " FOLLOW_COLUMNS " FROM follows "
                                       "WHERE vehicle_id = ? AND follower_id = ?")
                                 .bind(vehicle_id, follower_id),
                             read_follow);
  });
}

Result<std::vector<FollowRecord>> SqliteSharing::follows_of_user(std::string_view follower_id) {
  return guarded(link_, "follows_of_user", [&](Connection& db) {
    return all<FollowRecord>(db.cached("SELECT " FOLLOW_COLUMNS " FROM follows "
                                       "WHERE follower_id = ? ORDER BY created_at, rowid")
                                 .bind(follower_id),
                             read_follow);
  });
}

Result<std::vector<FollowRecord>> SqliteSharing::followers_of(std::string_view vehicle_id) {
  return guarded(link_, "followers_of", [&](Connection& db) {
    return all<FollowRecord>(db.cached("SELECT " FOLLOW_COLUMNS " FROM follows "
                                       "WHERE vehicle_id = ? ORDER BY created_at, rowid")
                                 .bind(vehicle_id),
                             read_follow);
  });
}

Result<std::vector<FollowRecord>> SqliteSharing::all_live_follows() {
  return guarded(link_, "all_live_follows", [&](Connection& db) {
    return all<FollowRecord>(
        db.cached("SELECT " FOLLOW_COLUMNS " FROM follows WHERE status != 'blocked'").bind(),
        read_follow);
  });
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteSharing::all_vehicle_visibilities() {
  return guarded(link_, "all_vehicle_visibilities", [&](Connection& db) {
    return all<std::pair<std::string, std::string>>(
        db.cached("SELECT id, visibility FROM vehicles").bind(),
        [](const Statement& s) { return std::make_pair(s.text(0), s.text(1)); });
  });
}

Result<int> SqliteSharing::count_active_followers(std::string_view vehicle_id) {
  return guarded(link_, "count_active_followers", [&](Connection& db) {
    auto& s = db.cached("SELECT count(*) FROM follows WHERE vehicle_id = ? AND status = 'active'")
                  .bind(vehicle_id);
    ResetOnExit guard{s};
    return s.step() ? static_cast<int>(s.integer(0)) : 0;
  });
}

Result<void> SqliteSharing::insert_vehicle(const VehicleRecord& v) {
  return guarded(link_, "insert_vehicle", [&](Connection& db) -> Result<void> {
    // The database's unique indexes on vin and plate_key decide, not a lookup first: two
    // writers (or two nodes) registering the same car cannot both succeed.
    run(db.cached("INSERT INTO vehicles (" VEHICLE_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                  "ON CONFLICT DO NOTHING")
            .bind(v.id, v.owner_id, v.vin, v.plate_number, v.plate_region, v.plate_key, v.nickname,
                  v.visibility, v.requires_approval, v.last_message_seq, v.created_at));
    if (db.changes() == 0) {
      return make_error(sharing::kIdentificationTaken,
                        "this VIN or plate already belongs to a sharing account");
    }
    return {};
  });
}

Result<void> SqliteSharing::update_vehicle(const VehicleRecord& v) {
  return guarded(link_, "update_vehicle", [&](Connection& db) {
    run(db.cached("UPDATE vehicles SET owner_id = ?, nickname = ?, visibility = ?, "
                  "requires_approval = ? WHERE id = ?")
            .bind(v.owner_id, v.nickname, v.visibility, v.requires_approval, v.id));
  });
}

Result<void> SqliteSharing::delete_vehicle(std::string_view vehicle_id) {
  return guarded(link_, "delete_vehicle", [&](Connection& db) {
    run(db.cached("DELETE FROM vehicles WHERE id = ?").bind(vehicle_id));
  });
}

Result<void> SqliteSharing::put_member(const MemberRecord& m) {
  return guarded(link_, "put_member", [&](Connection& db) {
    run(db.cached("INSERT INTO vehicle_members (vehicle_id, user_id, added_at) VALUES (?, ?, ?) "
                  "ON CONFLICT DO NOTHING")
            .bind(m.vehicle_id, m.user_id, m.added_at));
  });
}

Result<bool> SqliteSharing::delete_member(std::string_view vehicle_id, std::string_view user_id) {
  return guarded(link_, "delete_member", [&](Connection& db) {
    run(db.cached("DELETE FROM vehicle_members WHERE vehicle_id = ? AND user_id = ?")
            .bind(vehicle_id, user_id));
    return db.changes() > 0;
  });
}

Result<std::int64_t> SqliteSharing::next_message_seq(std::string_view vehicle_id) {
  return guarded(link_, "next_message_seq", [&](Connection& db) -> Result<std::int64_t> {
    // An update and a read by primary key rather than RETURNING, which builds a temporary
    // table on every post (see SqliteEventLog::append_event).
    run(db.cached("UPDATE vehicles SET last_message_seq = last_message_seq + 1 WHERE id = ?")
            .bind(vehicle_id));
    if (db.changes() == 0) return make_error(Errc::not_found, "no such vehicle");
    auto& s = db.cached("SELECT last_message_seq FROM vehicles WHERE id = ?").bind(vehicle_id);
    ResetOnExit guard{s};
    if (!s.step()) return make_error(Errc::not_found, "no such vehicle");
    return s.integer(0);
  });
}

Result<void> SqliteSharing::insert_message(const MessageRecord& m) {
  return guarded(link_, "insert_message", [&](Connection& db) {
    run(db.cached("INSERT INTO messages (" MESSAGE_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?)")
            .bind(m.id, m.vehicle_id, m.seq, m.type, m.text, m.attributes, m.author_id,
                  m.created_at, m.updated_at));
  });
}

Result<void> SqliteSharing::update_message(const MessageRecord& m) {
  return guarded(link_, "update_message", [&](Connection& db) {
    run(db.cached("UPDATE messages SET text = ?, attributes = ?, updated_at = ? WHERE id = ?")
            .bind(m.text, m.attributes, m.updated_at, m.id));
  });
}

Result<void> SqliteSharing::delete_message(std::string_view message_id) {
  return guarded(link_, "delete_message", [&](Connection& db) {
    run(db.cached("DELETE FROM messages WHERE id = ?").bind(message_id));
  });
}

Result<void> SqliteSharing::insert_follow(const FollowRecord& f) {
  return guarded(link_, "insert_follow", [&](Connection& db) {
    run(db.cached("INSERT INTO follows (" FOLLOW_COLUMNS ") VALUES (?,?,?,?,?,?,?,?)")
            .bind(f.id, f.vehicle_id, f.follower_id, follow_status_name(f.status),
                  static_cast<std::int64_t>(f.types), f.approved, f.muted, f.created_at));
  });
}

Result<void> SqliteSharing::update_follow(const FollowRecord& f) {
  return guarded(link_, "update_follow", [&](Connection& db) {
    run(db.cached("UPDATE follows SET status = ?, types = ?, approved = ?, muted = ? WHERE id = ?")
            .bind(follow_status_name(f.status), static_cast<std::int64_t>(f.types), f.approved,
                  f.muted, f.id));
  });
}

Result<void> SqliteSharing::delete_follow(std::string_view follow_id) {
  return guarded(link_, "delete_follow", [&](Connection& db) {
    run(db.cached("DELETE FROM follows WHERE id = ?").bind(follow_id));
  });
}

}  // namespace paddock::storage::sqlite

// PostgreSQL: sharing's vehicles, authorized users, messages and follows (the twin of
// sqlite/sharing_repository.cpp). `ordinal` stands in for SQLite's rowid where rows created in
// the same millisecond must keep their insertion order.
#include "sharing/errors.hpp"
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define VEHICLE_COLUMNS                                                              \
  "id, owner_id, vin, plate_number, plate_region, plate_key, nickname, visibility, " \
  "requires_approval, last_message_seq, created_at"
#define MESSAGE_COLUMNS \
  "id, vehicle_id, seq, type, text, attributes, author_id, created_at, updated_at"
#define FOLLOW_COLUMNS "id, vehicle_id, follower_id, status, types, approved, muted, created_at"

VehicleRecord read_vehicle(const Rows& r, int i) {
  return VehicleRecord{r.text(i, 0),           r.text(i, 1),           optional_text(r, i, 2),
                       optional_text(r, i, 3), optional_text(r, i, 4), optional_text(r, i, 5),
                       r.text(i, 6),           r.text(i, 7),           r.boolean(i, 8),
                       r.integer(i, 9),        r.integer(i, 10)};
}

MessageRecord read_message(const Rows& r, int i) {
  return MessageRecord{r.text(i, 0),    r.text(i, 1), r.integer(i, 2),
                       static_cast<int>(r.integer(i, 3)), r.text(i, 4), r.text(i, 5),
                       r.text(i, 6),    r.integer(i, 7), optional_integer(r, i, 8)};
}

FollowRecord read_follow(const Rows& r, int i) {
  return FollowRecord{r.text(i, 0),
                      r.text(i, 1),
                      r.text(i, 2),
                      parse_follow_status(r.text(i, 3)),
                      static_cast<unsigned>(r.integer(i, 4)),
                      r.boolean(i, 5),
                      r.boolean(i, 6),
                      r.integer(i, 7)};
}

}  // namespace

Result<std::optional<VehicleRecord>> PgSharing::vehicle_by_id(std::string_view id) {
  return guarded(link_, "vehicle_by_id", [&](Connection& db) {
    return one<VehicleRecord>(
        db.query("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE id = $1", id), read_vehicle);
  });
}

Result<std::optional<VehicleRecord>> PgSharing::vehicle_by_vin(std::string_view vin) {
  return guarded(link_, "vehicle_by_vin", [&](Connection& db) {
    return one<VehicleRecord>(
        db.query("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE vin = $1", vin), read_vehicle);
  });
}

Result<std::optional<VehicleRecord>> PgSharing::vehicle_by_plate_key(std::string_view plate_key) {
  return guarded(link_, "vehicle_by_plate_key", [&](Connection& db) {
    return one<VehicleRecord>(
        db.query("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE plate_key = $1", plate_key),
        read_vehicle);
  });
}

Result<std::vector<VehicleRecord>> PgSharing::vehicles_of_member(std::string_view user_id) {
  return guarded(link_, "vehicles_of_member", [&](Connection& db) {
    return all<VehicleRecord>(
        db.query("SELECT " VEHICLE_COLUMNS " FROM vehicles WHERE owner_id = $1 OR id IN "
                 "(SELECT vehicle_id FROM vehicle_members WHERE user_id = $1) "
                 "ORDER BY created_at, ordinal",
                 user_id),
        read_vehicle);
  });
}

Result<std::vector<MemberRecord>> PgSharing::members_of(std::string_view vehicle_id) {
  return guarded(link_, "members_of", [&](Connection& db) {
    return all<MemberRecord>(
        db.query("SELECT vehicle_id, user_id, added_at FROM vehicle_members "
                 "WHERE vehicle_id = $1 ORDER BY added_at, ordinal",
                 vehicle_id),
        [](const Rows& r, int i) { return MemberRecord{r.text(i, 0), r.text(i, 1), r.integer(i, 2)}; });
  });
}

Result<bool> PgSharing::is_member(std::string_view vehicle_id, std::string_view user_id) {
  return guarded(link_, "is_member", [&](Connection& db) {
    return !db.query("SELECT 1 FROM vehicle_members WHERE vehicle_id = $1 AND user_id = $2",
                     vehicle_id, user_id)
                .empty();
  });
}

Result<std::optional<MessageRecord>> PgSharing::message_by_id(std::string_view id) {
  return guarded(link_, "message_by_id", [&](Connection& db) {
    return one<MessageRecord>(
        db.query("SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = $1", id), read_message);
  });
}

Result<std::vector<MessageRecord>> PgSharing::messages_page(std::string_view vehicle_id,
                                                            std::int64_t after, unsigned types,
                                                            int limit) {
  return guarded(link_, "messages_page", [&](Connection& db) {
    return all<MessageRecord>(
        db.query("SELECT " MESSAGE_COLUMNS " FROM messages WHERE vehicle_id = $1 AND seq > $2 "
                 "AND (($3::bigint >> type) & 1) = 1 ORDER BY seq LIMIT $4",
                 vehicle_id, after, static_cast<std::int64_t>(types), limit),
        read_message);
  });
}

Result<std::optional<FollowRecord>> PgSharing::follow_by_id(std::string_view id) {
  return guarded(link_, "follow_by_id", [&](Connection& db) {
    return one<FollowRecord>(
        db.query("SELECT " FOLLOW_COLUMNS " FROM follows WHERE id = $1", id), read_follow);
  });
}

Result<std::optional<FollowRecord>> PgSharing::follow_of(std::string_view vehicle_id,
                                                         std::string_view follower_id) {
  return guarded(link_, "follow_of", [&](Connection& db) {
    return one<FollowRecord>(db.query("SELECT " FOLLOW_COLUMNS " FROM follows "
                                      "WHERE vehicle_id = $1 AND follower_id = $2",
                                      vehicle_id, follower_id),
                             read_follow);
  });
}

Result<std::vector<FollowRecord>> PgSharing::follows_of_user(std::string_view follower_id) {
  return guarded(link_, "follows_of_user", [&](Connection& db) {
    return all<FollowRecord>(db.query("SELECT " FOLLOW_COLUMNS " FROM follows "
                                      "WHERE follower_id = $1 ORDER BY created_at, ordinal",
                                      follower_id),
                             read_follow);
  });
}

Result<std::vector<FollowRecord>> PgSharing::followers_of(std::string_view vehicle_id) {
  return guarded(link_, "followers_of", [&](Connection& db) {
    return all<FollowRecord>(db.query("SELECT " FOLLOW_COLUMNS " FROM follows "
                                      "WHERE vehicle_id = $1 ORDER BY created_at, ordinal",
                                      vehicle_id),
                             read_follow);
  });
}

Result<std::vector<FollowRecord>> PgSharing::all_live_follows() {
  return guarded(link_, "all_live_follows", [&](Connection& db) {
    return all<FollowRecord>(
        db.query("SELECT " FOLLOW_COLUMNS " FROM follows WHERE status != 'blocked'"),
        read_follow);
  });
}

Result<std::vector<std::pair<std::string, std::string>>> PgSharing::all_vehicle_visibilities() {
  return guarded(link_, "all_vehicle_visibilities", [&](Connection& db) {
    return all<std::pair<std::string, std::string>>(
        db.query("SELECT id, visibility FROM vehicles"),
        [](const Rows& r, int i) { return std::make_pair(r.text(i, 0), r.text(i, 1)); });
  });
}

Result<int> PgSharing::count_active_followers(std::string_view vehicle_id) {
  return guarded(link_, "count_active_followers", [&](Connection& db) {
    return static_cast<int>(
        db.query("SELECT count(*) FROM follows WHERE vehicle_id = $1 AND status = 'active'",
                 vehicle_id)
            .integer(0, 0));
  });
}

Result<void> PgSharing::insert_vehicle(const VehicleRecord& v) {
  return guarded(link_, "insert_vehicle", [&](Connection& db) -> Result<void> {
    // The unique indexes on vin and plate_key decide, not a lookup first: two nodes
    // registering the same car cannot both succeed.
    auto inserted = db.query("INSERT INTO vehicles (" VEHICLE_COLUMNS
                             ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) "
                             "ON CONFLICT DO NOTHING",
                             v.id, v.owner_id, v.vin, v.plate_number, v.plate_region, v.plate_key,
                             v.nickname, v.visibility, v.requires_approval, v.last_message_seq,
                             v.created_at);
    if (inserted.affected() == 0) {
      return make_error(sharing::kIdentificationTaken,
                        "this VIN or plate already belongs to a sharing account");
    }
    return {};
  });
}

Result<void> PgSharing::update_vehicle(const VehicleRecord& v) {
  return guarded(link_, "update_vehicle", [&](Connection& db) {
    db.query("UPDATE vehicles SET owner_id = $1, nickname = $2, visibility = $3, "
             "requires_approval = $4 WHERE id = $5",
             v.owner_id, v.nickname, v.visibility, v.requires_approval, v.id);
  });
}

Result<void> PgSharing::delete_vehicle(std::string_view vehicle_id) {
  return guarded(link_, "delete_vehicle", [&](Connection& db) {
    db.query("DELETE FROM vehicles WHERE id = $1", vehicle_id);
  });
}

Result<void> PgSharing::put_member(const MemberRecord& m) {
  return guarded(link_, "put_member", [&](Connection& db) {
    db.query("INSERT INTO vehicle_members (vehicle_id, user_id, added_at) VALUES ($1, $2, $3) "
             "ON CONFLICT DO NOTHING",
             m.vehicle_id, m.user_id, m.added_at);
  });
}

Result<bool> PgSharing::delete_member(std::string_view vehicle_id, std::string_view user_id) {
  return guarded(link_, "delete_member", [&](Connection& db) {
    return db.query("DELETE FROM vehicle_members WHERE vehicle_id = $1 AND user_id = $2",
                    vehicle_id, user_id)
               .affected() > 0;
  });
}

Result<std::int64_t> PgSharing::next_message_seq(std::string_view vehicle_id) {
  return guarded(link_, "next_message_seq", [&](Connection& db) -> Result<std::int64_t> {
    // The vehicle's row lock, held to commit, keeps two nodes from numbering alike.
    auto rows = db.query(
        "UPDATE vehicles SET last_message_seq = last_message_seq + 1 WHERE id = $1 "
        "RETURNING last_message_seq",
        vehicle_id);
    if (rows.empty()) return make_error(Errc::not_found, "no such vehicle");
    return rows.integer(0, 0);
  });
}

Result<void> PgSharing::insert_message(const MessageRecord& m) {
  return guarded(link_, "insert_message", [&](Connection& db) {
    db.query("INSERT INTO messages (" MESSAGE_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
             m.id, m.vehicle_id, m.seq, m.type, m.text, m.attributes, m.author_id, m.created_at,
             m.updated_at);
  });
}

Result<std::int64_t> PgSharing::insert_next_message(const MessageRecord& m) {
  return guarded(link_, "insert_next_message", [&](Connection& db) -> Result<std::int64_t> {
    // One round trip for what next_message_seq and insert_message do; the vehicle's row lock
    // is taken the same way and held to commit.
    auto rows = db.query(
        "WITH next AS (UPDATE vehicles SET last_message_seq = last_message_seq + 1 "
        "WHERE id = $2 RETURNING last_message_seq) "
        "INSERT INTO messages (" MESSAGE_COLUMNS ") "
        "SELECT $1, $2, last_message_seq, $3, $4, $5, $6, $7, $8 FROM next RETURNING seq",
        m.id, m.vehicle_id, m.type, m.text, m.attributes, m.author_id, m.created_at, m.updated_at);
    if (rows.empty()) return make_error(Errc::not_found, "no such vehicle");
    return rows.integer(0, 0);
  });
}

Result<void> PgSharing::update_message(const MessageRecord& m) {
  return guarded(link_, "update_message", [&](Connection& db) {
    db.query("UPDATE messages SET text = $1, attributes = $2, updated_at = $3 WHERE id = $4",
             m.text, m.attributes, m.updated_at, m.id);
  });
}

Result<void> PgSharing::delete_message(std::string_view message_id) {
  return guarded(link_, "delete_message", [&](Connection& db) {
    db.query("DELETE FROM messages WHERE id = $1", message_id);
  });
}

Result<void> PgSharing::insert_follow(const FollowRecord& f) {
  return guarded(link_, "insert_follow", [&](Connection& db) {
    db.query("INSERT INTO follows (" FOLLOW_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", f.id,
             f.vehicle_id, f.follower_id, follow_status_name(f.status),
             static_cast<std::int64_t>(f.types), f.approved, f.muted, f.created_at);
  });
}

Result<void> PgSharing::update_follow(const FollowRecord& f) {
  return guarded(link_, "update_follow", [&](Connection& db) {
    db.query("UPDATE follows SET status = $1, types = $2, approved = $3, muted = $4 "
             "WHERE id = $5",
             follow_status_name(f.status), static_cast<std::int64_t>(f.types), f.approved,
             f.muted, f.id);
  });
}

Result<void> PgSharing::delete_follow(std::string_view follow_id) {
  return guarded(link_, "delete_follow", [&](Connection& db) {
    db.query("DELETE FROM follows WHERE id = $1", follow_id);
  });
}

}  // namespace paddock::storage::postgres

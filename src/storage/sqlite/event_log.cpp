// SQLite: the feed log. AUTOINCREMENT keeps seqs increasing and never reused, and the single
// writer appends in commit order, which is the log's ordering contract (events/event_log.hpp).
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define EVENT_COLUMNS                                                                      \
  "seq, vehicle_id, target_user, target_device, type, message_type, message_id, payload, " \
  "created_at, expires_at"

EventRecord read_event(const Statement& s) {
  EventRecord e{s.integer(0),        optional_text(s, 1), optional_text(s, 2),
                optional_text(s, 3), s.text(4),           std::nullopt,
                optional_text(s, 6), s.text(7),           s.integer(8)};
  if (!s.is_null(5)) e.message_type = static_cast<int>(s.integer(5));
  if (!s.is_null(9)) e.expires_at = s.integer(9);
  return e;
}

}  // namespace

Result<std::vector<EventRecord>> SqliteEventLog::vehicle_events_after(std::string_view vehicle_id,
                                                                      std::int64_t after,
                                                                      unsigned types, int limit) {
  return guarded(link_, "vehicle_events_after", [&](Connection& db) {
    return all<EventRecord>(
        db.cached("SELECT " EVENT_COLUMNS " FROM events WHERE vehicle_id = ? AND "
                  "target_user IS NULL AND seq > ? AND ((? >> message_type) & 1) = 1 "
                  "ORDER BY seq LIMIT ?")
            .bind(vehicle_id, after, static_cast<std::int64_t>(types), limit),
        read_event);
  });
}

Result<std::vector<EventRecord>> SqliteEventLog::personal_events_after(
    std::string_view user_id, std::optional<std::string_view> device_id, std::int64_t after,
    int limit) {
  return guarded(link_, "personal_events_after", [&](Connection& db) {
    std::int64_t now = now_millis();
    if (!device_id) {
      return all<EventRecord>(
          db.cached("SELECT " EVENT_COLUMNS " FROM events WHERE target_user = ? AND "
                    "target_device IS NULL AND seq > ? AND "
                    "(expires_at IS NULL OR expires_at > ?) ORDER BY seq LIMIT ?")
              .bind(user_id, after, now, limit),
          read_event);
    }
    return all<EventRecord>(
        db.cached("SELECT " EVENT_COLUMNS " FROM events WHERE target_user = ? AND "
                  "(target_device IS NULL OR target_device = ?) AND seq > ? AND "
                  "(expires_at IS NULL OR expires_at > ?) ORDER BY seq LIMIT ?")
            .bind(user_id, *device_id, after, now, limit),
        read_event);
  });
}

Result<std::int64_t> SqliteEventLog::last_event_seq() {
  return guarded(link_, "last_event_seq", [&](Connection& db) {
    // sqlite_sequence remembers the highest seq ever issued, even if that row was deleted.
    auto& s = db.cached("SELECT seq FROM sqlite_sequence WHERE name = 'events'").bind();
    ResetOnExit guard{s};
    return s.step() ? s.integer(0) : std::int64_t{0};
  });
}

Result<std::vector<EventRecord>> SqliteEventLog::events_after(std::int64_t after, int limit) {
  return guarded(link_, "events_after", [&](Connection& db) {
    return all<EventRecord>(
        db.cached("SELECT " EVENT_COLUMNS " FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after, limit),
        read_event);
  });
}

Result<std::int64_t> SqliteEventLog::append_event(const EventRecord& e) {
  return guarded(link_, "append_event", [&](Connection& db) -> Result<std::int64_t> {
    std::optional<std::int64_t> message_type;
    if (e.message_type) message_type = *e.message_type;
    // seq is the rowid. Not RETURNING: SQLite builds a temporary table for every RETURNING
    // statement, and on this path (every post) its page buffers sent glibc's malloc into
    // consolidating its free lists (docs/PERFORMANCE.md, "eighth look").
    run(db.cached("INSERT INTO events (vehicle_id, target_user, target_device, type, "
                  "message_type, message_id, payload, created_at, expires_at) "
                  "VALUES (?,?,?,?,?,?,?,?,?)")
            .bind(e.vehicle_id, e.target_user, e.target_device, e.type, message_type,
                  e.message_id, e.payload, e.created_at,
                  e.expires_at ? std::optional<std::int64_t>(*e.expires_at) : std::nullopt));
    return db.last_insert_rowid();
  });
}

Result<void> SqliteEventLog::delete_message_events(std::string_view message_id) {
  return guarded(link_, "delete_message_events", [&](Connection& db) {
    run(db.cached("DELETE FROM events WHERE message_id = ?").bind(message_id));
  });
}

Result<void> SqliteEventLog::delete_vehicle_events(std::string_view vehicle_id) {
  return guarded(link_, "delete_vehicle_events", [&](Connection& db) {
    run(db.cached("DELETE FROM events WHERE vehicle_id = ? AND target_user IS NULL")
            .bind(vehicle_id));
  });
}

}  // namespace paddock::storage::sqlite

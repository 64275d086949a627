// PostgreSQL: the feed log. Several nodes append at once, so the ordering contract
// (events/event_log.hpp) needs more than a sequence: a seq is taken by incrementing feed_head's
// one row, and the row lock that takes is held until the appending transaction ends. So at most
// one transaction at a time holds uncommitted seqs, and it holds the highest ones; a reader can
// never see seq s+1 before s (see docs/ARCHITECTURE.md, "Cursor order on PostgreSQL").
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define EVENT_COLUMNS                                                                      \
  "seq, vehicle_id, target_user, target_device, type, message_type, message_id, payload, " \
  "created_at, expires_at"

EventRecord read_event(const Rows& r, int i) {
  EventRecord e{r.integer(i, 0),         optional_text(r, i, 1), optional_text(r, i, 2),
                optional_text(r, i, 3),  r.text(i, 4),           std::nullopt,
                optional_text(r, i, 6),  r.text(i, 7),           r.integer(i, 8)};
  if (!r.is_null(i, 5)) e.message_type = static_cast<int>(r.integer(i, 5));
  if (!r.is_null(i, 9)) e.expires_at = r.integer(i, 9);
  return e;
}

}  // namespace

Result<std::vector<EventRecord>> PgEventLog::vehicle_events_after(std::string_view vehicle_id,
                                                                  std::int64_t after,
                                                                  unsigned types, int limit) {
  return guarded(link_, "vehicle_events_after", [&](Connection& db) {
    return all<EventRecord>(
        db.query("SELECT " EVENT_COLUMNS " FROM events WHERE vehicle_id = $1 AND "
                 "target_user IS NULL AND seq > $2 AND (($3::bigint >> message_type) & 1) = 1 "
                 "ORDER BY seq LIMIT $4",
                 vehicle_id, after, static_cast<std::int64_t>(types), limit),
        read_event);
  });
}

Result<std::vector<EventRecord>> PgEventLog::personal_events_after(
    std::string_view user_id, std::optional<std::string_view> device_id, std::int64_t after,
    int limit) {
  return guarded(link_, "personal_events_after", [&](Connection& db) {
    std::int64_t now = now_millis();
    if (!device_id) {
      return all<EventRecord>(
          db.query("SELECT " EVENT_COLUMNS " FROM events WHERE target_user = $1 AND "
                   "target_device IS NULL AND seq > $2 AND "
                   "(expires_at IS NULL OR expires_at > $3) ORDER BY seq LIMIT $4",
                   user_id, after, now, limit),
          read_event);
    }
    return all<EventRecord>(
        db.query("SELECT " EVENT_COLUMNS " FROM events WHERE target_user = $1 AND "
                 "(target_device IS NULL OR target_device = $2) AND seq > $3 AND "
                 "(expires_at IS NULL OR expires_at > $4) ORDER BY seq LIMIT $5",
                 user_id, *device_id, after, now, limit),
        read_event);
  });
}

Result<std::int64_t> PgEventLog::last_event_seq() {
  return guarded(link_, "last_event_seq", [&](Connection& db) {
    // Committed only: an append in flight holds its increment until it commits.
    return db.query("SELECT seq FROM feed_head").integer(0, 0);
  });
}

Result<std::vector<EventRecord>> PgEventLog::events_after(std::int64_t after, int limit) {
  return guarded(link_, "events_after", [&](Connection& db) {
    return all<EventRecord>(
        db.query("SELECT " EVENT_COLUMNS " FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                 after, limit),
        read_event);
  });
}

Result<std::int64_t> PgEventLog::append_event(const EventRecord& e) {
  return guarded(link_, "append_event", [&](Connection& db) -> Result<std::int64_t> {
    // One round trip: the seq is taken (waiting while another transaction, on any node, holds
    // uncommitted seqs; see the top) and the event inserted with it.
    std::optional<std::int64_t> message_type;
    if (e.message_type) message_type = *e.message_type;
    std::int64_t seq =
        db.query("WITH head AS (UPDATE feed_head SET seq = seq + 1 RETURNING seq) "
                 "INSERT INTO events (seq, vehicle_id, target_user, target_device, type, "
                 "message_type, message_id, payload, created_at, expires_at) "
                 "SELECT head.seq, $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM head RETURNING seq",
                 e.vehicle_id, e.target_user, e.target_device, e.type, message_type,
                 e.message_id, e.payload, e.created_at, e.expires_at)
            .integer(0, 0);
    link_.last_appended_seq = std::max(link_.last_appended_seq, seq);
    return seq;
  });
}

Result<void> PgEventLog::delete_message_events(std::string_view message_id) {
  return guarded(link_, "delete_message_events", [&](Connection& db) {
    db.query("DELETE FROM events WHERE message_id = $1", message_id);
  });
}

Result<void> PgEventLog::delete_vehicle_events(std::string_view vehicle_id) {
  return guarded(link_, "delete_vehicle_events", [&](Connection& db) {
    db.query("DELETE FROM events WHERE vehicle_id = $1 AND target_user IS NULL", vehicle_id);
  });
}

}  // namespace paddock::storage::postgres

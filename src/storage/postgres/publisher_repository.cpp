// PostgreSQL: the publisher hub's publishers, sealed secrets, messages and receivers' choices
// (the twin of sqlite/publisher_repository.cpp). The change sequence (receivers' inbox cursor)
// is a counter row whose lock is held to commit, so its values become visible in order across
// nodes, as the feed log's do.
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

using publishers::InboxEntry;
using publishers::MessageRecord;
using publishers::OptOut;
using publishers::PublisherRecord;

#define PUBLISHER_COLUMNS \
  "registration_id, id, name, kind, contact, public_key, status, created_at, updated_at"
#define MESSAGE_COLUMNS                                                                  \
  "m.publisher_id, m.message_id, m.seq, m.first_seq, m.is_public, m.category, m.title, " \
  "m.body, m.data, m.expires_at, m.version, m.withdrawn, m.created_at, m.updated_at"
// A message is live while it is neither withdrawn nor expired at $3 (now).
#define LIVE "(NOT m.withdrawn AND (m.expires_at IS NULL OR m.expires_at > $3))"
// The receiver (a column or parameter) opted out of the message's publisher or category.
#define OPTED_OUT_OF(user)                                                      \
  "EXISTS (SELECT 1 FROM publisher_opt_outs o WHERE o.user_id = " user " AND " \
  "((o.kind = 'publisher' AND o.value = m.publisher_id) OR "                    \
  "(o.kind = 'category' AND o.value = m.category)))"
#define OPTED_OUT OPTED_OUT_OF("$1")

#define SECRET_COLUMNS "registration_id, serial, sealed, created_at, expires_at"

publishers::SecretRecord read_secret(const Rows& r, int i) {
  return {r.text(i, 0), r.integer(i, 1), r.text(i, 2), r.integer(i, 3),
          optional_integer(r, i, 4)};
}

PublisherRecord read_publisher(const Rows& r, int i) {
  return {r.text(i, 0),           optional_text(r, i, 1), r.text(i, 2),
          r.text(i, 3),           r.text(i, 4),           optional_text(r, i, 5),
          r.text(i, 6),           r.integer(i, 7),        r.integer(i, 8)};
}

MessageRecord read_message(const Rows& r, int i) {
  MessageRecord m;
  m.publisher_id = r.text(i, 0);
  m.message_id = r.text(i, 1);
  m.seq = r.integer(i, 2);
  m.first_seq = r.integer(i, 3);
  m.is_public = r.boolean(i, 4);
  m.category = r.text(i, 5);
  m.title = r.text(i, 6);
  m.body = r.text(i, 7);
  m.data = r.text(i, 8);
  m.expires_at = optional_integer(r, i, 9);
  m.version = r.integer(i, 10);
  m.withdrawn = r.boolean(i, 11);
  m.created_at = r.integer(i, 12);
  m.updated_at = r.integer(i, 13);
  return m;
}

InboxEntry read_entry(const Rows& r, int i) {
  return {read_message(r, i), r.text(i, 14), r.text(i, 15), r.boolean(i, 16)};
}

const char* opt_out_kind(OptOut::Kind k) {
  return k == OptOut::Kind::publisher ? "publisher" : "category";
}

}  // namespace

Result<std::optional<PublisherRecord>> PgPublishers::publisher_by_registration(
    std::string_view registration_id) {
  return guarded(link_, "publisher_by_registration", [&](Connection& db) {
    return one<PublisherRecord>(
        db.query("SELECT " PUBLISHER_COLUMNS " FROM publishers WHERE registration_id = $1",
                 registration_id),
        read_publisher);
  });
}

Result<std::optional<PublisherRecord>> PgPublishers::publisher_by_id(std::string_view id) {
  return guarded(link_, "publisher_by_id", [&](Connection& db) {
    return one<PublisherRecord>(
        db.query("SELECT " PUBLISHER_COLUMNS " FROM publishers WHERE id = $1", id),
        read_publisher);
  });
}

Result<std::vector<publishers::SecretRecord>> PgPublishers::secrets_of(
    std::string_view registration_id) {
  return guarded(link_, "secrets_of", [&](Connection& db) {
    return all<publishers::SecretRecord>(
        db.query("SELECT " SECRET_COLUMNS " FROM publisher_secrets WHERE registration_id = $1 "
                 "ORDER BY serial DESC",
                 registration_id),
        read_secret);
  });
}

Result<std::optional<publishers::SecretRecord>> PgPublishers::newest_secret() {
  return guarded(link_, "newest_secret", [&](Connection& db) {
    return one<publishers::SecretRecord>(
        db.query("SELECT " SECRET_COLUMNS " FROM publisher_secrets "
                 "ORDER BY created_at DESC, serial DESC LIMIT 1"),
        read_secret);
  });
}

Result<std::optional<MessageRecord>> PgPublishers::publisher_message(
    std::string_view publisher_id, std::string_view message_id) {
  return guarded(link_, "publisher_message", [&](Connection& db) {
    return one<MessageRecord>(db.query("SELECT " MESSAGE_COLUMNS " FROM publisher_messages m "
                                       "WHERE m.publisher_id = $1 AND m.message_id = $2",
                                       publisher_id, message_id),
                              read_message);
  });
}

Result<std::vector<std::string>> PgPublishers::message_receivers(std::string_view publisher_id,
                                                                 std::string_view message_id) {
  return guarded(link_, "message_receivers", [&](Connection& db) {
    return all<std::string>(
        db.query("SELECT user_id FROM publisher_receivers WHERE publisher_id = $1 AND "
                 "message_id = $2 ORDER BY user_id COLLATE \"C\"",
                 publisher_id, message_id),
        first_text);
  });
}

Result<bool> PgPublishers::is_subscribed(std::string_view user_id,
                                         std::string_view publisher_id) {
  return guarded(link_, "is_subscribed", [&](Connection& db) {
    return !db.query("SELECT 1 FROM publisher_subscriptions WHERE user_id = $1 AND "
                     "publisher_id = $2",
                     user_id, publisher_id)
                .empty();
  });
}

Result<std::vector<std::string>> PgPublishers::subscriptions_of(std::string_view user_id) {
  return guarded(link_, "subscriptions_of", [&](Connection& db) {
    return all<std::string>(
        db.query("SELECT publisher_id FROM publisher_subscriptions WHERE user_id = $1 "
                 "ORDER BY created_at, publisher_id COLLATE \"C\"",
                 user_id),
        first_text);
  });
}

Result<std::vector<OptOut>> PgPublishers::opt_outs_of(std::string_view user_id) {
  return guarded(link_, "opt_outs_of", [&](Connection& db) {
    return all<OptOut>(
        db.query("SELECT kind, value FROM publisher_opt_outs WHERE user_id = $1 "
                 "ORDER BY kind COLLATE \"C\" DESC, value COLLATE \"C\"",
                 user_id),
        [](const Rows& r, int i) {
          return OptOut{r.text(i, 0) == "publisher" ? OptOut::Kind::publisher
                                                    : OptOut::Kind::category,
                        r.text(i, 1)};
        });
  });
}

Result<std::vector<std::string>> PgPublishers::users_opted_out(std::string_view publisher_id,
                                                               std::string_view category) {
  return guarded(link_, "users_opted_out", [&](Connection& db) {
    return all<std::string>(
        db.query("SELECT DISTINCT user_id COLLATE \"C\" FROM publisher_opt_outs WHERE "
                 "(kind = 'publisher' AND value = $1) OR (kind = 'category' AND value = $2) "
                 "ORDER BY 1",
                 publisher_id, category),
        first_text);
  });
}

Result<std::vector<InboxEntry>> PgPublishers::inbox_after(std::string_view user_id,
                                                          std::int64_t after, UnixMillis now,
                                                          int limit) {
  return guarded(link_, "inbox_after", [&](Connection& db) {
    // Targeted rows are the user's own; public messages are one row each, read by everyone
    // through the seq index and filtered by the user's opt-outs.
    return all<InboxEntry>(
        db.query("SELECT " MESSAGE_COLUMNS ", p.name, p.kind, r.read_at IS NOT NULL "
                 "FROM publisher_receivers r JOIN publisher_messages m "
                 "ON m.publisher_id = r.publisher_id AND m.message_id = r.message_id "
                 "JOIN publishers p ON p.id = m.publisher_id "
                 "WHERE r.user_id = $1 AND m.seq > $2 AND (m.first_seq <= $2 OR " LIVE ") "
                 "AND NOT " OPTED_OUT " "
                 "UNION ALL "
                 "SELECT " MESSAGE_COLUMNS ", p.name, p.kind, EXISTS (SELECT 1 FROM "
                 "publisher_public_reads pr WHERE pr.user_id = $1 AND "
                 "pr.publisher_id = m.publisher_id AND pr.message_id = m.message_id) "
                 "FROM publisher_messages m JOIN publishers p ON p.id = m.publisher_id "
                 "WHERE m.is_public AND m.seq > $2 AND (m.first_seq <= $2 OR " LIVE ") "
                 "AND NOT " OPTED_OUT " "
                 "ORDER BY 3 LIMIT $4",
                 user_id, after, now, limit),
        read_entry);
  });
}

Result<std::optional<InboxEntry>> PgPublishers::inbox_item(std::string_view user_id,
                                                           std::string_view publisher_id,
                                                           std::string_view message_id,
                                                           UnixMillis now) {
  return guarded(link_, "inbox_item", [&](Connection& db) {
    // $2 is the publisher here ($3 stays "now", as LIVE wants).
    return one<InboxEntry>(
        db.query("SELECT " MESSAGE_COLUMNS ", p.name, p.kind, CASE WHEN m.is_public THEN "
                 "EXISTS (SELECT 1 FROM publisher_public_reads pr WHERE pr.user_id = $1 AND "
                 "pr.publisher_id = m.publisher_id AND pr.message_id = m.message_id) ELSE "
                 "r.read_at IS NOT NULL END "
                 "FROM publisher_messages m JOIN publishers p ON p.id = m.publisher_id "
                 "LEFT JOIN publisher_receivers r ON r.publisher_id = m.publisher_id AND "
                 "r.message_id = m.message_id AND r.user_id = $1 "
                 "WHERE m.publisher_id = $2 AND m.message_id = $4 AND " LIVE " "
                 "AND (m.is_public OR r.user_id IS NOT NULL) AND NOT " OPTED_OUT,
                 user_id, publisher_id, now, message_id),
        read_entry);
  });
}

Result<publishers::MessageTally> PgPublishers::message_tally(std::string_view publisher_id,
                                                             std::string_view message_id) {
  return guarded(link_, "message_tally", [&](Connection& db) {
    // Synced: the audience whose cursor passed the first publication (sqlite's twin says how).
    auto rows = db.query(
        "SELECT COALESCE((SELECT reach FROM publisher_message_reach WHERE "
        "publisher_id = $1 AND message_id = $2), ''), "
        "(SELECT count(*) FROM publisher_messages m JOIN publisher_inbox_cursors c "
        "ON c.synced_seq >= m.first_seq WHERE m.publisher_id = $1 AND "
        "m.message_id = $2 AND m.is_public AND NOT " OPTED_OUT_OF("c.user_id") ") + "
        "(SELECT count(*) FROM publisher_messages m JOIN publisher_receivers r "
        "ON r.publisher_id = m.publisher_id AND r.message_id = m.message_id "
        "JOIN publisher_inbox_cursors c ON c.user_id = r.user_id "
        "WHERE m.publisher_id = $1 AND m.message_id = $2 AND NOT m.is_public AND "
        "c.synced_seq >= m.first_seq AND NOT " OPTED_OUT_OF("r.user_id") "), "
        "(SELECT count(*) FROM publisher_receivers WHERE publisher_id = $1 AND "
        "message_id = $2 AND read_at IS NOT NULL) + "
        "(SELECT count(*) FROM publisher_public_reads WHERE publisher_id = $1 AND "
        "message_id = $2)",
        publisher_id, message_id);
    return publishers::MessageTally{rows.text(0, 0), rows.integer(0, 1), rows.integer(0, 2)};
  });
}

Result<std::string> PgPublishers::message_reach(std::string_view publisher_id,
                                                std::string_view message_id) {
  return guarded(link_, "message_reach", [&](Connection& db) {
    auto rows = db.query("SELECT reach FROM publisher_message_reach WHERE publisher_id = $1 AND "
                         "message_id = $2",
                         publisher_id, message_id);
    return rows.empty() ? std::string() : rows.text(0, 0);
  });
}

Result<void> PgPublishers::put_message_reach(std::string_view publisher_id,
                                             std::string_view message_id,
                                             std::string_view reach) {
  return guarded(link_, "put_message_reach", [&](Connection& db) {
    db.query("INSERT INTO publisher_message_reach (publisher_id, message_id, reach) "
             "VALUES ($1, $2, $3) ON CONFLICT (publisher_id, message_id) DO UPDATE SET "
             "reach = $3",
             publisher_id, message_id, reach);
  });
}

Result<void> PgPublishers::advance_inbox_cursor(std::string_view user_id, std::int64_t seq,
                                                UnixMillis at) {
  return guarded(link_, "advance_inbox_cursor", [&](Connection& db) {
    db.query("INSERT INTO publisher_inbox_cursors (user_id, synced_seq, synced_at) "
             "VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET "
             "synced_seq = $2, synced_at = $3 WHERE publisher_inbox_cursors.synced_seq < $2",
             user_id, seq, at);
  });
}

Result<std::int64_t> PgPublishers::last_publisher_seq() {
  return guarded(link_, "last_publisher_seq", [&](Connection& db) -> std::int64_t {
    auto rows = db.query("SELECT last FROM publisher_sequence WHERE id = 1");
    return rows.empty() ? 0 : rows.integer(0, 0);
  });
}

Result<void> PgPublishers::insert_publisher(const PublisherRecord& p) {
  return guarded(link_, "insert_publisher", [&](Connection& db) {
    db.query("INSERT INTO publishers (" PUBLISHER_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
             p.registration_id, p.id, p.name, p.kind, p.contact, p.public_key, p.status,
             p.created_at, p.updated_at);
  });
}

Result<void> PgPublishers::set_publisher_status(std::string_view registration_id,
                                                std::string_view status, UnixMillis at) {
  return guarded(link_, "set_publisher_status", [&](Connection& db) {
    db.query("UPDATE publishers SET status = $1, updated_at = $2 WHERE registration_id = $3",
             status, at, registration_id);
  });
}

Result<bool> PgPublishers::assign_publisher_id(std::string_view registration_id,
                                               std::string_view id) {
  return guarded(link_, "assign_publisher_id", [&](Connection& db) {
    // A taken id leaves the row as it was (the caller draws another). No other node's batch
    // runs meanwhile (every write batch holds feed_head's lock: pg_store.cpp), so the check
    // cannot race; the UNIQUE index stays the last word.
    return db.query("UPDATE publishers SET id = $1 WHERE registration_id = $2 AND "
                    "NOT EXISTS (SELECT 1 FROM publishers WHERE id = $1)",
                    id, registration_id)
               .affected() > 0;
  });
}

Result<void> PgPublishers::insert_secret(const publishers::SecretRecord& s) {
  return guarded(link_, "insert_secret", [&](Connection& db) {
    db.query("INSERT INTO publisher_secrets (" SECRET_COLUMNS ") VALUES ($1,$2,$3,$4,$5)",
             s.registration_id, s.serial, s.sealed, s.created_at, s.expires_at);
  });
}

Result<void> PgPublishers::expire_secrets(std::string_view registration_id, UnixMillis at) {
  return guarded(link_, "expire_secrets", [&](Connection& db) {
    db.query("UPDATE publisher_secrets SET expires_at = $1 WHERE registration_id = $2 AND "
             "(expires_at IS NULL OR expires_at > $1)",
             at, registration_id);
  });
}

Result<std::int64_t> PgPublishers::next_publisher_seq() {
  return guarded(link_, "next_publisher_seq", [&](Connection& db) -> Result<std::int64_t> {
    auto rows = db.query("UPDATE publisher_sequence SET last = last + 1 WHERE id = 1 "
                         "RETURNING last");
    if (rows.empty()) return make_error(Errc::storage_unavailable, "publisher_sequence has no row");
    return rows.integer(0, 0);
  });
}

Result<void> PgPublishers::put_publisher_message(const MessageRecord& m) {
  return guarded(link_, "put_publisher_message", [&](Connection& db) {
    db.query("INSERT INTO publisher_messages (publisher_id, message_id, seq, first_seq, "
             "is_public, category, title, body, data, expires_at, version, withdrawn, "
             "created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) "
             "ON CONFLICT (publisher_id, message_id) DO UPDATE SET seq = excluded.seq, "
             "first_seq = excluded.first_seq, is_public = excluded.is_public, "
             "category = excluded.category, title = excluded.title, body = excluded.body, "
             "data = excluded.data, expires_at = excluded.expires_at, "
             "version = excluded.version, withdrawn = excluded.withdrawn, "
             "updated_at = excluded.updated_at",
             m.publisher_id, m.message_id, m.seq, m.first_seq, m.is_public, m.category, m.title,
             m.body, m.data, m.expires_at, m.version, m.withdrawn, m.created_at, m.updated_at);
  });
}

Result<void> PgPublishers::add_message_receivers(std::string_view publisher_id,
                                                 std::string_view message_id,
                                                 const std::vector<std::string>& user_ids) {
  return guarded(link_, "add_message_receivers", [&](Connection& db) {
    for (const auto& user_id : user_ids) {
      db.query("INSERT INTO publisher_receivers (publisher_id, message_id, user_id) "
               "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
               publisher_id, message_id, user_id);
    }
  });
}

Result<bool> PgPublishers::put_subscription(std::string_view user_id,
                                            std::string_view publisher_id, UnixMillis at) {
  return guarded(link_, "put_subscription", [&](Connection& db) {
    return db.query("INSERT INTO publisher_subscriptions (user_id, publisher_id, created_at) "
                    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    user_id, publisher_id, at)
               .affected() > 0;
  });
}

Result<bool> PgPublishers::delete_subscription(std::string_view user_id,
                                               std::string_view publisher_id) {
  return guarded(link_, "delete_subscription", [&](Connection& db) {
    return db.query("DELETE FROM publisher_subscriptions WHERE user_id = $1 AND "
                    "publisher_id = $2",
                    user_id, publisher_id)
               .affected() > 0;
  });
}

Result<void> PgPublishers::replace_opt_outs(std::string_view user_id,
                                            const std::vector<OptOut>& opt_outs) {
  return guarded(link_, "replace_opt_outs", [&](Connection& db) {
    db.query("DELETE FROM publisher_opt_outs WHERE user_id = $1", user_id);
    for (const auto& o : opt_outs) {
      db.query("INSERT INTO publisher_opt_outs (user_id, kind, value) VALUES ($1, $2, $3) "
               "ON CONFLICT DO NOTHING",
               user_id, opt_out_kind(o.kind), o.value);
    }
  });
}

Result<void> PgPublishers::mark_read(std::string_view user_id, std::string_view publisher_id,
                                     std::string_view message_id, bool is_public,
                                     UnixMillis at) {
  return guarded(link_, "mark_read", [&](Connection& db) {
    if (is_public) {
      db.query("INSERT INTO publisher_public_reads (user_id, publisher_id, message_id, read_at) "
               "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
               user_id, publisher_id, message_id, at);
    } else {
      db.query("UPDATE publisher_receivers SET read_at = COALESCE(read_at, $1) WHERE "
               "publisher_id = $2 AND message_id = $3 AND user_id = $4",
               at, publisher_id, message_id, user_id);
    }
  });
}

}  // namespace paddock::storage::postgres

namespace paddock::storage::postgres {

Result<bool> PgPublishers::serves_vehicle_of(std::string_view user_id,
                                             std::string_view publisher_id) {
  return guarded(link_, "serves_vehicle_of", [&](Connection& db) {
    return !db.query("SELECT 1 FROM vehicle_service_providers s JOIN vehicles v ON "
                     "v.id = s.vehicle_id WHERE v.owner_id = $1 AND s.publisher_id = $2 LIMIT 1",
                     user_id, publisher_id)
                .empty();
  });
}

Result<std::vector<std::string>> PgPublishers::service_providers_of(std::string_view vehicle_id) {
  return guarded(link_, "service_providers_of", [&](Connection& db) {
    return all<std::string>(
        db.query("SELECT publisher_id FROM vehicle_service_providers WHERE vehicle_id = $1 "
                 "ORDER BY created_at, publisher_id COLLATE \"C\"",
                 vehicle_id),
        first_text);
  });
}

Result<bool> PgPublishers::put_service_provider(std::string_view vehicle_id,
                                                std::string_view publisher_id, UnixMillis at) {
  return guarded(link_, "put_service_provider", [&](Connection& db) {
    return db.query("INSERT INTO vehicle_service_providers (vehicle_id, publisher_id, "
                    "created_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
                    vehicle_id, publisher_id, at)
               .affected() > 0;
  });
}

Result<bool> PgPublishers::delete_service_provider(std::string_view vehicle_id,
                                                   std::string_view publisher_id) {
  return guarded(link_, "delete_service_provider", [&](Connection& db) {
    return db.query("DELETE FROM vehicle_service_providers WHERE vehicle_id = $1 AND "
                    "publisher_id = $2",
                    vehicle_id, publisher_id)
               .affected() > 0;
  });
}

Result<void> PgPublishers::delete_service_providers(std::string_view vehicle_id) {
  return guarded(link_, "delete_service_providers", [&](Connection& db) {
    db.query("DELETE FROM vehicle_service_providers WHERE vehicle_id = $1", vehicle_id);
  });
}

}  // namespace paddock::storage::postgres

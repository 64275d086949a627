// SQLite: the publisher hub's publishers, sealed secrets, messages and receivers' choices.
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
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
// A message is live while it is neither withdrawn nor expired at ?3 (now).
#define LIVE "(m.withdrawn = 0 AND (m.expires_at IS NULL OR m.expires_at > ?3))"
// The receiver (a column or parameter) opted out of the message's publisher or category.
#define OPTED_OUT_OF(user)                                                      \
  "EXISTS (SELECT 1 FROM publisher_opt_outs o WHERE o.user_id = " user " AND " \
  "((o.kind = 'publisher' AND o.value = m.publisher_id) OR "                    \
  "(o.kind = 'category' AND o.value = m.category)))"
#define OPTED_OUT OPTED_OUT_OF("?1")

#define SECRET_COLUMNS "registration_id, serial, sealed, created_at, expires_at"

publishers::SecretRecord read_secret(const Statement& s) {
  return {s.text(0), s.integer(1), s.text(2), s.integer(3), optional_integer(s, 4)};
}

PublisherRecord read_publisher(const Statement& s) {
  return {s.text(0),           optional_text(s, 1), s.text(2),    s.text(3),   s.text(4),
          optional_text(s, 5), s.text(6),           s.integer(7), s.integer(8)};
}

MessageRecord read_message(const Statement& s) {
  MessageRecord m;
  m.publisher_id = s.text(0);
  m.message_id = s.text(1);
  m.seq = s.integer(2);
  m.first_seq = s.integer(3);
  m.is_public = s.integer(4) != 0;
  m.category = s.text(5);
  m.title = s.text(6);
  m.body = s.text(7);
  m.data = s.text(8);
  m.expires_at = optional_integer(s, 9);
  m.version = s.integer(10);
  m.withdrawn = s.integer(11) != 0;
  m.created_at = s.integer(12);
  m.updated_at = s.integer(13);
  return m;
}

InboxEntry read_entry(const Statement& s) {
  return {read_message(s), s.text(14), s.text(15), s.integer(16) != 0};
}

const char* opt_out_kind(OptOut::Kind k) {
  return k == OptOut::Kind::publisher ? "publisher" : "category";
}

}  // namespace

Result<std::optional<PublisherRecord>> SqlitePublishers::publisher_by_registration(
    std::string_view registration_id) {
  return guarded(link_, "publisher_by_registration", [&](Connection& db) {
    return one<PublisherRecord>(
        db.cached("SELECT " PUBLISHER_COLUMNS " FROM publishers WHERE registration_id = ?")
            .bind(registration_id),
        read_publisher);
  });
}

Result<std::optional<PublisherRecord>> SqlitePublishers::publisher_by_id(std::string_view id) {
  return guarded(link_, "publisher_by_id", [&](Connection& db) {
    return one<PublisherRecord>(
        db.cached("SELECT " PUBLISHER_COLUMNS " FROM publishers WHERE id = ?").bind(id),
        read_publisher);
  });
}

Result<std::vector<publishers::SecretRecord>> SqlitePublishers::secrets_of(
    std::string_view registration_id) {
  return guarded(link_, "secrets_of", [&](Connection& db) {
    return all<publishers::SecretRecord>(
        db.cached("SELECT " SECRET_COLUMNS " FROM publisher_secrets WHERE registration_id = ? "
                  "ORDER BY serial DESC")
            .bind(registration_id),
        read_secret);
  });
}

Result<std::optional<publishers::SecretRecord>> SqlitePublishers::newest_secret() {
  return guarded(link_, "newest_secret", [&](Connection& db) {
    return one<publishers::SecretRecord>(
        db.cached("SELECT " SECRET_COLUMNS " FROM publisher_secrets "
                  "ORDER BY created_at DESC, serial DESC LIMIT 1")
            .bind(),
        read_secret);
  });
}

Result<std::optional<MessageRecord>> SqlitePublishers::publisher_message(
    std::string_view publisher_id, std::string_view message_id) {
  return guarded(link_, "publisher_message", [&](Connection& db) {
    return one<MessageRecord>(db.cached("SELECT " MESSAGE_COLUMNS " FROM publisher_messages m "
                                        "WHERE m.publisher_id = ? AND m.message_id = ?")
                                  .bind(publisher_id, message_id),
                              read_message);
  });
}

Result<std::vector<std::string>> SqlitePublishers::message_receivers(std::string_view publisher_id,
                                                                     std::string_view message_id) {
  return guarded(link_, "message_receivers", [&](Connection& db) {
    return all<std::string>(
        db.cached("SELECT user_id FROM publisher_receivers WHERE publisher_id = ? AND "
                  "message_id = ? ORDER BY user_id")
            .bind(publisher_id, message_id),
        first_text);
  });
}

Result<bool> SqlitePublishers::is_subscribed(std::string_view user_id,
                                             std::string_view publisher_id) {
  return guarded(link_, "is_subscribed", [&](Connection& db) {
    return one<bool>(db.cached("SELECT 1 FROM publisher_subscriptions WHERE user_id = ? AND "
                               "publisher_id = ?")
                         .bind(user_id, publisher_id),
                     [](const Statement&) { return true; })
        .has_value();
  });
}

Result<std::vector<std::string>> SqlitePublishers::subscriptions_of(std::string_view user_id) {
  return guarded(link_, "subscriptions_of", [&](Connection& db) {
    return all<std::string>(
        db.cached("SELECT publisher_id FROM publisher_subscriptions WHERE user_id = ? "
                  "ORDER BY created_at, rowid")
            .bind(user_id),
        first_text);
  });
}

Result<std::vector<OptOut>> SqlitePublishers::opt_outs_of(std::string_view user_id) {
  return guarded(link_, "opt_outs_of", [&](Connection& db) {
    return all<OptOut>(
        db.cached("SELECT kind, value FROM publisher_opt_outs WHERE user_id = ? "
                  "ORDER BY kind DESC, value")
            .bind(user_id),
        [](const Statement& s) {
          return OptOut{s.text(0) == "publisher" ? OptOut::Kind::publisher : OptOut::Kind::category,
                        s.text(1)};
        });
  });
}

Result<std::vector<std::string>> SqlitePublishers::users_opted_out(std::string_view publisher_id,
                                                                   std::string_view category) {
  return guarded(link_, "users_opted_out", [&](Connection& db) {
    return all<std::string>(
        db.cached("SELECT DISTINCT user_id FROM publisher_opt_outs WHERE "
                  "(kind = 'publisher' AND value = ?) OR (kind = 'category' AND value = ?) "
                  "ORDER BY user_id")
            .bind(publisher_id, category),
        first_text);
  });
}

Result<std::vector<InboxEntry>> SqlitePublishers::inbox_after(std::string_view user_id,
                                                              std::int64_t after, UnixMillis now,
                                                              int limit) {
  return guarded(link_, "inbox_after", [&](Connection& db) {
    // Targeted rows are the user's own; public messages are one row each, read by everyone
    // through the seq index and filtered by the user's opt-outs.
    return all<InboxEntry>(
        db.cached("SELECT " MESSAGE_COLUMNS ", p.name, p.kind, r.read_at IS NOT NULL "
                  "FROM publisher_receivers r JOIN publisher_messages m "
                  "ON m.publisher_id = r.publisher_id AND m.message_id = r.message_id "
                  "JOIN publishers p ON p.id = m.publisher_id "
                  "WHERE r.user_id = ?1 AND m.seq > ?2 AND (m.first_seq <= ?2 OR " LIVE ") "
                  "AND NOT " OPTED_OUT " "
                  "UNION ALL "
                  "SELECT " MESSAGE_COLUMNS ", p.name, p.kind, EXISTS (SELECT 1 FROM "
                  "publisher_public_reads pr WHERE pr.user_id = ?1 AND "
                  "pr.publisher_id = m.publisher_id AND pr.message_id = m.message_id) "
                  "FROM publisher_messages m JOIN publishers p ON p.id = m.publisher_id "
                  "WHERE m.is_public = 1 AND m.seq > ?2 AND (m.first_seq <= ?2 OR " LIVE ") "
                  "AND NOT " OPTED_OUT " "
                  "ORDER BY 3 LIMIT ?4")
            .bind(user_id, after, now, limit),
        read_entry);
  });
}

Result<std::optional<InboxEntry>> SqlitePublishers::inbox_item(std::string_view user_id,
                                                               std::string_view publisher_id,
                                                               std::string_view message_id,
                                                               UnixMillis now) {
  return guarded(link_, "inbox_item", [&](Connection& db) {
    return one<InboxEntry>(
        db.cached("SELECT " MESSAGE_COLUMNS ", p.name, p.kind, CASE WHEN m.is_public = 1 THEN "
                  "EXISTS (SELECT 1 FROM publisher_public_reads pr WHERE pr.user_id = ?1 AND "
                  "pr.publisher_id = m.publisher_id AND pr.message_id = m.message_id) ELSE "
                  "r.read_at IS NOT NULL END "
                  "FROM publisher_messages m JOIN publishers p ON p.id = m.publisher_id "
                  "LEFT JOIN publisher_receivers r ON r.publisher_id = m.publisher_id AND "
                  "r.message_id = m.message_id AND r.user_id = ?1 "
                  "WHERE m.publisher_id = ?4 AND m.message_id = ?5 AND " LIVE " "
                  "AND (m.is_public = 1 OR r.user_id IS NOT NULL) AND NOT " OPTED_OUT)
            .bind(user_id, std::int64_t{0}, now, publisher_id, message_id),
        read_entry);
  });
}

Result<publishers::MessageTally> SqlitePublishers::message_tally(std::string_view publisher_id,
                                                                 std::string_view message_id) {
  return guarded(link_, "message_tally", [&](Connection& db) {
    // Synced: the audience whose cursor passed the first publication: for a public message,
    // every cursor there (through its seq index) but those who opted out; for a targeted one,
    // its receivers' cursors.
    auto tally = one<publishers::MessageTally>(
        db.cached("SELECT COALESCE((SELECT reach FROM publisher_message_reach WHERE "
                  "publisher_id = ?1 AND message_id = ?2), ''), "
                  "(SELECT count(*) FROM publisher_messages m JOIN publisher_inbox_cursors c "
                  "ON c.synced_seq >= m.first_seq WHERE m.publisher_id = ?1 AND "
                  "m.message_id = ?2 AND m.is_public = 1 AND NOT " OPTED_OUT_OF("c.user_id") ") + "
                  "(SELECT count(*) FROM publisher_messages m JOIN publisher_receivers r "
                  "ON r.publisher_id = m.publisher_id AND r.message_id = m.message_id "
                  "JOIN publisher_inbox_cursors c ON c.user_id = r.user_id "
                  "WHERE m.publisher_id = ?1 AND m.message_id = ?2 AND m.is_public = 0 AND "
                  "c.synced_seq >= m.first_seq AND NOT " OPTED_OUT_OF("r.user_id") "), "
                  "(SELECT count(*) FROM publisher_receivers WHERE publisher_id = ?1 AND "
                  "message_id = ?2 AND read_at IS NOT NULL) + "
                  "(SELECT count(*) FROM publisher_public_reads WHERE publisher_id = ?1 AND "
                  "message_id = ?2)")
            .bind(publisher_id, message_id),
        [](const Statement& s) {
          return publishers::MessageTally{s.text(0), s.integer(1), s.integer(2)};
        });
    return tally.value_or(publishers::MessageTally{});
  });
}

Result<std::string> SqlitePublishers::message_reach(std::string_view publisher_id,
                                                    std::string_view message_id) {
  return guarded(link_, "message_reach", [&](Connection& db) {
    auto reach = one<std::string>(db.cached("SELECT reach FROM publisher_message_reach WHERE "
                                            "publisher_id = ? AND message_id = ?")
                                      .bind(publisher_id, message_id),
                                  first_text);
    return reach.value_or(std::string());
  });
}

Result<void> SqlitePublishers::put_message_reach(std::string_view publisher_id,
                                                 std::string_view message_id,
                                                 std::string_view reach) {
  return guarded(link_, "put_message_reach", [&](Connection& db) {
    run(db.cached("INSERT INTO publisher_message_reach (publisher_id, message_id, reach) "
                  "VALUES (?1, ?2, ?3) ON CONFLICT (publisher_id, message_id) DO UPDATE SET "
                  "reach = ?3")
            .bind(publisher_id, message_id, reach));
  });
}

Result<void> SqlitePublishers::advance_inbox_cursor(std::string_view user_id, std::int64_t seq,
                                                    UnixMillis at) {
  return guarded(link_, "advance_inbox_cursor", [&](Connection& db) {
    run(db.cached("INSERT INTO publisher_inbox_cursors (user_id, synced_seq, synced_at) "
                  "VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET "
                  "synced_seq = ?2, synced_at = ?3 WHERE synced_seq < ?2")
            .bind(user_id, seq, at));
  });
}

Result<std::int64_t> SqlitePublishers::last_publisher_seq() {
  return guarded(link_, "last_publisher_seq", [&](Connection& db) {
    return one<std::int64_t>(db.cached("SELECT last FROM publisher_sequence WHERE id = 1").bind(),
                             [](const Statement& s) { return s.integer(0); })
        .value_or(0);
  });
}

Result<void> SqlitePublishers::insert_publisher(const PublisherRecord& p) {
  return guarded(link_, "insert_publisher", [&](Connection& db) {
    run(db.cached("INSERT INTO publishers (" PUBLISHER_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?)")
            .bind(p.registration_id, p.id, p.name, p.kind, p.contact, p.public_key, p.status,
                  p.created_at, p.updated_at));
  });
}

Result<void> SqlitePublishers::set_publisher_status(std::string_view registration_id,
                                                    std::string_view status, UnixMillis at) {
  return guarded(link_, "set_publisher_status", [&](Connection& db) {
    run(db.cached("UPDATE publishers SET status = ?, updated_at = ? WHERE registration_id = ?")
            .bind(status, at, registration_id));
  });
}

Result<bool> SqlitePublishers::assign_publisher_id(std::string_view registration_id,
                                                   std::string_view id) {
  return guarded(link_, "assign_publisher_id", [&](Connection& db) {
    // OR IGNORE: the UNIQUE index refuses a taken id and the row is left as it was.
    run(db.cached("UPDATE OR IGNORE publishers SET id = ? WHERE registration_id = ?")
            .bind(id, registration_id));
    return db.changes() > 0;
  });
}

Result<void> SqlitePublishers::insert_secret(const publishers::SecretRecord& s) {
  return guarded(link_, "insert_secret", [&](Connection& db) {
    run(db.cached("INSERT INTO publisher_secrets (" SECRET_COLUMNS ") VALUES (?,?,?,?,?)")
            .bind(s.registration_id, s.serial, s.sealed, s.created_at, s.expires_at));
  });
}

Result<void> SqlitePublishers::expire_secrets(std::string_view registration_id, UnixMillis at) {
  return guarded(link_, "expire_secrets", [&](Connection& db) {
    run(db.cached("UPDATE publisher_secrets SET expires_at = ? WHERE registration_id = ? AND "
                  "(expires_at IS NULL OR expires_at > ?)")
            .bind(at, registration_id, at));
  });
}

Result<std::int64_t> SqlitePublishers::next_publisher_seq() {
  return guarded(link_, "next_publisher_seq", [&](Connection& db) {
    auto& s = db.cached(
                    "UPDATE publisher_sequence SET last = last + 1 WHERE id = 1 "
                    "RETURNING last")
                  .bind();
    ResetOnExit guard{s};
    if (!s.step()) throw SqliteError(0, "publisher_sequence has no row");
    std::int64_t seq = s.integer(0);
    s.run();
    return seq;
  });
}

Result<void> SqlitePublishers::put_publisher_message(const MessageRecord& m) {
  return guarded(link_, "put_publisher_message", [&](Connection& db) {
    run(db.cached("INSERT INTO publisher_messages (publisher_id, message_id, seq, "
                  "first_seq, is_public, category, title, body, data, expires_at, version, "
                  "withdrawn, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                  "ON CONFLICT (publisher_id, message_id) DO UPDATE SET seq = excluded.seq, "
                  "first_seq = excluded.first_seq, is_public = excluded.is_public, "
                  "category = excluded.category, title = excluded.title, body = excluded.body, "
                  "data = excluded.data, expires_at = excluded.expires_at, "
                  "version = excluded.version, withdrawn = excluded.withdrawn, "
                  "updated_at = excluded.updated_at")
            .bind(m.publisher_id, m.message_id, m.seq, m.first_seq, m.is_public, m.category,
                  m.title, m.body, m.data, m.expires_at, m.version, m.withdrawn, m.created_at,
                  m.updated_at));
  });
}

Result<void> SqlitePublishers::add_message_receivers(std::string_view publisher_id,
                                                     std::string_view message_id,
                                                     const std::vector<std::string>& user_ids) {
  return guarded(link_, "add_message_receivers", [&](Connection& db) {
    auto& s = db.cached(
        "INSERT OR IGNORE INTO publisher_receivers (publisher_id, message_id, "
        "user_id) VALUES (?,?,?)");
    for (const auto& user_id : user_ids) run(s.bind(publisher_id, message_id, user_id));
  });
}

Result<bool> SqlitePublishers::put_subscription(std::string_view user_id,
                                                std::string_view publisher_id, UnixMillis at) {
  return guarded(link_, "put_subscription", [&](Connection& db) {
    run(db.cached("INSERT OR IGNORE INTO publisher_subscriptions (user_id, publisher_id, "
                  "created_at) VALUES (?,?,?)")
            .bind(user_id, publisher_id, at));
    return db.changes() > 0;
  });
}

Result<bool> SqlitePublishers::delete_subscription(std::string_view user_id,
                                                   std::string_view publisher_id) {
  return guarded(link_, "delete_subscription", [&](Connection& db) {
    run(db.cached("DELETE FROM publisher_subscriptions WHERE user_id = ? AND publisher_id = ?")
            .bind(user_id, publisher_id));
    return db.changes() > 0;
  });
}

Result<void> SqlitePublishers::replace_opt_outs(std::string_view user_id,
                                                const std::vector<OptOut>& opt_outs) {
  return guarded(link_, "replace_opt_outs", [&](Connection& db) {
    run(db.cached("DELETE FROM publisher_opt_outs WHERE user_id = ?").bind(user_id));
    auto& s = db.cached(
        "INSERT OR IGNORE INTO publisher_opt_outs (user_id, kind, value) "
        "VALUES (?,?,?)");
    for (const auto& o : opt_outs) run(s.bind(user_id, opt_out_kind(o.kind), o.value));
  });
}

Result<void> SqlitePublishers::mark_read(std::string_view user_id, std::string_view publisher_id,
                                         std::string_view message_id, bool is_public,
                                         UnixMillis at) {
  return guarded(link_, "mark_read", [&](Connection& db) {
    if (is_public) {
      run(db.cached("INSERT OR IGNORE INTO publisher_public_reads (user_id, publisher_id, "
                    "message_id, read_at) VALUES (?,?,?,?)")
              .bind(user_id, publisher_id, message_id, at));
    } else {
      run(db.cached("UPDATE publisher_receivers SET read_at = COALESCE(read_at, ?) WHERE "
                    "publisher_id = ? AND message_id = ? AND user_id = ?")
              .bind(at, publisher_id, message_id, user_id));
    }
  });
}

}  // namespace paddock::storage::sqlite

namespace paddock::storage::sqlite {

Result<bool> SqlitePublishers::serves_vehicle_of(std::string_view user_id,
                                                 std::string_view publisher_id) {
  return guarded(link_, "serves_vehicle_of", [&](Connection& db) {
    return one<bool>(db.cached("SELECT 1 FROM vehicle_service_providers s JOIN vehicles v ON "
                               "v.id = s.vehicle_id WHERE v.owner_id = ? AND s.publisher_id = ? "
                               "LIMIT 1")
                         .bind(user_id, publisher_id),
                     [](const Statement&) { return true; })
        .has_value();
  });
}

Result<std::vector<std::string>> SqlitePublishers::service_providers_of(
    std::string_view vehicle_id) {
  return guarded(link_, "service_providers_of", [&](Connection& db) {
    return all<std::string>(
        db.cached("SELECT publisher_id FROM vehicle_service_providers WHERE vehicle_id = ? "
                  "ORDER BY created_at, publisher_id")
            .bind(vehicle_id),
        first_text);
  });
}

Result<bool> SqlitePublishers::put_service_provider(std::string_view vehicle_id,
                                                    std::string_view publisher_id,
                                                    UnixMillis at) {
  return guarded(link_, "put_service_provider", [&](Connection& db) {
    run(db.cached("INSERT OR IGNORE INTO vehicle_service_providers (vehicle_id, publisher_id, "
                  "created_at) VALUES (?,?,?)")
            .bind(vehicle_id, publisher_id, at));
    return db.changes() > 0;
  });
}

Result<bool> SqlitePublishers::delete_service_provider(std::string_view vehicle_id,
                                                       std::string_view publisher_id) {
  return guarded(link_, "delete_service_provider", [&](Connection& db) {
    run(db.cached("DELETE FROM vehicle_service_providers WHERE vehicle_id = ? AND "
                  "publisher_id = ?")
            .bind(vehicle_id, publisher_id));
    return db.changes() > 0;
  });
}

Result<void> SqlitePublishers::delete_service_providers(std::string_view vehicle_id) {
  return guarded(link_, "delete_service_providers", [&](Connection& db) {
    run(db.cached("DELETE FROM vehicle_service_providers WHERE vehicle_id = ?").bind(vehicle_id));
  });
}

}  // namespace paddock::storage::sqlite

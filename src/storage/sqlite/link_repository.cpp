// SQLite: the links module's link sessions.
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define LINK_COLUMNS                                                                  \
  "id, purpose, state, creator_user, creator_device, context_kind, context_id, "      \
  "terminal_name, terminal_kind, terminal_public_key, creator_address, secret_hash, " \
  "previous_secret_hash, secret_expires_at, watch_token_hash, failed_attempts, "      \
  "claimant_user, claimant_device, claim_address, claimed_at, signed_in_device, "     \
  "session_hash, created_at, updated_at"

links::LinkRecord read_link(const Statement& s) {
  links::LinkRecord l;
  l.id = s.text(0);
  l.purpose = s.text(1);
  l.state = s.text(2);
  l.creator_user = optional_text(s, 3);
  l.creator_device = optional_text(s, 4);
  l.context_kind = optional_text(s, 5);
  l.context_id = optional_text(s, 6);
  l.terminal_name = s.text(7);
  l.terminal_kind = s.text(8);
  l.terminal_public_key = optional_text(s, 9);
  l.creator_address = s.text(10);
  l.secret_hash = s.text(11);
  l.previous_secret_hash = optional_text(s, 12);
  l.secret_expires_at = s.integer(13);
  l.watch_token_hash = s.text(14);
  l.failed_attempts = static_cast<int>(s.integer(15));
  l.claimant_user = optional_text(s, 16);
  l.claimant_device = optional_text(s, 17);
  l.claim_address = optional_text(s, 18);
  if (!s.is_null(19)) l.claimed_at = s.integer(19);
  l.signed_in_device = optional_text(s, 20);
  l.session_hash = optional_text(s, 21);
  l.created_at = s.integer(22);
  l.updated_at = s.integer(23);
  return l;
}

std::optional<std::int64_t> opt_int(const std::optional<UnixMillis>& v) {
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

}  // namespace

Result<std::optional<links::LinkRecord>> SqliteLinks::link_by_id(std::string_view id) {
  return guarded(link_, "link_by_id", [&](Connection& db) {
    return one<links::LinkRecord>(
        db.cached("SELECT " LINK_COLUMNS " FROM links WHERE id = ?").bind(id), read_link);
  });
}

Result<std::vector<links::LinkRecord>> SqliteLinks::links_of_user(std::string_view user_id,
                                                                  int limit) {
  return guarded(link_, "links_of_user", [&](Connection& db) {
    return all<links::LinkRecord>(
        db.cached("SELECT " LINK_COLUMNS " FROM links WHERE creator_user = ?1 "
                  "UNION SELECT " LINK_COLUMNS " FROM links WHERE claimant_user = ?1 "
                  "ORDER BY created_at DESC, id LIMIT ?2")
            .bind(user_id, limit),
        read_link);
  });
}

Result<void> SqliteLinks::insert_link(const links::LinkRecord& l) {
  return guarded(link_, "insert_link", [&](Connection& db) {
    run(db.cached("INSERT INTO links (" LINK_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                  "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(l.id, l.purpose, l.state, l.creator_user, l.creator_device, l.context_kind,
                  l.context_id, l.terminal_name, l.terminal_kind, l.terminal_public_key,
                  l.creator_address, l.secret_hash, l.previous_secret_hash, l.secret_expires_at,
                  l.watch_token_hash, l.failed_attempts, l.claimant_user, l.claimant_device,
                  l.claim_address, opt_int(l.claimed_at), l.signed_in_device, l.session_hash,
                  l.created_at, l.updated_at));
  });
}

Result<bool> SqliteLinks::update_link(const links::LinkRecord& l) {
  return guarded(link_, "update_link", [&](Connection& db) {
    run(db.cached("UPDATE links SET purpose = ?2, state = ?3, creator_user = ?4, "
                  "creator_device = ?5, context_kind = ?6, context_id = ?7, terminal_name = ?8, "
                  "terminal_kind = ?9, terminal_public_key = ?10, creator_address = ?11, "
                  "secret_hash = ?12, previous_secret_hash = ?13, secret_expires_at = ?14, "
                  "watch_token_hash = ?15, failed_attempts = ?16, claimant_user = ?17, "
                  "claimant_device = ?18, claim_address = ?19, claimed_at = ?20, "
                  "signed_in_device = ?21, session_hash = ?22, created_at = ?23, "
                  "updated_at = ?24 WHERE id = ?1")
            .bind(l.id, l.purpose, l.state, l.creator_user, l.creator_device, l.context_kind,
                  l.context_id, l.terminal_name, l.terminal_kind, l.terminal_public_key,
                  l.creator_address, l.secret_hash, l.previous_secret_hash, l.secret_expires_at,
                  l.watch_token_hash, l.failed_attempts, l.claimant_user, l.claimant_device,
                  l.claim_address, opt_int(l.claimed_at), l.signed_in_device, l.session_hash,
                  l.created_at, l.updated_at));
    return db.changes() > 0;
  });
}

}  // namespace paddock::storage::sqlite

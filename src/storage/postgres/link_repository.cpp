// PostgreSQL: the links module's link sessions (the twin of sqlite/link_repository.cpp).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define LINK_COLUMNS                                                                  \
  "id, purpose, state, creator_user, creator_device, context_kind, context_id, "      \
  "terminal_name, terminal_kind, terminal_public_key, creator_address, secret_hash, " \
  "previous_secret_hash, secret_expires_at, watch_token_hash, failed_attempts, "      \
  "claimant_user, claimant_device, claim_address, claimed_at, signed_in_device, "     \
  "session_hash, created_at, updated_at"

links::LinkRecord read_link(const Rows& r, int i) {
  links::LinkRecord l;
  l.id = r.text(i, 0);
  l.purpose = r.text(i, 1);
  l.state = r.text(i, 2);
  l.creator_user = optional_text(r, i, 3);
  l.creator_device = optional_text(r, i, 4);
  l.context_kind = optional_text(r, i, 5);
  l.context_id = optional_text(r, i, 6);
  l.terminal_name = r.text(i, 7);
  l.terminal_kind = r.text(i, 8);
  l.terminal_public_key = optional_text(r, i, 9);
  l.creator_address = r.text(i, 10);
  l.secret_hash = r.text(i, 11);
  l.previous_secret_hash = optional_text(r, i, 12);
  l.secret_expires_at = r.integer(i, 13);
  l.watch_token_hash = r.text(i, 14);
  l.failed_attempts = static_cast<int>(r.integer(i, 15));
  l.claimant_user = optional_text(r, i, 16);
  l.claimant_device = optional_text(r, i, 17);
  l.claim_address = optional_text(r, i, 18);
  if (!r.is_null(i, 19)) l.claimed_at = r.integer(i, 19);
  l.signed_in_device = optional_text(r, i, 20);
  l.session_hash = optional_text(r, i, 21);
  l.created_at = r.integer(i, 22);
  l.updated_at = r.integer(i, 23);
  return l;
}

std::optional<std::int64_t> opt_int(const std::optional<UnixMillis>& v) {
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

}  // namespace

Result<std::optional<links::LinkRecord>> PgLinks::link_by_id(std::string_view id) {
  return guarded(link_, "link_by_id", [&](Connection& db) {
    return one<links::LinkRecord>(
        db.query("SELECT " LINK_COLUMNS " FROM links WHERE id = $1", id), read_link);
  });
}

Result<std::vector<links::LinkRecord>> PgLinks::links_of_user(std::string_view user_id,
                                                              int limit) {
  return guarded(link_, "links_of_user", [&](Connection& db) {
    // SQLite's UNION of made and claimed links: each link once. Ids compare bytewise (as on
    // SQLite), whatever the database's collation.
    return all<links::LinkRecord>(
        db.query("SELECT " LINK_COLUMNS " FROM links WHERE creator_user = $1 "
                 "OR claimant_user = $1 ORDER BY created_at DESC, id COLLATE \"C\" LIMIT $2",
                 user_id, limit),
        read_link);
  });
}

Result<void> PgLinks::insert_link(const links::LinkRecord& l) {
  return guarded(link_, "insert_link", [&](Connection& db) {
    db.query("INSERT INTO links (" LINK_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
             "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
             l.id, l.purpose, l.state, l.creator_user, l.creator_device, l.context_kind,
             l.context_id, l.terminal_name, l.terminal_kind, l.terminal_public_key,
             l.creator_address, l.secret_hash, l.previous_secret_hash, l.secret_expires_at,
             l.watch_token_hash, l.failed_attempts, l.claimant_user, l.claimant_device,
             l.claim_address, opt_int(l.claimed_at), l.signed_in_device, l.session_hash,
             l.created_at, l.updated_at);
  });
}

Result<bool> PgLinks::update_link(const links::LinkRecord& l) {
  return guarded(link_, "update_link", [&](Connection& db) {
    return db.query("UPDATE links SET purpose = $2, state = $3, creator_user = $4, "
                    "creator_device = $5, context_kind = $6, context_id = $7, "
                    "terminal_name = $8, terminal_kind = $9, terminal_public_key = $10, "
                    "creator_address = $11, secret_hash = $12, previous_secret_hash = $13, "
                    "secret_expires_at = $14, watch_token_hash = $15, failed_attempts = $16, "
                    "claimant_user = $17, claimant_device = $18, claim_address = $19, "
                    "claimed_at = $20, signed_in_device = $21, session_hash = $22, "
                    "created_at = $23, updated_at = $24 WHERE id = $1",
                    l.id, l.purpose, l.state, l.creator_user, l.creator_device, l.context_kind,
                    l.context_id, l.terminal_name, l.terminal_kind, l.terminal_public_key,
                    l.creator_address, l.secret_hash, l.previous_secret_hash,
                    l.secret_expires_at, l.watch_token_hash, l.failed_attempts,
                    l.claimant_user, l.claimant_device, l.claim_address, opt_int(l.claimed_at),
                    l.signed_in_device, l.session_hash, l.created_at, l.updated_at)
               .affected() > 0;
  });
}

}  // namespace paddock::storage::postgres

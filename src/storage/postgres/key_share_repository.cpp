// PostgreSQL: the keys module's key shares, key audit log and revocation versions (the twin of
// sqlite/key_share_repository.cpp). Status changes stay conditional single statements, so of two
// nodes changing one share only the one that saw the expected status wins.
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define SHARE_COLUMNS                                                                            \
  "id, vehicle_id, sharer_id, recipient_id, device_id, task, status, rights, refused, "          \
  "verification, code_hash, failed_attempts, not_before, not_after, max_uses, note, "            \
  "via_share_id, credential, credential_id, kid, credential_expires_at, issued_at, created_at, " \
  "updated_at"

#define AUDIT_COLUMNS \
  "seq, vehicle_id, share_id, credential_id, actor_kind, actor_id, action, detail, at"

std::optional<std::int64_t> optional_int64(const std::optional<int>& v) {
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

keys::KeyShareRecord read_share(const Rows& r, int i) {
  keys::KeyShareRecord s;
  s.id = r.text(i, 0);
  s.vehicle_id = r.text(i, 1);
  s.sharer_id = r.text(i, 2);
  s.recipient_id = r.text(i, 3);
  s.device_id = optional_text(r, i, 4);
  s.task = r.text(i, 5);
  s.status = r.text(i, 6);
  s.rights = r.text(i, 7);
  s.refused = r.text(i, 8);
  s.verification = r.text(i, 9);
  s.code_hash = optional_text(r, i, 10);
  s.failed_attempts = static_cast<int>(r.integer(i, 11));
  s.not_before = r.integer(i, 12);
  s.not_after = r.integer(i, 13);
  if (!r.is_null(i, 14)) s.max_uses = static_cast<int>(r.integer(i, 14));
  s.note = r.text(i, 15);
  s.via_share_id = optional_text(r, i, 16);
  s.credential = optional_text(r, i, 17);
  s.credential_id = optional_text(r, i, 18);
  s.kid = optional_text(r, i, 19);
  s.credential_expires_at = optional_integer(r, i, 20);
  s.issued_at = optional_integer(r, i, 21);
  s.created_at = r.integer(i, 22);
  s.updated_at = r.integer(i, 23);
  return s;
}

keys::KeyAuditRecord read_audit(const Rows& r, int i) {
  return {r.integer(i, 0), r.text(i, 1), optional_text(r, i, 2), optional_text(r, i, 3),
          r.text(i, 4),    r.text(i, 5), r.text(i, 6),           r.text(i, 7),
          r.integer(i, 8)};
}

}  // namespace

Result<std::optional<keys::KeyShareRecord>> PgKeyShares::share_by_id(std::string_view id) {
  return guarded(link_, "share_by_id", [&](Connection& db) {
    return one<keys::KeyShareRecord>(
        db.query("SELECT " SHARE_COLUMNS " FROM key_shares WHERE id = $1", id), read_share);
  });
}

Result<std::vector<keys::KeyShareRecord>> PgKeyShares::shares_of_vehicle(
    std::string_view vehicle_id) {
  return guarded(link_, "shares_of_vehicle", [&](Connection& db) {
    return all<keys::KeyShareRecord>(
        db.query("SELECT " SHARE_COLUMNS " FROM key_shares WHERE vehicle_id = $1 "
                 "ORDER BY created_at, ordinal",
                 vehicle_id),
        read_share);
  });
}

Result<std::vector<keys::KeyShareRecord>> PgKeyShares::shares_received(
    std::string_view vehicle_id, std::string_view recipient_id) {
  return guarded(link_, "shares_received", [&](Connection& db) {
    return all<keys::KeyShareRecord>(
        db.query("SELECT " SHARE_COLUMNS " FROM key_shares WHERE recipient_id = $1 AND "
                 "vehicle_id = $2 ORDER BY created_at, ordinal",
                 recipient_id, vehicle_id),
        read_share);
  });
}

Result<std::vector<keys::KeyShareRecord>> PgKeyShares::shares_of_device(
    std::string_view recipient_id, std::string_view device_id) {
  return guarded(link_, "shares_of_device", [&](Connection& db) {
    return all<keys::KeyShareRecord>(
        db.query("SELECT " SHARE_COLUMNS " FROM key_shares WHERE recipient_id = $1 AND "
                 "device_id = $2 ORDER BY created_at, ordinal",
                 recipient_id, device_id),
        read_share);
  });
}

Result<std::vector<std::string>> PgKeyShares::kids_in_use(UnixMillis now) {
  return guarded(link_, "kids_in_use", [&](Connection& db) {
    return all<std::string>(
        db.query("SELECT DISTINCT kid FROM key_shares WHERE kid IS NOT NULL AND "
                 "credential_expires_at > $1 ORDER BY kid",
                 now),
        first_text);
  });
}

Result<std::optional<keys::KeyShareRecord>> PgKeyShares::share_by_credential_id(
    std::string_view vehicle_id, std::string_view credential_id) {
  return guarded(link_, "share_by_credential_id", [&](Connection& db) {
    return one<keys::KeyShareRecord>(
        db.query("SELECT " SHARE_COLUMNS " FROM key_shares WHERE vehicle_id = $1 AND "
                 "credential_id = $2",
                 vehicle_id, credential_id),
        read_share);
  });
}

Result<std::vector<keys::KeyAuditRecord>> PgKeyShares::audit_of(std::string_view vehicle_id,
                                                                std::int64_t after, int limit) {
  return guarded(link_, "audit_of", [&](Connection& db) {
    return all<keys::KeyAuditRecord>(
        db.query("SELECT " AUDIT_COLUMNS " FROM key_audit WHERE vehicle_id = $1 AND seq > $2 "
                 "ORDER BY seq LIMIT $3",
                 vehicle_id, after, limit),
        read_audit);
  });
}

Result<keys::RevocationState> PgKeyShares::revocations_of(std::string_view vehicle_id,
                                                          UnixMillis now) {
  return guarded(link_, "revocations_of", [&](Connection& db) {
    keys::RevocationState state;
    auto version =
        db.query("SELECT version FROM key_revocation_versions WHERE vehicle_id = $1", vehicle_id);
    if (!version.empty()) state.version = static_cast<std::uint64_t>(version.integer(0, 0));
    state.credential_ids = all<std::string>(
        db.query("SELECT credential_id FROM key_shares WHERE vehicle_id = $1 AND "
                 "status IN ('revoked', 'returned') AND credential_id IS NOT NULL AND "
                 "credential_expires_at > $2 ORDER BY credential_id",
                 vehicle_id, now),
        first_text);
    return state;
  });
}

Result<void> PgKeyShares::insert_share(const keys::KeyShareRecord& r) {
  return guarded(link_, "insert_share", [&](Connection& db) {
    db.query("INSERT INTO key_shares (" SHARE_COLUMNS ") VALUES "
             "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
             "$19, $20, $21, $22, $23, $24)",
             r.id, r.vehicle_id, r.sharer_id, r.recipient_id, r.device_id, r.task, r.status,
             r.rights, r.refused, r.verification, r.code_hash, r.failed_attempts, r.not_before,
             r.not_after, optional_int64(r.max_uses), r.note, r.via_share_id, r.credential,
             r.credential_id, r.kid, r.credential_expires_at, r.issued_at, r.created_at,
             r.updated_at);
  });
}

Result<bool> PgKeyShares::update_share(const keys::KeyShareRecord& r,
                                       std::string_view expected_status) {
  return guarded(link_, "update_share", [&](Connection& db) {
    return db.query("UPDATE key_shares SET device_id = $1, status = $2, rights = $3, "
                    "refused = $4, verification = $5, code_hash = $6, failed_attempts = $7, "
                    "not_before = $8, not_after = $9, max_uses = $10, note = $11, "
                    "via_share_id = $12, credential = $13, credential_id = $14, kid = $15, "
                    "credential_expires_at = $16, issued_at = $17, updated_at = $18 "
                    "WHERE id = $19 AND status = $20",
                    r.device_id, r.status, r.rights, r.refused, r.verification, r.code_hash,
                    r.failed_attempts, r.not_before, r.not_after, optional_int64(r.max_uses),
                    r.note, r.via_share_id, r.credential, r.credential_id, r.kid,
                    r.credential_expires_at, r.issued_at, r.updated_at, r.id, expected_status)
               .affected() > 0;
  });
}

Result<std::int64_t> PgKeyShares::append_audit(const keys::KeyAuditRecord& r) {
  return guarded(link_, "append_audit", [&](Connection& db) -> Result<std::int64_t> {
    // A vehicle's audit is paged by seq: appends for one vehicle take a lock held to commit, so
    // its seqs become visible in order whichever nodes write (as the feed log's do).
    db.query("SELECT pg_advisory_xact_lock(hashtext('key_audit:' || $1))", r.vehicle_id);
    auto rows = db.query(
        "INSERT INTO key_audit (vehicle_id, share_id, credential_id, actor_kind, actor_id, "
        "action, detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
        r.vehicle_id, r.share_id, r.credential_id, r.actor_kind, r.actor_id, r.action, r.detail,
        r.at);
    return rows.integer(0, 0);
  });
}

Result<std::uint64_t> PgKeyShares::bump_revocation_version(std::string_view vehicle_id) {
  return guarded(link_, "bump_revocation_version", [&](Connection& db) -> Result<std::uint64_t> {
    auto rows = db.query(
        "INSERT INTO key_revocation_versions (vehicle_id, version) VALUES ($1, 1) "
        "ON CONFLICT (vehicle_id) DO UPDATE SET version = key_revocation_versions.version + 1 "
        "RETURNING version",
        vehicle_id);
    return static_cast<std::uint64_t>(rows.integer(0, 0));
  });
}

}  // namespace paddock::storage::postgres

// SQLite: the keys module's key shares, key audit log and revocation versions.
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define SHARE_COLUMNS                                                                            \
  "id, vehicle_id, sharer_id, recipient_id, device_id, task, status, rights, refused, "          \
  "verification, code_hash, failed_attempts, not_before, not_after, max_uses, note, "            \
  "via_share_id, credential, credential_id, kid, credential_expires_at, issued_at, created_at, " \
  "updated_at"

#define AUDIT_COLUMNS \
  "seq, vehicle_id, share_id, credential_id, actor_kind, actor_id, action, detail, at"

std::optional<int> optional_int(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return static_cast<int>(s.integer(col));
}

std::optional<std::int64_t> optional_int64(const std::optional<int>& v) {
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

keys::KeyShareRecord read_share(const Statement& s) {
  keys::KeyShareRecord r;
  r.id = s.text(0);
  r.vehicle_id = s.text(1);
  r.sharer_id = s.text(2);
  r.recipient_id = s.text(3);
  r.device_id = optional_text(s, 4);
  r.task = s.text(5);
  r.status = s.text(6);
  r.rights = s.text(7);
  r.refused = s.text(8);
  r.verification = s.text(9);
  r.code_hash = optional_text(s, 10);
  r.failed_attempts = static_cast<int>(s.integer(11));
  r.not_before = s.integer(12);
  r.not_after = s.integer(13);
  r.max_uses = optional_int(s, 14);
  r.note = s.text(15);
  r.via_share_id = optional_text(s, 16);
  r.credential = optional_text(s, 17);
  r.credential_id = optional_text(s, 18);
  r.kid = optional_text(s, 19);
  r.credential_expires_at = optional_integer(s, 20);
  r.issued_at = optional_integer(s, 21);
  r.created_at = s.integer(22);
  r.updated_at = s.integer(23);
  return r;
}

keys::KeyAuditRecord read_audit(const Statement& s) {
  return {s.integer(0), s.text(1), optional_text(s, 2), optional_text(s, 3), s.text(4),
          s.text(5),    s.text(6), s.text(7),           s.integer(8)};
}

}  // namespace

Result<std::optional<keys::KeyShareRecord>> SqliteKeyShares::share_by_id(std::string_view id) {
  return guarded(link_, "share_by_id", [&](Connection& db) {
    return one<keys::KeyShareRecord>(
        db.cached("SELECT " SHARE_COLUMNS " FROM key_shares WHERE id = ?").bind(id), read_share);
  });
}

Result<std::vector<keys::KeyShareRecord>> SqliteKeyShares::shares_of_vehicle(
    std::string_view vehicle_id) {
  return guarded(link_, "shares_of_vehicle", [&](Connection& db) {
    return all<keys::KeyShareRecord>(
        db.cached("SELECT " SHARE_COLUMNS " FROM key_shares WHERE vehicle_id = ? "
                  "ORDER BY created_at, rowid")
            .bind(vehicle_id),
        read_share);
  });
}

Result<std::vector<keys::KeyShareRecord>> SqliteKeyShares::shares_received(
    std::string_view vehicle_id, std::string_view recipient_id) {
  return guarded(link_, "shares_received", [&](Connection& db) {
    return all<keys::KeyShareRecord>(
        db.cached("SELECT " SHARE_COLUMNS " FROM key_shares WHERE recipient_id = ? AND "
                  "vehicle_id = ? ORDER BY created_at, rowid")
            .bind(recipient_id, vehicle_id),
        read_share);
  });
}

Result<std::vector<keys::KeyShareRecord>> SqliteKeyShares::shares_of_device(
    std::string_view recipient_id, std::string_view device_id) {
  return guarded(link_, "shares_of_device", [&](Connection& db) {
    return all<keys::KeyShareRecord>(
        db.cached("SELECT " SHARE_COLUMNS " FROM key_shares WHERE recipient_id = ? AND "
                  "device_id = ? ORDER BY created_at, rowid")
            .bind(recipient_id, device_id),
        read_share);
  });
}

Result<std::vector<std::string>> SqliteKeyShares::kids_in_use(UnixMillis now) {
  return guarded(link_, "kids_in_use", [&](Connection& db) {
    return all<std::string>(
        db.cached("SELECT DISTINCT kid FROM key_shares WHERE kid IS NOT NULL AND "
                  "credential_expires_at > ? ORDER BY kid")
            .bind(now),
        first_text);
  });
}

Result<std::optional<keys::KeyShareRecord>> SqliteKeyShares::share_by_credential_id(
    std::string_view vehicle_id, std::string_view credential_id) {
  return guarded(link_, "share_by_credential_id", [&](Connection& db) {
    return one<keys::KeyShareRecord>(
        db.cached("SELECT " SHARE_COLUMNS " FROM key_shares WHERE vehicle_id = ? AND "
                  "credential_id = ?")
            .bind(vehicle_id, credential_id),
        read_share);
  });
}

Result<std::vector<keys::KeyAuditRecord>> SqliteKeyShares::audit_of(std::string_view vehicle_id,
                                                                    std::int64_t after, int limit) {
  return guarded(link_, "audit_of", [&](Connection& db) {
    return all<keys::KeyAuditRecord>(
        db.cached("SELECT " AUDIT_COLUMNS " FROM key_audit WHERE vehicle_id = ? AND seq > ? "
                  "ORDER BY seq LIMIT ?")
            .bind(vehicle_id, after, limit),
        read_audit);
  });
}

Result<keys::RevocationState> SqliteKeyShares::revocations_of(std::string_view vehicle_id,
                                                              UnixMillis now) {
  return guarded(link_, "revocations_of", [&](Connection& db) {
    keys::RevocationState state;
    {
      auto& s = db.cached("SELECT version FROM key_revocation_versions WHERE vehicle_id = ?")
                    .bind(vehicle_id);
      ResetOnExit guard{s};
      if (s.step()) state.version = static_cast<std::uint64_t>(s.integer(0));
    }
    state.credential_ids = all<std::string>(
        db.cached("SELECT credential_id FROM key_shares WHERE vehicle_id = ? AND "
                  "status IN ('revoked', 'returned') AND credential_id IS NOT NULL AND "
                  "credential_expires_at > ? ORDER BY credential_id")
            .bind(vehicle_id, now),
        first_text);
    return state;
  });
}

Result<void> SqliteKeyShares::insert_share(const keys::KeyShareRecord& r) {
  return guarded(link_, "insert_share", [&](Connection& db) {
    run(db.cached("INSERT INTO key_shares (" SHARE_COLUMNS ") VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(r.id, r.vehicle_id, r.sharer_id, r.recipient_id, r.device_id, r.task, r.status,
                  r.rights, r.refused, r.verification, r.code_hash, r.failed_attempts, r.not_before,
                  r.not_after, optional_int64(r.max_uses), r.note, r.via_share_id, r.credential,
                  r.credential_id, r.kid, r.credential_expires_at, r.issued_at, r.created_at,
                  r.updated_at));
  });
}

Result<bool> SqliteKeyShares::update_share(const keys::KeyShareRecord& r,
                                           std::string_view expected_status) {
  return guarded(link_, "update_share", [&](Connection& db) {
    run(db.cached("UPDATE key_shares SET device_id = ?, status = ?, rights = ?, refused = ?, "
                  "verification = ?, code_hash = ?, failed_attempts = ?, not_before = ?, "
                  "not_after = ?, max_uses = ?, note = ?, via_share_id = ?, credential = ?, "
                  "credential_id = ?, kid = ?, credential_expires_at = ?, issued_at = ?, "
                  "updated_at = ? WHERE id = ? AND status = ?")
            .bind(r.device_id, r.status, r.rights, r.refused, r.verification, r.code_hash,
                  r.failed_attempts, r.not_before, r.not_after, optional_int64(r.max_uses), r.note,
                  r.via_share_id, r.credential, r.credential_id, r.kid, r.credential_expires_at,
                  r.issued_at, r.updated_at, r.id, expected_status));
    return db.changes() > 0;
  });
}

Result<std::int64_t> SqliteKeyShares::append_audit(const keys::KeyAuditRecord& r) {
  return guarded(link_, "append_audit", [&](Connection& db) -> Result<std::int64_t> {
    auto& s = db.cached(
                    "INSERT INTO key_audit (vehicle_id, share_id, credential_id, actor_kind, "
                    "actor_id, action, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING seq")
                  .bind(r.vehicle_id, r.share_id, r.credential_id, r.actor_kind, r.actor_id,
                        r.action, r.detail, r.at);
    ResetOnExit guard{s};
    if (!s.step()) return make_error(Errc::storage_unavailable, "append_audit returned no seq");
    std::int64_t seq = s.integer(0);
    s.run();
    return seq;
  });
}

Result<std::uint64_t> SqliteKeyShares::bump_revocation_version(std::string_view vehicle_id) {
  return guarded(link_, "bump_revocation_version", [&](Connection& db) -> Result<std::uint64_t> {
    auto& s = db.cached(
                    "INSERT INTO key_revocation_versions (vehicle_id, version) VALUES (?, 1) "
                    "ON CONFLICT (vehicle_id) DO UPDATE SET version = version + 1 "
                    "RETURNING version")
                  .bind(vehicle_id);
    ResetOnExit guard{s};
    if (!s.step()) {
      return make_error(Errc::storage_unavailable, "bump_revocation_version returned no version");
    }
    auto version = static_cast<std::uint64_t>(s.integer(0));
    s.run();
    return version;
  });
}

}  // namespace paddock::storage::sqlite

// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::optional<keys::KeyShareRecord>> PgKeyShares::share_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::share_by_id is not written yet");
}

Result<std::vector<keys::KeyShareRecord>> PgKeyShares::shares_of_vehicle(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::shares_of_vehicle is not written yet");
}

Result<std::vector<keys::KeyShareRecord>> PgKeyShares::shares_received(std::string_view vehicle_id, std::string_view recipient_id) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::shares_received is not written yet");
}

Result<std::vector<keys::KeyShareRecord>> PgKeyShares::shares_of_device(std::string_view recipient_id, std::string_view device_id) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::shares_of_device is not written yet");
}

Result<std::vector<std::string>> PgKeyShares::kids_in_use(UnixMillis now) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::kids_in_use is not written yet");
}

Result<std::optional<keys::KeyShareRecord>> PgKeyShares::share_by_credential_id( std::string_view vehicle_id, std::string_view credential_id) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::share_by_credential_id is not written yet");
}

Result<std::vector<keys::KeyAuditRecord>> PgKeyShares::audit_of(std::string_view vehicle_id, std::int64_t after, int limit) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::audit_of is not written yet");
}

Result<keys::RevocationState> PgKeyShares::revocations_of(std::string_view vehicle_id, UnixMillis now) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::revocations_of is not written yet");
}

Result<void> PgKeyShares::insert_share(const keys::KeyShareRecord& share) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::insert_share is not written yet");
}

Result<bool> PgKeyShares::update_share(const keys::KeyShareRecord& share, std::string_view expected_status) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::update_share is not written yet");
}

Result<std::int64_t> PgKeyShares::append_audit(const keys::KeyAuditRecord& record) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::append_audit is not written yet");
}

Result<std::uint64_t> PgKeyShares::bump_revocation_version(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgKeyShares::bump_revocation_version is not written yet");
}

}  // namespace paddock::storage::postgres

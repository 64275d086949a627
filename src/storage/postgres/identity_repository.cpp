// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::optional<UserRecord>> PgIdentity::user_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgIdentity::user_by_id is not written yet");
}

Result<std::optional<UserRecord>> PgIdentity::user_by_username(std::string_view username) {
  return make_error(Errc::storage_unavailable, "PgIdentity::user_by_username is not written yet");
}

Result<std::optional<SessionRecord>> PgIdentity::session_by_token_hash(std::string_view token_hash) {
  return make_error(Errc::storage_unavailable, "PgIdentity::session_by_token_hash is not written yet");
}

Result<void> PgIdentity::insert_user(const UserRecord& user) {
  return make_error(Errc::storage_unavailable, "PgIdentity::insert_user is not written yet");
}

Result<void> PgIdentity::insert_session(const SessionRecord& session) {
  return make_error(Errc::storage_unavailable, "PgIdentity::insert_session is not written yet");
}

Result<bool> PgIdentity::delete_session(std::string_view token_hash) {
  return make_error(Errc::storage_unavailable, "PgIdentity::delete_session is not written yet");
}

Result<std::size_t> PgIdentity::purge_expired_sessions(UnixMillis now) {
  return make_error(Errc::storage_unavailable, "PgIdentity::purge_expired_sessions is not written yet");
}

}  // namespace paddock::storage::postgres

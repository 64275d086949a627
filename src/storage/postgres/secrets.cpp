// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<void> PgSecrets::put_secret(const SecretRecord& secret) {
  return make_error(Errc::storage_unavailable, "PgSecrets::put_secret is not written yet");
}

Result<std::optional<SecretRecord>> PgSecrets::take_secret(std::string_view purpose, std::string_view key, UnixMillis now) {
  return make_error(Errc::storage_unavailable, "PgSecrets::take_secret is not written yet");
}

Result<std::size_t> PgSecrets::purge_expired_secrets(UnixMillis now) {
  return make_error(Errc::storage_unavailable, "PgSecrets::purge_expired_secrets is not written yet");
}

}  // namespace paddock::storage::postgres

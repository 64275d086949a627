// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::optional<links::LinkRecord>> PgLinks::link_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgLinks::link_by_id is not written yet");
}

Result<std::vector<links::LinkRecord>> PgLinks::links_of_user(std::string_view user_id, int limit) {
  return make_error(Errc::storage_unavailable, "PgLinks::links_of_user is not written yet");
}

Result<void> PgLinks::insert_link(const links::LinkRecord& link) {
  return make_error(Errc::storage_unavailable, "PgLinks::insert_link is not written yet");
}

Result<bool> PgLinks::update_link(const links::LinkRecord& link) {
  return make_error(Errc::storage_unavailable, "PgLinks::update_link is not written yet");
}

}  // namespace paddock::storage::postgres

// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::vector<keys::ContactRecord>> PgContacts::contacts_of(std::string_view owner_id) {
  return make_error(Errc::storage_unavailable, "PgContacts::contacts_of is not written yet");
}

Result<std::optional<keys::ContactRecord>> PgContacts::contact_of(std::string_view owner_id, std::string_view contact_id) {
  return make_error(Errc::storage_unavailable, "PgContacts::contact_of is not written yet");
}

Result<void> PgContacts::put_contact(const keys::ContactRecord& contact) {
  return make_error(Errc::storage_unavailable, "PgContacts::put_contact is not written yet");
}

Result<bool> PgContacts::delete_contact(std::string_view owner_id, std::string_view contact_id) {
  return make_error(Errc::storage_unavailable, "PgContacts::delete_contact is not written yet");
}

}  // namespace paddock::storage::postgres

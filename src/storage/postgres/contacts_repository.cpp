// PostgreSQL: the keys module's contacts (the twin of sqlite/contacts_repository.cpp).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

#define CONTACT_COLUMNS "owner_id, contact_id, relationship, created_at, updated_at"

keys::ContactRecord read_contact(const Rows& r, int i) {
  return {r.text(i, 0), r.text(i, 1), r.text(i, 2), r.integer(i, 3), r.integer(i, 4)};
}

}  // namespace

Result<std::vector<keys::ContactRecord>> PgContacts::contacts_of(std::string_view owner_id) {
  return guarded(link_, "contacts_of", [&](Connection& db) {
    // `ord` (insertion order) breaks ties as SQLite's rowid does.
    return all<keys::ContactRecord>(
        db.query("SELECT " CONTACT_COLUMNS " FROM contacts WHERE owner_id = $1 "
                 "ORDER BY created_at, ord",
                 owner_id),
        read_contact);
  });
}

Result<std::optional<keys::ContactRecord>> PgContacts::contact_of(std::string_view owner_id,
                                                                  std::string_view contact_id) {
  return guarded(link_, "contact_of", [&](Connection& db) {
    return one<keys::ContactRecord>(
        db.query("SELECT " CONTACT_COLUMNS " FROM contacts WHERE owner_id = $1 AND contact_id = $2",
                 owner_id, contact_id),
        read_contact);
  });
}

Result<void> PgContacts::put_contact(const keys::ContactRecord& c) {
  return guarded(link_, "put_contact", [&](Connection& db) {
    // An upsert, so two nodes putting the same contact both succeed; the first creation time stays.
    db.query("INSERT INTO contacts (" CONTACT_COLUMNS ") VALUES ($1, $2, $3, $4, $5) "
             "ON CONFLICT (owner_id, contact_id) DO UPDATE SET "
             "relationship = excluded.relationship, updated_at = excluded.updated_at",
             c.owner_id, c.contact_id, c.relationship, c.created_at, c.updated_at);
  });
}

Result<bool> PgContacts::delete_contact(std::string_view owner_id, std::string_view contact_id) {
  return guarded(link_, "delete_contact", [&](Connection& db) {
    return db.query("DELETE FROM contacts WHERE owner_id = $1 AND contact_id = $2", owner_id,
                    contact_id)
               .affected() > 0;
  });
}

}  // namespace paddock::storage::postgres

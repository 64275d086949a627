// SQLite: the keys module's contacts.
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

#define CONTACT_COLUMNS "owner_id, contact_id, relationship, created_at, updated_at"

keys::ContactRecord read_contact(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)};
}

}  // namespace

Result<std::vector<keys::ContactRecord>> SqliteContacts::contacts_of(std::string_view owner_id) {
  return guarded(link_, "contacts_of", [&](Connection& db) {
    return all<keys::ContactRecord>(
        db.cached("SELECT " CONTACT_COLUMNS " FROM contacts WHERE owner_id = ? "
                  "ORDER BY created_at, rowid")
            .bind(owner_id),
        read_contact);
  });
}

Result<std::optional<keys::ContactRecord>> SqliteContacts::contact_of(
    std::string_view owner_id, std::string_view contact_id) {
  return guarded(link_, "contact_of", [&](Connection& db) {
    return one<keys::ContactRecord>(
        db.cached("SELECT " CONTACT_COLUMNS " FROM contacts WHERE owner_id = ? AND contact_id = ?")
            .bind(owner_id, contact_id),
        read_contact);
  });
}

Result<void> SqliteContacts::put_contact(const keys::ContactRecord& c) {
  return guarded(link_, "put_contact", [&](Connection& db) {
    run(db.cached("INSERT INTO contacts (" CONTACT_COLUMNS ") VALUES (?, ?, ?, ?, ?) "
                  "ON CONFLICT (owner_id, contact_id) DO UPDATE SET "
                  "relationship = excluded.relationship, updated_at = excluded.updated_at")
            .bind(c.owner_id, c.contact_id, c.relationship, c.created_at, c.updated_at));
  });
}

Result<bool> SqliteContacts::delete_contact(std::string_view owner_id,
                                            std::string_view contact_id) {
  return guarded(link_, "delete_contact", [&](Connection& db) {
    run(db.cached("DELETE FROM contacts WHERE owner_id = ? AND contact_id = ?")
            .bind(owner_id, contact_id));
    return db.changes() > 0;
  });
}

}  // namespace paddock::storage::sqlite

#pragma once
// keys/contacts_repository: what the keys module keeps about people (a user's contacts and the
// relationship they give each), as the interface a storage backend implements. A contact is
// one-directional: the owner's view of the other user. Owned by keys; depends on core only.
// Every call returns a value, never throws.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::keys {

struct ContactRecord {
  std::string owner_id;    // whose contact list
  std::string contact_id;  // the user it names
  std::string relationship;  // family | friend | colleague | service_provider
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

class ContactReads {
 public:
  virtual ~ContactReads() = default;
  // The owner's contacts, oldest first.
  virtual Result<std::vector<ContactRecord>> contacts_of(std::string_view owner_id) = 0;
  virtual Result<std::optional<ContactRecord>> contact_of(std::string_view owner_id,
                                                          std::string_view contact_id) = 0;
};

class ContactWrites : public ContactReads {
 public:
  // Creates the contact, or changes its relationship and updated_at (created_at stays).
  virtual Result<void> put_contact(const ContactRecord& contact) = 0;
  // True iff the owner had that contact (and now has not).
  virtual Result<bool> delete_contact(std::string_view owner_id, std::string_view contact_id) = 0;
};

}  // namespace paddock::keys
